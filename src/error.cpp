#include "img2music/error.hpp"

namespace img2music {

std::string first_line(const std::string& message) {
    std::size_t start = 0;
    while (start < message.size()) {
        std::size_t end = message.find('\n', start);
        if (end == std::string::npos) end = message.size();
        std::string line = message.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) return line;
        start = end + 1;
    }
    return message.empty() ? std::string("unknown error") : message;
}

}  // namespace img2music
