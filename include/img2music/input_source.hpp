// Streams of inputs for the pipeline: paths, plus entries that already failed while being
// listed (an unreadable directory, a symlink loop), which become error records in place, video
// frames already decoded by the source (a video is read in order, so the source decodes), and
// encoded images held in memory (an upload), which are never looked for on disk.
#pragma once

#include "img2music/image.hpp"
#include "img2music/media.hpp"
#include "img2music/record.hpp"

#include <optional>
#include <string>
#include <utility>

namespace img2music {

struct Input {
    Input() = default;
    explicit Input(std::string path_, std::optional<std::string> error_ = std::nullopt, std::optional<FramePosition> frame_ = std::nullopt,
                   std::optional<Image> image_ = std::nullopt)
        : path(std::move(path_)), error(std::move(error_)), frame(frame_), image(std::move(image_)) {}

    std::string path;
    std::optional<std::string> error;    // set: listing this entry failed; the reason, without the path
    std::optional<FramePosition> frame;  // set: one frame of the video (or frame sequence) `path`
    std::optional<Image> image;          // set: already decoded, `path` is not read again
    std::optional<std::string> bytes;    // set: the encoded image itself; `path` only names it
    std::optional<MediaKind> kind;       // set: what `path` is, already detected (media.hpp)

    // An encoded image held in memory, named `name` in its record.
    static Input encoded(std::string name, std::string bytes_) {
        Input in(std::move(name));
        in.bytes = std::move(bytes_);
        return in;
    }
};

class InputSource {
public:
    virtual ~InputSource() = default;
    // The next input, or nullopt at the end. Called from one thread at a time.
    virtual std::optional<Input> next() = 0;
    // Asks a next() that is blocked waiting for data (a pipe) to return nullopt soon.
    // Called from another thread; sources that never block may ignore it.
    virtual void cancel() {}
    // True when the coming next() may wait on the world outside (a pipe or terminal with no
    // complete path buffered). The pipeline then runs the partial batch it holds instead of
    // keeping finished records back; otherwise it waits for full batches. Same thread as next().
    virtual bool may_wait() const { return false; }
};

}  // namespace img2music
