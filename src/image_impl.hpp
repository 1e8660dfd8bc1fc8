// The OpenCV side of img2music::Image (internal: keeps OpenCV out of the public headers).
#pragma once

#include "img2music/image.hpp"

#include <opencv2/core.hpp>

namespace img2music {

struct Image::Impl {
    cv::Mat rgb;  // CV_8UC3, RGB order
};

}  // namespace img2music
