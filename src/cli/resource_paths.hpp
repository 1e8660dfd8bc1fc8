// Where the shipped model and song table are found (CLI only).
#pragma once

#include <string>

namespace img2music::cli {

// The directory holding the running executable ("" if unknown).
std::string executable_dir();

// The first existing file among: $env_var, <exe>/../share/img2music/<relative>,
// <exe>/../<relative> (a build tree inside the source tree). Returns the first candidate
// when none exists, so the error names a sensible path.
std::string default_resource(const char* env_var, const std::string& relative);

}  // namespace img2music::cli
