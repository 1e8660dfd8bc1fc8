// Test helpers for checking that a decoder shows an image the right way up (unit tests only):
// a picture whose four quadrants have four colours, and a reader of the colours it came out with.
#pragma once

#include "img2music/image.hpp"
#include "img2music/preprocess_spec.hpp"

#include <opencv2/core.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace img2music::test {

// A 64x32 image (BGR): top-left red, top-right green, bottom-left blue, bottom-right white.
inline cv::Mat quadrants() {
    cv::Mat m(32, 64, CV_8UC3);
    m(cv::Rect(0, 0, 32, 16)).setTo(cv::Scalar(0, 0, 255));
    m(cv::Rect(32, 0, 32, 16)).setTo(cv::Scalar(0, 255, 0));
    m(cv::Rect(0, 16, 32, 16)).setTo(cv::Scalar(255, 0, 0));
    m(cv::Rect(32, 16, 32, 16)).setTo(cv::Scalar(255, 255, 255));
    return m;
}

// The colour (R, G, B or W; ? for none of them) of displayed pixel (x, y) of a decoded image.
inline char colour_at(const Image& img, int x, int y) {
    PreprocessSpec s;
    s.input_width = img.width();
    s.input_height = img.height();
    s.resize = ResizePolicy::Stretch;
    s.pixel_scale = 1.0F;
    std::vector<float> t(s.tensor_size());
    preprocess(img, s, t.data());
    const std::size_t plane = static_cast<std::size_t>(s.input_width) * static_cast<std::size_t>(s.input_height);
    const std::size_t i = static_cast<std::size_t>(y) * static_cast<std::size_t>(s.input_width) + static_cast<std::size_t>(x);
    const bool r = t[i] > 128;
    const bool g = t[plane + i] > 128;
    const bool b = t[2 * plane + i] > 128;
    if (r && g && b) return 'W';
    return r ? 'R' : g ? 'G' : b ? 'B' : '?';
}

// The colours of the displayed corners, `inset` pixels in: top-left, top-right, bottom-left,
// bottom-right ("RGBW" for quadrants() the right way up).
inline std::string corners(const Image& img, int inset) {
    const int w = img.width();
    const int h = img.height();
    return {colour_at(img, inset, inset), colour_at(img, w - 1 - inset, inset), colour_at(img, inset, h - 1 - inset),
            colour_at(img, w - 1 - inset, h - 1 - inset)};
}

}  // namespace img2music::test
