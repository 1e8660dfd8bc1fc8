// libFuzzer target: the video path as a run takes it (FFmpeg demuxing and decoding from memory
// through a custom AVIOContext, keyframe sampling, conversion to RGB), on arbitrary bytes.
#include "decode/video_decoder.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    // The first byte chooses the sampling: planned on keyframes (most runs) or every frame.
    const bool planned = (data[0] & 1) != 0;
    const double interval = 0.05 + (data[0] >> 1) * 0.05;
    std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        const auto stream = img2music::open_ffmpeg_video_in_memory(std::move(bytes), "fuzz");
        const img2music::VideoInfo& info = stream->info();
        if (info.width <= 0 || info.height <= 0 || static_cast<std::int64_t>(info.width) * info.height > 4096LL * 4096LL) return 0;
        stream->set_cover_side(48);
        img2music::Image frame;
        int taken = 0;
        if (planned && stream->plan_samples(interval)) {
            img2music::VideoStream::PlannedFrame at;
            while (taken < 64 && stream->next_planned(&at)) taken += stream->retrieve(&frame) ? 1 : 0;
        } else {
            double seconds = 0.0;
            while (taken < 64 && stream->grab(&seconds)) taken += stream->retrieve(&frame) ? 1 : 0;
        }
    } catch (const img2music::InputError&) {
    }
    return 0;
}
