// The command line: every flag declared once, with its help, default and validator (CLI only).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <utility>
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

    // Videos and frame sequences
    double every = 1.0;         // seconds between sampled frames
    bool frames = false;        // one record per sampled frame instead of per segment
    bool sequence = false;      // a directory input is the frames of one video
    double fps = 1.0;           // frame rate of a sequence
    double min_segment = 20.0;  // seconds

    // Seeing the answer
    std::string plot;    // PNG path
    std::string report;  // directory
    bool explain = false;

    // Which songs, and how varied
    std::vector<std::string> genres;
    int min_popularity = -1;  // -1: no filter
    std::string year;         // "FROM-TO", "FROM-", "-TO" or "YEAR"
    std::vector<std::string> exclude_artists;
    double diversity = 0.0;
    bool one_per_artist = false;
};

// "1990-1999" -> {1990, 1999}; "1990-" / "-1999" open-ended; "1990" one year. Throws CLI::ValidationError.
std::pair<std::optional<int>, std::optional<int>> parse_year_range(const std::string& text);

// Exit codes, documented in --help and README.md.
enum ExitCode : int { kExitOk = 0, kExitSomeInputsFailed = 1, kExitUsage = 2, kExitInterrupted = 130 };

void declare_options(CLI::App& app, Options& options);

}  // namespace img2music::cli
