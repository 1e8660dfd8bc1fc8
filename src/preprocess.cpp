#include "image_impl.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"

#include <opencv2/imgproc.hpp>

#include <array>
#include <cmath>

namespace img2music {
namespace {

int round_half_up(double x) { return static_cast<int>(std::floor(x + 0.5)); }

}  // namespace

void preprocess(const Image& image, const PreprocessSpec& spec, float* out) {
    const cv::Mat& src = image.impl().rgb;
    if (src.empty()) throw InputError("", "cannot preprocess an empty image");
    const int interp = spec.interpolation == Interpolation::Area ? cv::INTER_AREA : cv::INTER_LINEAR;
    const int out_h = spec.input_height;
    const int out_w = spec.input_width;

    cv::Mat sized;
    if (spec.resize == ResizePolicy::Stretch) {
        if (src.cols == out_w && src.rows == out_h) {
            sized = src;
        } else {
            cv::resize(src, sized, cv::Size(out_w, out_h), 0, 0, interp);
        }
    } else {
        const double scale = static_cast<double>(spec.resize_shorter) / std::min(src.cols, src.rows);
        const int w = std::max(out_w, round_half_up(src.cols * scale));
        const int h = std::max(out_h, round_half_up(src.rows * scale));
        cv::Mat resized;
        if (w == src.cols && h == src.rows) {
            resized = src;
        } else {
            cv::resize(src, resized, cv::Size(w, h), 0, 0, interp);
        }
        const int x0 = (w - out_w) / 2;
        const int y0 = (h - out_h) / 2;
        sized = resized(cv::Rect(x0, y0, out_w, out_h));
    }

    // Per-channel lookup table: the normalisation of each of the 256 byte values.
    std::array<std::array<float, 256>, 3> lut{};
    for (std::size_t c = 0; c < 3; ++c) {
        for (int v = 0; v < 256; ++v)
            lut[c][static_cast<std::size_t>(v)] = (static_cast<float>(v) * spec.pixel_scale - spec.mean[c]) / spec.std[c];
    }
    const std::size_t plane = static_cast<std::size_t>(out_h) * static_cast<std::size_t>(out_w);
    float* r = out;
    float* g = out + plane;
    float* b = out + 2 * plane;
    for (int y = 0; y < out_h; ++y) {
        const std::uint8_t* row = sized.ptr<std::uint8_t>(y);
        const std::size_t base = static_cast<std::size_t>(y) * static_cast<std::size_t>(out_w);
        for (std::size_t x = 0; x < static_cast<std::size_t>(out_w); ++x) {
            r[base + x] = lut[0][row[3 * x]];
            g[base + x] = lut[1][row[3 * x + 1]];
            b[base + x] = lut[2][row[3 * x + 2]];
        }
    }
}

}  // namespace img2music
