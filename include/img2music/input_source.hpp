// Streams of inputs for the pipeline: paths, plus entries that already failed while being
// listed (an unreadable directory, a symlink loop), which become error records in place.
#pragma once

#include <optional>
#include <string>

namespace img2music {

struct Input {
    std::string path;
    std::optional<std::string> error;  // set: listing this entry failed; the reason, without the path
};

class InputSource {
public:
    virtual ~InputSource() = default;
    // The next input, or nullopt at the end. Called from one thread at a time.
    virtual std::optional<Input> next() = 0;
    // Asks a next() that is blocked waiting for data (a pipe) to return nullopt soon.
    // Called from another thread; sources that never block may ignore it.
    virtual void cancel() {}
};

}  // namespace img2music
