// The web page's files (web/), compiled into the binary at build time
// (cmake/embed_files.cmake writes web_assets.cpp): the server serves these and nothing else.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace img2music::server {

struct WebAsset {
    const char* path;          // "/index.html"
    const char* content_type;  // "text/html; charset=utf-8"
    const unsigned char* data;
    std::size_t size;
};

const std::vector<WebAsset>& web_assets();

}  // namespace img2music::server
