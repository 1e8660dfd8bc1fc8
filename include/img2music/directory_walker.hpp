// Lists the images and videos under a directory lazily, in a deterministic order: entries sorted by name
// (byte order) in each directory, files and subdirectories interleaved as sorted. A file is
// listed when its content is an image or video img2music reads, or, when its first bytes say
// nothing (empty, unreadable, an unknown format), when its name has an image or video extension
// (media.hpp); what it is goes out as Input::kind. Symbolic links
// are followed; a directory already on the current path (a link loop) and unreadable entries are
// reported as failed Inputs and skipped, never fatal.
#pragma once

#include "img2music/input_source.hpp"

#include <memory>
#include <string>

namespace img2music {

// True when `path` ends in an image extension img2music decodes, case-insensitively:
// .jpg .jpeg .jpe .png .webp .bmp .tif .tiff .gif .heic .heif .avif .pgm .ppm .pbm .pnm.
bool has_image_extension(const std::string& path);
// An image extension or a video one (video.hpp).
bool has_media_extension(const std::string& path);

// Natural order for frame file names: runs of digits compare as numbers ("f2" < "f10").
bool natural_less(const std::string& a, const std::string& b);

class DirectoryWalker : public InputSource {
public:
    // recursive = false lists only `root`'s own images.
    DirectoryWalker(const std::string& root, bool recursive);
    ~DirectoryWalker() override;
    std::optional<Input> next() override;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace img2music
