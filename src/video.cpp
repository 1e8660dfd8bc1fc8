#include "img2music/video.hpp"

#include "file_util.hpp"
#include "image_impl.hpp"
#include "img2music/error.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace img2music {
namespace {

constexpr std::array<const char*, 6> kVideoExtensions = {".mp4", ".m4v", ".mkv", ".avi", ".mov", ".webm"};

constexpr double kTimeTolerance = 1e-6;  // video.hpp: FrameSampler

cv::VideoCapture open_capture(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw InputError(path, std::strerror(errno));
    if (S_ISDIR(info.st_mode)) throw InputError(path, "is a directory");
    if (info.st_size == 0) throw InputError(path, "empty file");
    cv::VideoCapture capture;
    // Only FFmpeg: the other backends (GStreamer, V4L) can block or print to the terminal.
    if (!capture.open(path, cv::CAP_FFMPEG) || !capture.isOpened())
        throw InputError(path, "cannot open as a video (not a video, or a container or codec FFmpeg cannot read)");
    return capture;
}

Image to_rgb(const cv::Mat& bgr) {
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, bgr.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
    return ImageAccess::wrap(std::move(rgb));
}

}  // namespace

bool FrameSampler::take(double time) {
    if (time + kTimeTolerance < static_cast<double>(next_sample_) * interval_) return false;
    while (static_cast<double>(next_sample_) * interval_ <= time + kTimeTolerance) ++next_sample_;
    return true;
}

bool has_video_extension(const std::string& path) {
    const std::string ext = lower_extension(path);
    return std::any_of(kVideoExtensions.begin(), kVideoExtensions.end(), [&](const char* e) { return ext == e; });
}

struct VideoReader::State {
    std::string path;
    cv::VideoCapture capture;
    VideoInfo info;
    FrameSampler sampler{1.0};
    std::size_t frames_read = 0;  // frames decoded so far
    double last_time = -1.0;      // timestamp of the last decoded frame
    bool ended = false;
    cv::Mat bgr;  // reused between frames
};

VideoReader::VideoReader(const std::string& path, double interval_seconds) : state_(std::make_unique<State>()) {
    if (!(interval_seconds > 0.0) || !std::isfinite(interval_seconds))
        throw InputError(path, "the sampling interval must be a positive number of seconds");
    State& s = *state_;
    s.path = path;
    s.sampler = FrameSampler(interval_seconds);
    s.capture = open_capture(path);
    s.info.width = static_cast<int>(s.capture.get(cv::CAP_PROP_FRAME_WIDTH));
    s.info.height = static_cast<int>(s.capture.get(cv::CAP_PROP_FRAME_HEIGHT));
    if (s.info.width <= 0 || s.info.height <= 0) throw InputError(path, "no video stream");
    if (static_cast<std::int64_t>(s.info.width) * s.info.height > max_image_pixels())
        throw InputError(path, "video frames too large (" + std::to_string(s.info.width) + "x" + std::to_string(s.info.height) + ")");
    const double fps = s.capture.get(cv::CAP_PROP_FPS);
    s.info.fps = std::isfinite(fps) && fps > 0.0 && fps < 1000.0 ? fps : 0.0;
    const double count = s.capture.get(cv::CAP_PROP_FRAME_COUNT);
    s.info.frame_count = std::isfinite(count) && count > 0.0 ? static_cast<std::size_t>(count) : 0;
    s.info.duration = s.info.fps > 0.0 ? static_cast<double>(s.info.frame_count) / s.info.fps : 0.0;
}

VideoReader::~VideoReader() = default;

const VideoInfo& VideoReader::info() const { return state_->info; }

std::optional<VideoFrame> VideoReader::next() {
    State& s = *state_;
    while (!s.ended) {
        if (!s.capture.grab()) {
            s.ended = true;
            break;
        }
        const std::size_t index = s.frames_read++;
        double time = s.capture.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
        // No usable timestamp (some raw streams): fall back on the nominal rate.
        if (!std::isfinite(time) || time < 0.0 || time < s.last_time)
            time = s.info.fps > 0.0 ? static_cast<double>(index) / s.info.fps : s.last_time;
        s.last_time = time;
        if (!s.sampler.take(time)) continue;
        if (!s.capture.retrieve(s.bgr) || s.bgr.empty()) {
            s.ended = true;  // a frame that demuxes but does not decode: a damaged stream ends here
            break;
        }
        return VideoFrame{FramePosition{index, time}, to_rgb(s.bgr)};
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
    // Containers round their frame counts; only a clear shortfall means a cut file.
    return s.ended && s.info.frame_count > 0 && s.frames_read + 2 < s.info.frame_count;
}

Image VideoReader::frame_at(const std::string& path, double seconds) {
    cv::VideoCapture capture = open_capture(path);
    cv::Mat bgr;
    capture.set(cv::CAP_PROP_POS_MSEC, std::max(0.0, seconds) * 1000.0);
    if (!capture.read(bgr) || bgr.empty()) throw InputError(path, "cannot decode a frame near " + std::to_string(seconds) + " s");
    return to_rgb(bgr);
}

}  // namespace img2music
