// PNG: the IHDR size for the bomb guard; alpha and 16-bit depth kept for image.cpp's
// conversion; the eXIf chunk's orientation applied.
#include "decode/color_profile.hpp"
#include "decode/exif.hpp"
#include "decode/image_codec.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cstring>

namespace img2music {
namespace {

class PngCodec : public ImageCodec {
public:
    std::string_view name() const override { return "png"; }
    bool sniff(std::string_view head) const override { return has_at(head, 0, std::string_view("\x89PNG\r\n\x1a\n", 8)); }
    std::pair<std::uint32_t, std::uint32_t> declared_size(const std::uint8_t* d, std::size_t n) const override {
        if (n < 24 || std::memcmp(d + 12, "IHDR", 4) != 0) return {0, 0};
        auto be32 = [d](std::size_t i) {
            return (std::uint32_t{d[i]} << 24U) | (std::uint32_t{d[i + 1]} << 16U) | (std::uint32_t{d[i + 2]} << 8U) | d[i + 3];
        };
        return {be32(16), be32(20)};
    }
    std::string icc_profile(const std::uint8_t* data, std::size_t size) const override { return png_icc_profile(data, size); }
    cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& /*options*/) const override {
        return apply_orientation(imdecode_or_throw(data, size, cv::IMREAD_UNCHANGED, name), png_orientation(data, size));
    }
};

}  // namespace

const ImageCodec& png_codec() {
    static const PngCodec codec;
    return codec;
}

}  // namespace img2music
