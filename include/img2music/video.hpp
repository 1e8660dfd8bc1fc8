// Reading video files (mp4, mkv, avi, mov, webm, m4v), sampled at a fixed interval, through
// the video decoder that recognises the file (src/decode/: FFmpeg's libraries). The decoders
// stay behind a pimpl.
//
// Sampling with interval s has marks k*s (k = 0, 1, ...). Each mark takes the keyframe nearest
// it when one lies within s/2 (in [k*s - s/2, k*s + s/2)), and otherwise the first frame at or
// after it; a frame is taken at most once. Only keyframes then need decoding when the video has
// them about as often as the marks (phones write one every 1-2 s), and the frames between them
// are skipped unread by the decoder. Every frame's time is its real timestamp from the container
// (variable frame rates are honoured), which records report: a video with a keyframe every
// 2.4 s sampled every 10 s gives the keyframes nearest 0, 10, 20, ... s (0.0, 9.6, 19.2, ...).
// A stream whose packets carry no timestamps is decoded in full and takes the first frame at or
// after each mark (FrameSampler). Frames that are not taken are never colour-converted.
#pragma once

#include "img2music/image.hpp"
#include "img2music/record.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace img2music {

// True when `path` ends in a video extension, case-insensitively: .mp4 .m4v .mkv .avi .mov .webm.
bool has_video_extension(const std::string& path);

struct VideoInfo {
    int width = 0;
    int height = 0;
    double fps = 0.0;             // nominal; 0 when the container does not say
    std::size_t frame_count = 0;  // as the container states it (may be approximate)
    double duration = 0.0;        // seconds: frame_count / fps, or 0 when unknown
};

// The sampling rule above, for any series of frame times (a video's, or a frame sequence's
// i / fps): take(time) is true for the first frame at or after each k * interval. Times must
// not decrease. Within 1e-6 s of a sampling time counts as on it (container timestamps are
// rationals printed through doubles: a frame "at 0.5 s" may read 0.49999999).
class FrameSampler {
public:
    static constexpr double kTimeTolerance = 1e-6;  // seconds: within it of a mark counts as on it

    explicit FrameSampler(double interval_seconds) : interval_(interval_seconds) {}
    bool take(double time);

    // For a decoder that picks frames itself (keyframe sampling): the time of the next mark, and
    // the frame at `time` taken for it, wherever it lies (a keyframe may come up to half an
    // interval early): the next mark is then the first after both.
    double interval() const { return interval_; }
    double next_mark() const { return static_cast<double>(next_sample_) * interval_; }
    void take_for_next_mark(double time) { next_sample_ = mark_after(time, interval_, next_sample_ + 1); }

    // The first k whose mark k * interval lies after `time` (beyond the tolerance), and never
    // before `at_least`. Constant time: a damaged file's timestamp can be 10^12 s.
    static std::size_t mark_after(double time, double interval_seconds, std::size_t at_least);

private:
    double interval_;
    std::size_t next_sample_ = 0;  // k: the next sampling time is k * interval
};

struct VideoFrame {
    FramePosition position;
    Image image;
};

struct VideoReadOptions {
    // Frames come scaled down (by area) so that their shorter side is this many pixels (never
    // enlarged); 0: full size. The engine asks for what the model's preprocessing resizes to
    // (docs/video.md: the answers this changes, measured).
    int cover_side = 0;
};

class VideoReader {
public:
    // Opens `path` and checks it has a decodable video stream. Throws InputError naming the path.
    VideoReader(const std::string& path, double interval_seconds, VideoReadOptions options = {});
    ~VideoReader();
    VideoReader(const VideoReader&) = delete;
    VideoReader& operator=(const VideoReader&) = delete;

    const VideoInfo& info() const;

    // The next sampled frame, or nullopt at the end of the stream. A stream that stops decoding
    // part way ends there (what was sampled stays valid); see truncated().
    std::optional<VideoFrame> next();

    // Time of the last frame decoded plus one frame: the video's real duration once next() has
    // returned nullopt (containers sometimes misstate it).
    double decoded_duration() const;
    // True when decoding stopped before the frame count the container promised (a cut file).
    bool truncated() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace img2music
