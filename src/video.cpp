#include "img2music/video.hpp"

#include "decode/video_decoder.hpp"
#include "file_util.hpp"
#include "img2music/error.hpp"
#include "img2music/media.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace img2music {
namespace {

constexpr std::array<const char*, 6> kVideoExtensions = {".mp4", ".m4v", ".mkv", ".avi", ".mov", ".webm"};

// The checks every decoder relies on, then the decoder that recognises the file's first bytes.
std::unique_ptr<VideoStream> open_stream(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw InputError(path, std::strerror(errno));
    if (S_ISDIR(info.st_mode)) throw InputError(path, "is a directory");
    if (info.st_size == 0) throw InputError(path, "empty file");
    return video_decoder_for(read_head(path, kSniffBytes)).open(path);
}

}  // namespace

bool FrameSampler::take(double time) {
    if (time + kTimeTolerance < static_cast<double>(next_sample_) * interval_) return false;
    next_sample_ = mark_after(time, interval_, next_sample_);
    return true;
}

std::size_t FrameSampler::mark_after(double time, double interval_seconds, std::size_t at_least) {
    // Marks past 2^52 are never reached by a real video (a 1 ms interval puts the first one
    // 142,000 years in); beyond it a double no longer counts every integer.
    constexpr double kLastMark = 4503599627370496.0;
    const double marks = std::floor((time + kTimeTolerance) / interval_seconds);
    if (!(marks >= 0.0)) return at_least;  // before the first mark, or not a number
    std::size_t k = marks >= kLastMark ? static_cast<std::size_t>(kLastMark) : static_cast<std::size_t>(marks) + 1;
    // The division rounds: settle k on the comparison the sampling rule makes.
    while (k > 0 && static_cast<double>(k - 1) * interval_seconds > time + kTimeTolerance) --k;
    while (k < static_cast<std::size_t>(kLastMark) && static_cast<double>(k) * interval_seconds <= time + kTimeTolerance) ++k;
    return std::max(k, at_least);
}

bool has_video_extension(const std::string& path) {
    const std::string ext = lower_extension(path);
    return std::any_of(kVideoExtensions.begin(), kVideoExtensions.end(), [&](const char* e) { return ext == e; });
}

struct VideoReader::State {
    std::unique_ptr<VideoStream> stream;
    VideoInfo info;
    FrameSampler sampler{1.0};
    std::size_t frames_read = 0;  // frames decoded (or, when the stream plans, demuxed) so far
    double last_time = -1.0;      // timestamp of the last of them
    bool planned = false;         // the stream picks the samples (VideoStream::plan_samples)
    bool ended = false;
};

VideoReader::VideoReader(const std::string& path, double interval_seconds, VideoReadOptions options) : state_(std::make_unique<State>()) {
    if (!(interval_seconds > 0.0) || !std::isfinite(interval_seconds))
        throw InputError(path, "the sampling interval must be a positive number of seconds");
    State& s = *state_;
    s.sampler = FrameSampler(interval_seconds);
    s.stream = open_stream(path);
    s.info = s.stream->info();
    if (s.info.width <= 0 || s.info.height <= 0) throw InputError(path, "no video stream");
    if (static_cast<std::int64_t>(s.info.width) * s.info.height > kMaxImagePixels)
        throw InputError(path, "video frames too large (" + std::to_string(s.info.width) + "x" + std::to_string(s.info.height) + ")");
    s.stream->set_cover_side(options.cover_side);
    s.planned = s.stream->plan_samples(interval_seconds);
}

VideoReader::~VideoReader() = default;

const VideoInfo& VideoReader::info() const { return state_->info; }

std::optional<VideoFrame> VideoReader::next() {
    State& s = *state_;
    if (s.planned) {
        VideoStream::PlannedFrame planned;
        Image frame;
        const bool got = !s.ended && s.stream->next_planned(&planned) && s.stream->retrieve(&frame);
        s.frames_read = s.stream->frames_demuxed();
        s.last_time = s.stream->last_demuxed_time();
        if (!got) {
            s.ended = true;
            return std::nullopt;
        }
        return VideoFrame{FramePosition{planned.index, planned.time}, std::move(frame)};
    }
    while (!s.ended) {
        double time = 0.0;
        if (!s.stream->grab(&time)) {
            s.ended = true;
            break;
        }
        const std::size_t index = s.frames_read++;
        // No usable timestamp (some raw streams): fall back on the nominal rate.
        if (!std::isfinite(time) || time < 0.0 || time < s.last_time)
            time = s.info.fps > 0.0 ? static_cast<double>(index) / s.info.fps : s.last_time;
        s.last_time = time;
        if (!s.sampler.take(time)) continue;
        Image frame;
        if (!s.stream->retrieve(&frame)) {
            s.ended = true;  // a frame that demuxes but does not decode: a damaged stream ends here
            break;
        }
        return VideoFrame{FramePosition{index, time}, std::move(frame)};
    }
    return std::nullopt;
}

double VideoReader::decoded_duration() const {
    const State& s = *state_;
    if (s.frames_read == 0) return 0.0;
    const double frame = s.info.fps > 0.0 ? 1.0 / s.info.fps : 0.0;
    return s.last_time + frame;
}

bool VideoReader::truncated() const {
    const State& s = *state_;
    // Containers round their frame counts; only a clear shortfall means a cut file. A stream that
    // lost frames in the middle (damaged packets skipped) but reaches its end is not cut.
    const double frame = s.info.fps > 0.0 ? 1.0 / s.info.fps : 0.0;
    return s.ended && s.info.frame_count > 0 && s.frames_read + 2 < s.info.frame_count &&
           !(s.info.duration > 0.0 && decoded_duration() + 1.5 * frame >= s.info.duration);
}

}  // namespace img2music
