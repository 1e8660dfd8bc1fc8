// libFuzzer target: HEIC/AVIF through the HEIF codec (libheif's box parser, the thumbnail choice,
// the transforms), as Image::decode runs it. Seeds: tests/fuzz/corpus/heif (small heif-enc files).
#include "img2music/error.hpp"
#include "img2music/image.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool configured = [] {
        img2music::set_image_threads(1);
        return true;
    }();
    (void)configured;
    img2music::DecodeOptions options;
    if (size % 2 == 0) {  // half the runs may take a thumbnail instead
        options.min_width = 16;
        options.min_height = 16;
    }
    options.max_pixels = 4096LL * 4096LL;  // keep valid-but-huge images cheap
    try {
        (void)img2music::Image::decode(data, size, "fuzz", options);
    } catch (const img2music::InputError&) {
    }
    return 0;
}
