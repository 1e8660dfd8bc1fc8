// The video containers img2music reads, as a family (internal): each is one VideoDecoder in
// its own file, listed once in registry.cpp. VideoReader (video.cpp) applies the sampling rule
// and the truncation check on top of whichever decoder recognises the file's first bytes.
#pragma once

#include "img2music/image.hpp"
#include "img2music/video.hpp"

#include <cstddef>
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

    // Optional, with defaults for decoders that do not have them:
    // retrieve() may return frames scaled down (aspect kept) so that the shorter side is `side`
    // pixels, never enlarged; 0 (the default) is full size.
    virtual void set_cover_side(int /*side*/) {}
    // Keyframe sampling (video.hpp: the rule of --every): true when this stream will pick the
    // samples itself; next_planned() then gives them in order instead of grab(), each followed
    // by retrieve(). Call before the first grab(). False (the default): VideoReader samples grab().
    virtual bool plan_samples(double /*interval_seconds*/) { return false; }
    struct PlannedFrame {
        std::size_t index = 0;  // frame number in the stream
        double time = 0.0;      // its real timestamp, seconds
    };
    virtual bool next_planned(PlannedFrame* /*frame*/) { return false; }
    // With plan_samples: the frames demuxed so far (decoded or not), and the latest timestamp among them.
    virtual std::size_t frames_demuxed() const { return 0; }
    virtual double last_demuxed_time() const { return -1.0; }
    // The frames sent to the decoder so far (what keyframe sampling saves; tests).
    virtual std::size_t frames_decoded() const { return 0; }
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

// Every decoder, in the order they are asked; FFmpeg's is also the one for files none sniffs.
const std::vector<const VideoDecoder*>& video_decoders();

const VideoDecoder& video_decoder_for(std::string_view head);

// FFmpeg reading `bytes` from memory (the fuzz target; uploads). Throws InputError(name, reason).
std::unique_ptr<VideoStream> open_ffmpeg_video_in_memory(std::string bytes, const std::string& name);
// An animated GIF from memory (gif.cpp; the fuzz target). Throws InputError(name, reason).
std::unique_ptr<VideoStream> open_gif_video_in_memory(std::string bytes, const std::string& name);

}  // namespace img2music
