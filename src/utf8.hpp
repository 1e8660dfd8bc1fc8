// UTF-8 helpers (internal).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace img2music {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view text);

// The code point starting at text[pos]; advances `pos` past it. An ill-formed sequence gives
// U+FFFD and advances one byte, so decoding always makes progress. Requires pos < text.size().
char32_t next_code_point(std::string_view text, std::size_t& pos);

// `text` with every ill-formed sequence replaced by U+FFFD (file names need not be UTF-8).
std::string to_valid_utf8(std::string_view text);

// Appends the UTF-8 encoding of `cp` (a valid scalar value) to `out`.
void append_utf8(std::string& out, char32_t cp);

}  // namespace img2music
