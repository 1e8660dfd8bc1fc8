// The command line: every flag declared once, with its help, default and validator (CLI only).
// Value sets come from the library's name tables (names.hpp), so help, man page and the
// parser cannot disagree with the library.
#pragma once

#include "server/server.hpp"

#include "img2music/engine.hpp"
#include "img2music/request.hpp"

#include <CLI/CLI.hpp>

#include <optional>

#include <string>
#include <vector>

namespace img2music::cli {

// The flags as the library's types: what is not about this process (inputs, output, terminal)
// goes straight into the Request and the EngineConfig the run hands to the Engine.
struct Options {
    std::vector<std::string> inputs;
    EngineConfig engine;                 // --model, --model-sha256, --songs, --threads, --batch-size
    Request request;                     // everything about what to recommend and how
    int top = 10;                        // request.top_k, once parsed (an int, for the range check and its message)
    std::optional<OutputFormat> format;  // unset: --format auto, decided by the output (runner.cpp)
    std::string output;
    bool null_separated = false;
    bool quiet = false;
    bool version = false;
    std::string plot;             // PNG path
    std::string report;           // directory
    server::ServerConfig server;  // `img2music serve`: --host, --port, --api-key, ...
};

// Exit codes, documented in --help and README.md.
enum ExitCode : int { kExitOk = 0, kExitSomeInputsFailed = 1, kExitUsage = 2, kExitInterrupted = 130 };

// The main command's flags, and the subcommand `serve` (its own flags plus the model, table and
// alignment flags, declared once for both: declare_engine_options).
void declare_options(CLI::App& app, Options& options);

// The subcommand `serve`, once declare_options has declared it.
CLI::App& serve_command(CLI::App& app);

// The flags that take one of a fixed set of names, and those names in help order: the name
// tables' (names.hpp), plus values only the CLI knows (--format auto). The parser, --help and
// the completion (completion.hpp) all use these.
struct Choice {
    std::string flag;  // the long name, "--format"
    std::vector<std::string> names;
};
const std::vector<Choice>& choices();

// The flag each request field is set by ("--top" for top_k), for messages.
const char* flag_of(RequestField field);

// The song criteria as the flags that set them: "--genre rock --year 1990-1999".
std::string describe_as_flags(const SongCriteria& criteria);

}  // namespace img2music::cli
