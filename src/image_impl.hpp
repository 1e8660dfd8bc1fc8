// The OpenCV side of img2music::Image (internal: keeps OpenCV out of the public headers).
#pragma once

#include "img2music/image.hpp"

#include <opencv2/core.hpp>

#include <memory>
#include <utility>

namespace img2music {

struct Image::Impl {
    cv::Mat rgb;  // CV_8UC3, RGB order
};

struct ImageAccess {
    // Takes ownership of (shares) `rgb`, which must be CV_8UC3 in RGB order.
    static Image wrap(cv::Mat rgb) {
        auto impl = std::make_shared<Image::Impl>();
        impl->rgb = std::move(rgb);
        return Image(std::move(impl));
    }
};

}  // namespace img2music
