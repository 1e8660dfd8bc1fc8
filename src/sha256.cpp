// SHA-256 through GNU Nettle (Debian nettle-dev): a security check (--model-sha256) is not the
// place for a hand-written hash.
#include "img2music/sha256.hpp"

#include "img2music/error.hpp"

#include <nettle/sha2.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace img2music {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string hex_digest(sha256_ctx& ctx) {
    std::uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof digest, digest);
    static const char* const kHex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * sizeof digest);
    for (const std::uint8_t b : digest) {
        out.push_back(kHex[b >> 4U]);
        out.push_back(kHex[b & 0x0FU]);
    }
    return out;
}

}  // namespace

std::string sha256_hex(const void* data, std::size_t size) {
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, size, static_cast<const std::uint8_t*>(data));
    return hex_digest(ctx);
}

std::string sha256_file_hex(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) throw ResourceError(path, std::strerror(errno));
    sha256_ctx ctx;
    sha256_init(&ctx);
    std::uint8_t buffer[1 << 16];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) sha256_update(&ctx, got, buffer);
    if (std::ferror(file.get()) != 0) throw ResourceError(path, std::string("read error: ") + std::strerror(errno));
    return hex_digest(ctx);
}

}  // namespace img2music
