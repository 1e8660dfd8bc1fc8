// JPEG through TurboJPEG: the header's frame size for the bomb guard, a cut file refused
// (libjpeg would pad it with grey and only warn), decoded with libjpeg's DCT scaling at the
// smallest M/8 size that still covers what the caller needs with kScaledDecodeMargin (a
// 12-megapixel photo for a 320-pixel model input decodes at 1/4 of each side), then turned as
// its EXIF orientation says. CMYK and YCCK JPEGs (rare: print workflows) go through OpenCV.
#include "decode/color_profile.hpp"
#include "decode/exif.hpp"
#include "decode/image_codec.hpp"
#include "img2music/error.hpp"

#include <turbojpeg.h>
#include <opencv2/imgcodecs.hpp>

#include <memory>
#include <type_traits>

namespace img2music {
namespace {

// A JPEG cut short has no end-of-image marker. Searched backwards: the marker is normally the
// last two bytes, after at most some trailer.
bool has_end_marker(const std::uint8_t* data, std::size_t size) {
    const std::size_t stop = size > (1U << 20U) ? size - (1U << 20U) : 0;
    for (std::size_t i = size; i >= stop + 2; --i) {
        if (data[i - 2] == 0xFF && data[i - 1] == 0xD9) return true;
    }
    return false;
}

struct TjDestroy {
    void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<std::remove_pointer_t<tjhandle>, TjDestroy>;

// The largest reduction whose output is still at least need_w x need_h (stored orientation);
// 1/1 when none is, or nothing is needed.
tjscalingfactor scaling_for(int width, int height, int need_w, int need_h) {
    tjscalingfactor best{1, 1};
    if (need_w <= 0 && need_h <= 0) return best;
    int count = 0;
    const tjscalingfactor* factors = tjGetScalingFactors(&count);
    for (int i = 0; factors != nullptr && i < count; ++i) {
        const tjscalingfactor f = factors[i];
        if (f.num > f.denom) continue;  // enlarging
        const int w = TJSCALED(width, f);
        const int h = TJSCALED(height, f);
        if (w >= need_w && h >= need_h && w < TJSCALED(width, best)) best = f;
    }
    return best;
}

class JpegCodec : public ImageCodec {
public:
    std::string_view name() const override { return "jpeg"; }
    bool sniff(std::string_view head) const override { return has_at(head, 0, std::string_view("\xFF\xD8\xFF", 3)); }
    std::pair<std::uint32_t, std::uint32_t> declared_size(const std::uint8_t* d, std::size_t n) const override {
        auto be16 = [d](std::size_t i) { return static_cast<std::uint32_t>((d[i] << 8U) | d[i + 1]); };
        // Walk the marker segments to the first start-of-frame (SOF0..SOF15, not DHT/JPG/DAC).
        std::size_t i = 2;
        while (i + 9 < n && d[i] == 0xFF) {
            const std::uint8_t marker = d[i + 1];
            if (marker == 0xFF) {
                ++i;
                continue;
            }
            const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) return {be16(i + 7), be16(i + 5)};
            if (marker == 0xDA) break;  // start of scan: no frame header seen
            i += 2 + be16(i + 2);
        }
        return {0, 0};
    }
    std::string icc_profile(const std::uint8_t* data, std::size_t size) const override { return jpeg_icc_profile(data, size); }
    cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& options) const override {
        if (!has_end_marker(data, size)) throw InputError(name, "truncated JPEG (no end-of-image marker)");
        const int orientation = jpeg_orientation(data, size);
        const TjHandle tj(tjInitDecompress());
        if (!tj) throw ResourceError("TurboJPEG", "cannot create a decompressor");
        const auto length = static_cast<unsigned long>(size);  // NOLINT(google-runtime-int): TurboJPEG's type
        int width = 0;
        int height = 0;
        int subsampling = 0;
        int colorspace = 0;
        if (tjDecompressHeader3(tj.get(), data, length, &width, &height, &subsampling, &colorspace) != 0 || width <= 0 || height <= 0)
            throw InputError(name, "not a supported image, or corrupt");
        if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
            return apply_orientation(imdecode_or_throw(data, size, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION, name), orientation);
        const bool swap = orientation_swaps_axes(orientation);
        const int need_w = kScaledDecodeMargin * (swap ? options.min_height : options.min_width);
        const int need_h = kScaledDecodeMargin * (swap ? options.min_width : options.min_height);
        const tjscalingfactor f = scaling_for(width, height, need_w, need_h);
        const bool grey = colorspace == TJCS_GRAY;
        cv::Mat out(TJSCALED(height, f), TJSCALED(width, f), grey ? CV_8UC1 : CV_8UC3);
        // Warnings (a damaged but decodable stream) are not fatal, as with libjpeg in OpenCV;
        // the scan limit stops progressive files made to take minutes.
        if (tjDecompress2(tj.get(), data, length, out.data, out.cols, static_cast<int>(out.step), out.rows, grey ? TJPF_GRAY : TJPF_BGR,
                          TJFLAG_LIMITSCANS) != 0 &&
            tjGetErrorCode(tj.get()) != TJERR_WARNING)
            throw InputError(name, std::string("cannot decode JPEG: ") + tjGetErrorStr2(tj.get()));
        return apply_orientation(out, orientation);
    }
};

}  // namespace

const ImageCodec& jpeg_codec() {
    static const JpegCodec codec;
    return codec;
}

}  // namespace img2music
