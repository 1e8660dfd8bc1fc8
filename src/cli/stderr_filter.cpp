#include "cli/stderr_filter.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace img2music::cli {

StderrFilter::StderrFilter() {
    int fds[2];
    if (::pipe(fds) != 0) return;
    saved_fd_ = ::dup(STDERR_FILENO);
    if (saved_fd_ < 0 || ::dup2(fds[1], STDERR_FILENO) < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        if (saved_fd_ >= 0) ::close(saved_fd_);
        saved_fd_ = -1;
        return;
    }
    ::close(fds[1]);  // fd 2 is now the only write end
    read_fd_ = fds[0];
    out_ = ::fdopen(::dup(saved_fd_), "w");
    if (out_ != nullptr) std::setvbuf(out_, nullptr, _IOLBF, 0);
    const bool pass_on = std::getenv("IMG2MUSIC_DEBUG") != nullptr;
    const int real = saved_fd_;
    drain_ = std::thread([read_fd = read_fd_, real, pass_on] {
        std::string pending;
        char buf[4096];
        ssize_t n = 0;
        while ((n = ::read(read_fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
            if (n <= 0 || !pass_on) continue;
            pending.append(buf, static_cast<std::size_t>(n));
            std::size_t end = 0;
            while ((end = pending.find('\n')) != std::string::npos) {
                const std::string line = "img2music: library: " + pending.substr(0, end + 1);
                (void)!::write(real, line.data(), line.size());
                pending.erase(0, end + 1);
            }
        }
    });
}

StderrFilter::~StderrFilter() {
    if (saved_fd_ < 0) return;
    if (out_ != nullptr) std::fclose(out_);
    std::fflush(stderr);
    ::dup2(saved_fd_, STDERR_FILENO);  // closes the pipe's last write end: the drain sees EOF
    if (drain_.joinable()) drain_.join();
    ::close(read_fd_);
    ::close(saved_fd_);
}

}  // namespace img2music::cli
