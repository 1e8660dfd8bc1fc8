// The CLI's side of the terminal (CLI only): one-line messages on the real stderr, the
// progress line, and the Ctrl-C token.
#pragma once

#include "img2music/engine.hpp"

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>

namespace img2music::cli {

// Cancelled by the SIGINT handler (main.cpp): the run stops handing out inputs and flushes
// what it has.
CancelToken& interrupt_token();

// Where messages go: the real stderr (StderrFilter takes fd 2 for library chatter).
void set_message_stream(std::FILE* stream);
std::FILE* message_stream();

// "img2music: <text>" on one line, clearing the progress line first.
void message(const std::string& text);

// "123 done  45.6/s  12%  ETA 0:12" on one stderr line, redrawn at most ten times a second.
// Only when enabled (stderr is a terminal and not --quiet); plain text, so NO_COLOR has nothing
// to turn off.
class Progress {
public:
    Progress(bool enabled, std::optional<std::size_t> total);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void update(std::size_t done, const char* unit);
    void clear();

private:
    using Clock = std::chrono::steady_clock;
    bool enabled_;
    std::optional<std::size_t> total_;
    Clock::time_point start_;
    Clock::time_point last_;
    bool shown_ = false;
};

}  // namespace img2music::cli
