// UTF-8 through utfcpp (Debian libutfcpp-dev); the ASCII fast path in front of it is ours,
// because most catalogue text is ASCII and the song table checks every field.
#include "utf8.hpp"

#include <utf8.h>

#include <cstdint>
#include <cstring>
#include <iterator>

namespace img2music {
namespace {

bool is_ascii(std::string_view text) {
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, text.data() + i, 8);
        if ((word & 0x8080808080808080ULL) != 0) return false;
    }
    for (; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0x80U) != 0) return false;
    }
    return true;
}

}  // namespace

bool is_valid_utf8(std::string_view text) { return is_ascii(text) || utf8::is_valid(text.begin(), text.end()); }

char32_t next_code_point(std::string_view text, std::size_t& pos) {
    const unsigned char lead = static_cast<unsigned char>(text[pos]);
    if (lead < 0x80U) {
        ++pos;
        return lead;
    }
    auto it = text.begin() + static_cast<std::ptrdiff_t>(pos);
    try {
        const std::uint32_t cp = utf8::next(it, text.end());
        pos = static_cast<std::size_t>(it - text.begin());
        return static_cast<char32_t>(cp);
    } catch (const utf8::exception&) {
        ++pos;  // one byte at a time, so that what follows a bad byte is still read
        return 0xFFFD;
    }
}

void append_utf8(std::string& out, char32_t cp) { utf8::append(static_cast<std::uint32_t>(cp), std::back_inserter(out)); }

std::string to_valid_utf8(std::string_view text) {
    if (is_valid_utf8(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t pos = 0; pos < text.size();) append_utf8(out, next_code_point(text, pos));
    return out;
}

}  // namespace img2music
