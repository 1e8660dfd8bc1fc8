// SHA-256 (FIPS 180-4), for pinning a model file with --model-sha256.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace img2music {

// Lower-case hex digest of `size` bytes at `data`.
std::string sha256_hex(const void* data, std::size_t size);

// Lower-case hex digest of a file's contents, read in chunks. Throws ResourceError naming the path.
std::string sha256_file_hex(const std::string& path);

}  // namespace img2music
