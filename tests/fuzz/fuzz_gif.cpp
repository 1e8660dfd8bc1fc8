// libFuzzer target: GIF through giflib, both ways img2music reads one: as a still image
// (Image::decode) and as an animation (every frame composited, as the video reader asks).
// Seeds: tests/fuzz/corpus/gif (small PIL-made GIFs: still, animated with transparency and disposal).
#include "decode/video_decoder.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 10 || std::memcmp(data, "GIF8", 4) != 0) return 0;  // other formats: fuzz_image
    img2music::DecodeOptions options;
    options.max_pixels = 4096LL * 4096LL;  // keep valid-but-huge images cheap
    try {
        (void)img2music::Image::decode(data, size, "fuzz", options);
    } catch (const img2music::InputError&) {
    }
    // The animation path has the library's own bounds; a large screen only makes each run slow.
    if (std::int64_t{data[6] | (data[7] << 8)} * (data[8] | (data[9] << 8)) > 256 * 256) return 0;
    try {
        auto stream = img2music::open_gif_video_in_memory(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
        stream->set_cover_side(size % 2 == 0 ? 8 : 0);
        double t = 0.0;
        img2music::Image frame;
        while (stream->grab(&t)) (void)stream->retrieve(&frame);
    } catch (const img2music::InputError&) {
    }
    return 0;
}
