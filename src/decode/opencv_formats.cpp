// The formats OpenCV decodes with little to add (WebP, TIFF, BMP, binary PNM), and the generic
// codec for content no codec recognises (OpenCV's own detection decides, or it is refused).
// Each states its header's size for the bomb guard where that is a few bytes away, and its
// EXIF orientation and ICC profile where it carries them; alpha and 16-bit depth are kept for image.cpp.
#include "decode/color_profile.hpp"
#include "decode/exif.hpp"
#include "decode/image_codec.hpp"
#include "img2music/error.hpp"

#include <opencv2/imgcodecs.hpp>

#include <string_view>

namespace img2music {
namespace {

using Sniff = bool (*)(std::string_view head);
using Size = std::pair<std::uint32_t, std::uint32_t>;
using DeclaredSize = Size (*)(const std::uint8_t* data, std::size_t size);
using Orientation = int (*)(const std::uint8_t* data, std::size_t size);
using IccProfile = std::string (*)(const std::uint8_t* data, std::size_t size);

std::uint32_t le16(const std::uint8_t* p) { return p[0] | (std::uint32_t{p[1]} << 8U); }
std::uint32_t le24(const std::uint8_t* p) { return le16(p) | (std::uint32_t{p[2]} << 16U); }
std::uint32_t le32(const std::uint8_t* p) { return le24(p) | (std::uint32_t{p[3]} << 24U); }

class OpenCvCodec : public ImageCodec {
public:
    OpenCvCodec(std::string_view format, Sniff recognises, DeclaredSize size = nullptr, Orientation orientation = nullptr,
                IccProfile icc = nullptr)
        : name_(format), sniff_(recognises), size_(size), orientation_(orientation), icc_(icc) {}
    std::string_view name() const override { return name_; }
    bool sniff(std::string_view head) const override { return sniff_(head); }
    Size declared_size(const std::uint8_t* data, std::size_t size) const override {
        return size_ != nullptr ? size_(data, size) : Size{0, 0};
    }
    std::string icc_profile(const std::uint8_t* data, std::size_t size) const override {
        return icc_ != nullptr ? icc_(data, size) : std::string();
    }
    cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& /*options*/) const override {
        const cv::Mat stored = imdecode_or_throw(data, size, cv::IMREAD_UNCHANGED, name);  // UNCHANGED: orientation not applied
        return orientation_ != nullptr ? apply_orientation(stored, orientation_(data, size)) : stored;
    }

private:
    std::string_view name_;
    Sniff sniff_;
    DeclaredSize size_;
    Orientation orientation_;
    IccProfile icc_;
};

// The canvas of a simple (VP8, VP8L) or extended (VP8X) WebP.
Size webp_size(const std::uint8_t* d, std::size_t n) {
    if (n < 30) return {0, 0};
    const std::string_view fourcc(reinterpret_cast<const char*>(d + 12), 4);
    if (fourcc == "VP8X") return {le24(d + 24) + 1, le24(d + 27) + 1};
    if (fourcc == "VP8L" && d[20] == 0x2F) {
        const std::uint32_t bits = le32(d + 21);
        return {(bits & 0x3FFFU) + 1, ((bits >> 14U) & 0x3FFFU) + 1};
    }
    if (fourcc == "VP8 ") return {le16(d + 26) & 0x3FFFU, le16(d + 28) & 0x3FFFU};
    return {0, 0};
}

Size bmp_size(const std::uint8_t* d, std::size_t n) {
    if (n < 26 || le32(d + 14) < 40) return {0, 0};               // OS/2 1.x headers have 16-bit sizes: OpenCV checks them
    const auto height = static_cast<std::int32_t>(le32(d + 22));  // negative: rows stored top-down
    return {le32(d + 18), height < 0 ? 0U - static_cast<std::uint32_t>(height) : static_cast<std::uint32_t>(height)};
}

Size tiff_size(const std::uint8_t* d, std::size_t n) { return {tiff_ifd0_value(d, n, 256), tiff_ifd0_value(d, n, 257)}; }

}  // namespace

const ImageCodec& webp_codec() {
    static const OpenCvCodec codec(
        "webp", [](std::string_view h) { return has_at(h, 0, "RIFF") && has_at(h, 8, "WEBP"); }, webp_size, webp_orientation,
        webp_icc_profile);
    return codec;
}

const ImageCodec& tiff_codec() {
    static const OpenCvCodec codec(
        "tiff", [](std::string_view h) { return has_at(h, 0, std::string_view("II*\0", 4)) || has_at(h, 0, std::string_view("MM\0*", 4)); },
        tiff_size);  // libtiff (OpenCV's RGBA reading) applies the orientation tag itself
    return codec;
}

const ImageCodec& bmp_codec() {
    static const OpenCvCodec codec(
        "bmp", [](std::string_view h) { return has_at(h, 0, "BM"); }, bmp_size);
    return codec;
}

const ImageCodec& pnm_codec() {  // binary bitmap, grey and colour netpbm (P4, P5, P6)
    static const OpenCvCodec codec("pnm", [](std::string_view h) { return h.size() >= 2 && h[0] == 'P' && h[1] >= '4' && h[1] <= '6'; });
    return codec;
}

// Content no codec recognises goes to OpenCV's own detection, except DICOM ("DICM" at byte
// 128): OpenCV hands that to GDCM, which aborts the process on a malformed file (an assertion,
// found by fuzz_image), and a medical scan is not a photo to score anyway.
class GenericCodec : public OpenCvCodec {
public:
    GenericCodec() : OpenCvCodec("other", [](std::string_view) { return false; }) {}
    cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& options) const override {
        if (has_at(std::string_view(reinterpret_cast<const char*>(data), size), 128, "DICM"))
            throw InputError(name, "a DICOM file: not a supported image");
        return OpenCvCodec::decode(data, size, name, options);
    }
};

const ImageCodec& generic_image_codec() {
    static const GenericCodec codec;
    return codec;
}

}  // namespace img2music
