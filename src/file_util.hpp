// Small file helpers (internal).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace img2music {

// Read a whole file; failures throw ResourceError / InputError with "path: reason".
std::string read_file_or_throw_resource(const std::string& path);
std::string read_file_or_throw_input(const std::string& path);

// Up to `limit` first bytes of the file at `path` (fewer when it is shorter; "" when it cannot
// be read): what content sniffing looks at.
std::string read_head(const std::string& path, std::size_t limit);

// The lower-case extension of `path` including the dot ("" when none).
std::string lower_extension(const std::string& path);

// Writes `data` to a temporary file beside `path` and renames it over `path`, so that readers
// never see a half-written file. Throws ResourceError "path: reason".
void write_file_atomically(const std::string& path, std::string_view data);

}  // namespace img2music
