#include "file_util.hpp"

#include "img2music/error.hpp"
#include "img2music/output_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace img2music {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

template <typename ErrorType>
std::string read_whole_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw ErrorType(path, std::strerror(errno));
    if (S_ISDIR(info.st_mode)) throw ErrorType(path, "is a directory");
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) throw ErrorType(path, std::strerror(errno));
    std::string data;
    if (S_ISREG(info.st_mode)) data.reserve(static_cast<std::size_t>(info.st_size));
    char buffer[1 << 16];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) data.append(buffer, got);
    if (std::ferror(file.get()) != 0) throw ErrorType(path, std::string("read error: ") + std::strerror(errno));
    return data;
}

}  // namespace

std::string read_file_or_throw_resource(const std::string& path) { return read_whole_file<ResourceError>(path); }
std::string read_file_or_throw_input(const std::string& path) { return read_whole_file<InputError>(path); }

std::string read_head(const std::string& path, std::size_t limit) {
    std::string head(limit, '\0');
    ssize_t got = 0;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        got = ::read(fd, head.data(), limit);
        ::close(fd);
    }
    head.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return head;
}

std::string lower_extension(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    const std::size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot);
    for (char& c : ext) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    return ext;
}

void write_file_atomically(const std::string& path, std::string_view data) {
    AtomicFileSink sink(path);  // its errors are ResourceError "path: reason"
    sink.append(data);
    sink.commit();
}

}  // namespace img2music
