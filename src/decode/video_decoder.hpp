// The video containers img2music reads, as a family (internal): each is one VideoDecoder in
// its own file, listed once in registry.cpp. VideoReader (video.cpp) applies the sampling rule
// and the truncation check on top of whichever decoder recognises the file's first bytes.
#pragma once

#include "img2music/image.hpp"
#include "img2music/video.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace img2music {

// One open video stream, read in order.
class VideoStream {
public:
    VideoStream() = default;
    virtual ~VideoStream() = default;
    VideoStream(const VideoStream&) = delete;
    VideoStream& operator=(const VideoStream&) = delete;

    // As the container states it (frame_count and duration may be approximate or 0).
    virtual const VideoInfo& info() const = 0;
    // Demuxes the next frame without converting it; false at the end of the stream. `seconds`:
    // its timestamp, negative or not finite when the container gives none.
    virtual bool grab(double* seconds) = 0;
    // The frame last grabbed, as RGB; false when it does not decode.
    virtual bool retrieve(Image* frame) = 0;
    // Seeks near `seconds` and decodes that frame; false when it cannot.
    virtual bool frame_near(double seconds, Image* frame) = 0;
};

class VideoDecoder {
public:
    VideoDecoder() = default;
    virtual ~VideoDecoder() = default;
    VideoDecoder(const VideoDecoder&) = delete;
    VideoDecoder& operator=(const VideoDecoder&) = delete;

    virtual std::string_view name() const = 0;
    // True when `head` (at most kSniffBytes) starts a container this decoder reads.
    virtual bool sniff(std::string_view head) const = 0;
    // Opens `path` (known to exist, not empty). Throws InputError(path, reason).
    virtual std::unique_ptr<VideoStream> open(const std::string& path) const = 0;
};

// Every decoder, in the order they are asked; the first is also the one for files none sniffs.
const std::vector<const VideoDecoder*>& video_decoders();

const VideoDecoder& video_decoder_for(std::string_view head);

}  // namespace img2music
