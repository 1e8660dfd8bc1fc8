#include "utf8.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace img2music;

TEST_CASE("UTF-8: well-formed text passes, each kind of ill-formed sequence is refused") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain ASCII, longer than eight bytes"));
    CHECK(is_valid_utf8("Beyonc\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xB5"));  // 2-, 3- and 4-byte sequences
    CHECK_FALSE(is_valid_utf8("\x80"));                                    // lone continuation byte
    CHECK_FALSE(is_valid_utf8("caf\xC3"));                                 // cut short
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));                                // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));                            // surrogate U+D800
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));                        // beyond U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xFF"));                                    // never a lead byte
    CHECK_FALSE(is_valid_utf8("12345678\xC3("));                           // bad continuation after the ASCII fast path
}

TEST_CASE("UTF-8: decoding steps over code points and replaces what is ill-formed, one byte at a time") {
    const std::string text = "a\xC3\xA9\xF0\x9F\x8E\xB5\xFFz";
    std::size_t pos = 0;
    CHECK(next_code_point(text, pos) == U'a');
    CHECK(next_code_point(text, pos) == U'\u00E9');
    CHECK(next_code_point(text, pos) == U'\U0001F3B5');
    CHECK(next_code_point(text, pos) == U'\uFFFD');
    CHECK(pos == 8);
    CHECK(next_code_point(text, pos) == U'z');
    CHECK(pos == text.size());

    CHECK(to_valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
    CHECK(to_valid_utf8("bad\xFF\xC3") == "bad\xEF\xBF\xBD\xEF\xBF\xBD");
    std::string encoded;
    for (char32_t cp : {U'x', U'\u00E9', U'\u20AC', U'\U0001F3B5'}) append_utf8(encoded, cp);
    CHECK(encoded == "x\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8E\xB5");
}
