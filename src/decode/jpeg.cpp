// JPEG: the header's frame size for the bomb guard, a cut file refused (libjpeg would pad it
// with grey and only warn), EXIF orientation applied by OpenCV.
#include "decode/image_codec.hpp"
#include "img2music/error.hpp"

#include <opencv2/imgcodecs.hpp>

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
    cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name) const override {
        if (!has_end_marker(data, size)) throw InputError(name, "truncated JPEG (no end-of-image marker)");
        // IMREAD_COLOR applies EXIF orientation and converts CMYK and grey.
        return imdecode_or_throw(data, size, cv::IMREAD_COLOR, name);
    }
};

}  // namespace

const ImageCodec& jpeg_codec() {
    static const JpegCodec codec;
    return codec;
}

}  // namespace img2music
