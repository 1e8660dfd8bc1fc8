// The command line: every flag declared once, with its help, default and validator (CLI only).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace img2music::cli {

struct Options {
    std::vector<std::string> inputs;
    int top = 10;
    std::string model;
    std::string model_sha256;
    std::string songs;
    std::string format = "auto";
    std::string align = "quantile";
    bool align_given = false;
    int threads = 0;
    int batch_size = 8;  // measured: fastest on MobileNet, and peak RSS under 400 MB (docs/performance.md)
    std::string output;
    bool recursive = false;
    bool null_separated = false;
    bool quiet = false;
    bool version = false;
};

// Exit codes, documented in --help and README.md.
enum ExitCode : int { kExitOk = 0, kExitSomeInputsFailed = 1, kExitUsage = 2, kExitInterrupted = 130 };

void declare_options(CLI::App& app, Options& options);

}  // namespace img2music::cli
