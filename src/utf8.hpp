// UTF-8 helpers (internal).
#pragma once

#include <string_view>

namespace img2music {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace img2music
