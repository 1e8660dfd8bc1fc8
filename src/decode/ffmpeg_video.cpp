// Video through OpenCV's FFmpeg backend: ISO base media (mp4, m4v, mov), Matroska (mkv, webm)
// and AVI, and whatever else FFmpeg reads (it is also the decoder for files none recognises).
#include "decode/image_codec.hpp"
#include "decode/video_decoder.hpp"
#include "image_impl.hpp"
#include "img2music/error.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cmath>

namespace img2music {
namespace {

Image to_rgb(const cv::Mat& bgr) {
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, bgr.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
    return ImageAccess::wrap(std::move(rgb));
}

class FfmpegStream : public VideoStream {
public:
    explicit FfmpegStream(const std::string& path) {
        // Only FFmpeg: the other backends (GStreamer, V4L) can block or print to the terminal.
        if (!capture_.open(path, cv::CAP_FFMPEG) || !capture_.isOpened())
            throw InputError(path, "cannot open as a video (not a video, or a container or codec FFmpeg cannot read)");
        info_.width = static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_WIDTH));
        info_.height = static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_HEIGHT));
        const double fps = capture_.get(cv::CAP_PROP_FPS);
        info_.fps = std::isfinite(fps) && fps > 0.0 && fps < 1000.0 ? fps : 0.0;
        const double count = capture_.get(cv::CAP_PROP_FRAME_COUNT);
        info_.frame_count = std::isfinite(count) && count > 0.0 ? static_cast<std::size_t>(count) : 0;
        info_.duration = info_.fps > 0.0 ? static_cast<double>(info_.frame_count) / info_.fps : 0.0;
    }
    const VideoInfo& info() const override { return info_; }
    bool grab(double* seconds) override {
        if (!capture_.grab()) return false;
        *seconds = capture_.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
        return true;
    }
    bool retrieve(Image* frame) override {
        if (!capture_.retrieve(bgr_) || bgr_.empty()) return false;
        *frame = to_rgb(bgr_);
        return true;
    }
    bool frame_near(double seconds, Image* frame) override {
        capture_.set(cv::CAP_PROP_POS_MSEC, std::max(0.0, seconds) * 1000.0);
        if (!capture_.read(bgr_) || bgr_.empty()) return false;
        *frame = to_rgb(bgr_);
        return true;
    }

private:
    cv::VideoCapture capture_;
    VideoInfo info_;
    cv::Mat bgr_;  // reused between frames
};

class FfmpegDecoder : public VideoDecoder {
public:
    std::string_view name() const override { return "ffmpeg"; }
    bool sniff(std::string_view h) const override {
        return has_at(h, 4, "ftyp") ||                                   // ISO base media: mp4, m4v, mov
               has_at(h, 0, std::string_view("\x1A\x45\xDF\xA3", 4)) ||  // Matroska: mkv, webm
               (has_at(h, 0, "RIFF") && has_at(h, 8, "AVI "));           // AVI
    }
    std::unique_ptr<VideoStream> open(const std::string& path) const override { return std::make_unique<FfmpegStream>(path); }
};

}  // namespace

const VideoDecoder& ffmpeg_video_decoder() {
    static const FfmpegDecoder decoder;
    return decoder;
}

}  // namespace img2music
