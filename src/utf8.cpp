#include "utf8.hpp"

#include <cstdint>
#include <cstring>

namespace img2music {
namespace {

// Length (1..4) of the well-formed UTF-8 sequence at s[pos], with its code point in `cp`; 0 when
// the sequence is ill-formed (bad lead or continuation byte, cut short, overlong, surrogate,
// beyond U+10FFFF).
std::size_t decode_sequence(const unsigned char* s, std::size_t n, std::size_t pos, std::uint32_t& cp) {
    const unsigned char c = s[pos];
    if (c < 0x80) {
        cp = c;
        return 1;
    }
    std::size_t len = 0;
    if ((c & 0xE0U) == 0xC0U) {
        len = 2;
        cp = c & 0x1FU;
    } else if ((c & 0xF0U) == 0xE0U) {
        len = 3;
        cp = c & 0x0FU;
    } else if ((c & 0xF8U) == 0xF0U) {
        len = 4;
        cp = c & 0x07U;
    } else {
        return 0;
    }
    if (pos + len > n) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((s[pos + k] & 0xC0U) != 0x80U) return 0;
        cp = (cp << 6U) | (s[pos + k] & 0x3FU);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // Most catalogue text is ASCII: skip it eight bytes at a time.
        if (i + 8 <= n) {
            std::uint64_t word = 0;
            std::memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        std::uint32_t cp = 0;
        const std::size_t len = decode_sequence(s, n, i, cp);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

char32_t next_code_point(std::string_view text, std::size_t& pos) {
    std::uint32_t cp = 0;
    const std::size_t len = decode_sequence(reinterpret_cast<const unsigned char*>(text.data()), text.size(), pos, cp);
    if (len == 0) {
        ++pos;
        return 0xFFFD;
    }
    pos += len;
    return cp;
}

void append_utf8(std::string& out, char32_t cp) {
    const auto c = static_cast<std::uint32_t>(cp);
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0U | (c >> 6U));
        out += static_cast<char>(0x80U | (c & 0x3FU));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0U | (c >> 12U));
        out += static_cast<char>(0x80U | ((c >> 6U) & 0x3FU));
        out += static_cast<char>(0x80U | (c & 0x3FU));
    } else {
        out += static_cast<char>(0xF0U | (c >> 18U));
        out += static_cast<char>(0x80U | ((c >> 12U) & 0x3FU));
        out += static_cast<char>(0x80U | ((c >> 6U) & 0x3FU));
        out += static_cast<char>(0x80U | (c & 0x3FU));
    }
}

std::string to_valid_utf8(std::string_view text) {
    if (is_valid_utf8(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t pos = 0; pos < text.size();) append_utf8(out, next_code_point(text, pos));
    return out;
}

}  // namespace img2music
