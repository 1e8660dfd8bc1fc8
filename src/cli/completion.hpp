// Shell completion generated from the declared flags (cli_options.cpp) and the library's name
// tables (names.hpp), so that it cannot drift from either. The build writes it to
// build/img2music.bash with `img2music --print-completion bash` and installs that file.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace img2music::cli {

// The bash completion script for the options declared on `app` (hidden options left out).
// Throws Error when a file-valued flag it knows of is no longer declared.
std::string bash_completion(const CLI::App& app);

}  // namespace img2music::cli
