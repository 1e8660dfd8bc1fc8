#include "cli/input_list.hpp"

#include "img2music/directory_walker.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace img2music::cli {
namespace {

bool is_directory(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

}  // namespace

InputList::InputList(std::vector<std::string> args, InputListOptions options) : args_(std::move(args)), options_(options) {}
InputList::~InputList() = default;

bool InputList::known_count(std::size_t* count) const {
    for (const std::string& a : args_) {
        if (a == "-" || is_directory(a)) return false;
    }
    *count = args_.size();
    return true;
}

std::optional<std::string> InputList::read_stdin_record() {
    const char separator = options_.null_separated ? '\0' : '\n';
    for (;;) {
        const std::size_t end = stdin_buffer_.find(separator);
        if (end != std::string::npos) {
            std::string record = stdin_buffer_.substr(0, end);
            stdin_buffer_.erase(0, end + 1);
            return record;
        }
        if (stdin_eof_) {
            if (stdin_buffer_.empty()) return std::nullopt;
            std::string record;
            record.swap(stdin_buffer_);
            return record;
        }
        if (cancelled_) return std::nullopt;
        // Wait in short slices so cancel() (a closed output, Ctrl-C) is seen promptly.
        pollfd pfd{options_.stdin_fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, 100);
        if (ready < 0 && errno != EINTR) {
            stdin_eof_ = true;
            continue;
        }
        if (ready <= 0) continue;
        char chunk[1 << 14];
        const ssize_t n = ::read(options_.stdin_fd, chunk, sizeof chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
            stdin_eof_ = true;
            continue;
        }
        stdin_buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

std::optional<Input> InputList::next() {
    for (;;) {
        if (cancelled_) return std::nullopt;
        if (walker_) {
            if (std::optional<Input> in = walker_->next()) return in;
            walker_.reset();
        }
        if (reading_stdin_) {
            if (std::optional<std::string> line = read_stdin_record()) {
                if (!options_.null_separated && !line->empty() && line->back() == '\r') line->pop_back();
                if (line->empty()) continue;
                return Input{std::move(*line), std::nullopt};
            }
            reading_stdin_ = false;
        }
        if (next_arg_ >= args_.size()) return std::nullopt;
        std::string arg = args_[next_arg_++];
        if (arg == "-") {
            reading_stdin_ = true;
            continue;
        }
        if (!options_.directories_as_inputs && is_directory(arg)) {
            walker_ = std::make_unique<DirectoryWalker>(arg, options_.recursive);
            continue;
        }
        return Input{std::move(arg), std::nullopt};
    }
}

}  // namespace img2music::cli

namespace img2music::cli {

bool InputList::may_wait() const {
    if (walker_ || stdin_eof_) return false;
    const bool stdin_next = reading_stdin_ || (next_arg_ < args_.size() && args_[next_arg_] == "-");
    const char separator = options_.null_separated ? '\0' : '\n';
    return stdin_next && stdin_buffer_.find(separator) == std::string::npos;
}

}  // namespace img2music::cli
