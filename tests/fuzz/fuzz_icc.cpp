// libFuzzer target: the ICC profile parsers (color_profile.hpp): the JPEG APP2, PNG iCCP and WebP
// ICCP extractors on the input, and lcms2 reading whatever they find (or the input itself) as a
// profile to convert a few pixels with. Seeds: tests/fuzz/corpus/icc (a JPEG, a PNG and a WebP
// PIL wrote with its sRGB profile).
#include "decode/color_profile.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cv::Mat pixels(2, 3, CV_8UC3, cv::Scalar(10, 128, 250));
    for (const std::string& icc :
         {img2music::jpeg_icc_profile(data, size), img2music::png_icc_profile(data, size), img2music::webp_icc_profile(data, size)})
        img2music::to_srgb(pixels, icc);
    img2music::to_srgb(pixels, std::string(reinterpret_cast<const char*>(data), size));
    return 0;
}
