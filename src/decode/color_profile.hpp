// Embedded ICC colour profiles (internal): where each format keeps one, and converting decoded
// pixels to sRGB with lcms2 before the model sees them. The model was trained on sRGB photos; a
// wide-gamut one (Display P3, which phones write) read as if sRGB looks duller than it is.
// Image::decode asks the codec for its profile (ImageCodec::icc_profile) and applies to_srgb.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace img2music {

// The profile bytes, or "" when there is none or it is damaged (the pixels are then taken as sRGB).
// JPEG: APP2 "ICC_PROFILE\0" segments, reassembled in their sequence order.
std::string jpeg_icc_profile(const std::uint8_t* data, std::size_t size);
// PNG: the iCCP chunk, inflated (at most kMaxIccBytes).
std::string png_icc_profile(const std::uint8_t* data, std::size_t size);
// WebP: the ICCP chunk of an extended (VP8X) file.
std::string webp_icc_profile(const std::uint8_t* data, std::size_t size);

constexpr std::size_t kMaxIccBytes = 4 << 20;

// A colour space described by code points instead of a profile (ITU-T H.273, as HEIF's "nclx"
// colour box and video streams give it): the primaries' and white point's CIE xy, and the
// transfer characteristics' code.
struct CicpColour {
    double red_x, red_y, green_x, green_y, blue_x, blue_y, white_x, white_y;
    int transfer;
};

// An ICC profile (lcms2) for `colour`, to hand to to_srgb; "" when it is sRGB already (BT.709
// primaries, D65, the sRGB or BT.709 curve as close enough) or its transfer is one not modelled
// here (PQ, HLG: HDR, left as libheif maps it). Unspecified transfer (2) is taken as sRGB's.
std::string icc_from_cicp(const CicpColour& colour);

// Converts `rgb` (CV_8UC3, RGB order) from the colour space `icc` describes to sRGB, in place.
// Nothing happens when `icc` is empty, unreadable, not an RGB profile, or already sRGB (to
// within one level); one transform per distinct profile is built and kept (thread-safe).
void to_srgb(cv::Mat& rgb, std::string_view icc);

}  // namespace img2music
