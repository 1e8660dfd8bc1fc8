#include "cli/resource_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

namespace img2music::cli {
namespace {

bool is_file(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

}  // namespace

std::string executable_dir() {
    std::vector<char> buf(4096);
    const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
    if (n <= 0) return "";
    std::string path(buf.data(), static_cast<std::size_t>(n));
    const std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string default_resource(const char* env_var, const std::string& relative) {
    if (const char* env = std::getenv(env_var); env != nullptr && *env != '\0') return env;
    const std::string dir = executable_dir();
    const std::vector<std::string> candidates = {dir + "/../share/img2music/" + relative, dir + "/../" + relative};
    for (const std::string& c : candidates) {
        if (!is_file(c)) continue;
        char* resolved = ::realpath(c.c_str(), nullptr);  // "build/../models/x" reads better as ".../models/x"
        if (resolved == nullptr) return c;
        std::string path(resolved);
        std::free(resolved);
        return path;
    }
    return candidates.back();
}

}  // namespace img2music::cli
