// libFuzzer target: image decoding and preprocessing, as the pipeline runs them.
#include "img2music/error.hpp"
#include "img2music/image.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool configured = [] {
        img2music::set_image_threads(1);
        return true;
    }();
    (void)configured;
    img2music::PreprocessSpec spec;
    spec.input_height = 24;
    spec.input_width = 32;
    spec.resize = (size % 2 == 0) ? img2music::ResizePolicy::ShorterSide : img2music::ResizePolicy::Stretch;
    spec.resize_shorter = 40;
    std::vector<float> out(spec.tensor_size());
    img2music::DecodeOptions options = (size % 3 == 0) ? img2music::decode_options_for(spec) : img2music::DecodeOptions{};
    options.max_pixels = 4096LL * 4096LL;  // keep valid-but-huge images cheap
    try {
        const img2music::Image image = img2music::Image::decode(data, size, "fuzz", options);
        img2music::preprocess(image, spec, out.data());
    } catch (const img2music::InputError&) {
    }
    return 0;
}
