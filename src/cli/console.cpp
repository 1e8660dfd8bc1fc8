#include "cli/console.hpp"

#include <algorithm>

namespace img2music::cli {
namespace {

std::FILE* g_stream = stderr;
Progress* g_progress = nullptr;  // cleared before each message so lines do not mix

}  // namespace

CancelToken& interrupt_token() {
    static CancelToken token;
    return token;
}

void set_message_stream(std::FILE* stream) { g_stream = stream; }
std::FILE* message_stream() { return g_stream; }

void message(const std::string& text) {
    if (g_progress != nullptr) g_progress->clear();
    std::fprintf(g_stream, "img2music: %s\n", text.c_str());
    std::fflush(g_stream);
}

Progress::Progress(bool enabled, std::optional<std::size_t> total) : enabled_(enabled), total_(total), start_(Clock::now()), last_(start_) {
    if (enabled_) g_progress = this;
}

Progress::~Progress() {
    clear();
    if (g_progress == this) g_progress = nullptr;
}

void Progress::update(std::size_t done, const char* unit) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && (!total_ || done != *total_)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    char line[160];
    const int n = std::snprintf(line, sizeof line, "\r%zu %s  %.1f/s", done, unit, rate);
    if (total_ && rate > 0 && done <= *total_) {
        const auto eta = static_cast<long>(static_cast<double>(*total_ - done) / rate);
        std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), "  %zu%%  ETA %ld:%02ld",
                      100 * done / std::max<std::size_t>(*total_, 1), eta / 60, eta % 60);
    }
    std::fprintf(g_stream, "%s\033[K", line);
    std::fflush(g_stream);
    shown_ = true;
}

void Progress::clear() {
    if (shown_) std::fprintf(g_stream, "\r\033[K");
    shown_ = false;
}

}  // namespace img2music::cli
