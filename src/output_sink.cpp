#include "img2music/output_sink.hpp"

#include "img2music/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace img2music {
namespace {

void write_all(int fd, std::string_view data, const std::string& name) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) throw OutputClosed();
            throw ResourceError(name, std::string("cannot write results: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

void FdSink::write_out(std::string_view data) { write_all(fd_, data, "stdout"); }

AtomicFileSink::AtomicFileSink(std::string path) : path_(std::move(path)) {
    struct stat info {};
    if (::stat(path_.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) throw ResourceError(path_, "is a directory");
    temp_path_ = path_ + ".tmp.XXXXXX";
    fd_ = ::mkstemp(temp_path_.data());
    if (fd_ < 0) throw ResourceError(path_, std::string("cannot create a temporary file beside it: ") + std::strerror(errno));
    ::fchmod(fd_, 0644);  // mkstemp makes 0600; results are ordinary files
}

AtomicFileSink::~AtomicFileSink() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(temp_path_.c_str());
    }
}

void AtomicFileSink::write_out(std::string_view data) { write_all(fd_, data, path_); }

void AtomicFileSink::commit() {
    flush();
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
        const std::string reason = std::strerror(errno);
        fd_ = -1;
        ::unlink(temp_path_.c_str());
        throw ResourceError(path_, "cannot write results: " + reason);
    }
    fd_ = -1;
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temp_path_.c_str());
        throw ResourceError(path_, "cannot replace it: " + reason);
    }
}

}  // namespace img2music
