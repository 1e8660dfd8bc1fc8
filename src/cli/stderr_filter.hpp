// Keeps stderr for img2music's own messages (CLI only).
//
// libjpeg, libpng and FFmpeg print warnings straight to file descriptor 2 ("Corrupt JPEG data:
// ...", "libpng error: ..."), which would break the promise of one clear line per failed input.
// StderrFilter moves fd 2 onto a pipe drained by a thread and hands out the real stderr for our
// messages. Library lines are dropped, or passed on with a prefix when IMG2MUSIC_DEBUG is set.
#pragma once

#include <cstdio>
#include <thread>

namespace img2music::cli {

class StderrFilter {
public:
    StderrFilter();   // on any failure it leaves stderr as it was
    ~StderrFilter();  // restores fd 2 and drains what is left
    StderrFilter(const StderrFilter&) = delete;
    StderrFilter& operator=(const StderrFilter&) = delete;

    // Where img2music's own messages go: the real stderr.
    std::FILE* out() const { return out_ != nullptr ? out_ : stderr; }

private:
    int saved_fd_ = -1;
    int read_fd_ = -1;
    std::FILE* out_ = nullptr;
    std::thread drain_;
};

}  // namespace img2music::cli
