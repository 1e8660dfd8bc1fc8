// Small file helpers (internal).
#pragma once

#include <string>

namespace img2music {

// Read a whole file; failures throw ResourceError / InputError with "path: reason".
std::string read_file_or_throw_resource(const std::string& path);
std::string read_file_or_throw_input(const std::string& path);

// The lower-case extension of `path` including the dot ("" when none).
std::string lower_extension(const std::string& path);

}  // namespace img2music
