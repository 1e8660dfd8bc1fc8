// libFuzzer target: the EXIF orientation readers (src/decode/exif.cpp) on any bytes, as a TIFF
// block and as JPEG, PNG and WebP containers, and the turn they ask for.
#include "decode/exif.hpp"

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int orientations[] = {img2music::exif_orientation(data, size), img2music::jpeg_orientation(data, size),
                                img2music::png_orientation(data, size), img2music::webp_orientation(data, size)};
    (void)img2music::tiff_ifd0_value(data, size, 256);
    const cv::Mat stored(3, 5, CV_8UC3, cv::Scalar(1, 2, 3));
    for (const int o : orientations) {
        if (o < 1 || o > 8) __builtin_trap();
        const cv::Mat shown = img2music::apply_orientation(stored, o);
        if (shown.cols != (img2music::orientation_swaps_axes(o) ? 3 : 5)) __builtin_trap();
    }
    return 0;
}
