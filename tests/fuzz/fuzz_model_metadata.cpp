// libFuzzer target: the img2music.json model-metadata parser.
#include "img2music/error.hpp"
#include "img2music/model_metadata.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const img2music::ModelMetadata m =
            img2music::parse_model_metadata(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.pt");
        if (m.preprocess.tensor_size() == 0 || !(m.preprocess.pixel_scale > 0)) __builtin_trap();  // validated, so never
    } catch (const img2music::ResourceError&) {
    }
    return 0;
}
