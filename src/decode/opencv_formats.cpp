// The formats OpenCV decodes with nothing to add (WebP, TIFF, BMP, binary PNM), and the generic
// codec for content no codec recognises (OpenCV's own detection decides, or it is refused).
// Alpha and 16-bit depth are kept for image.cpp's conversion.
#include "decode/image_codec.hpp"

#include <opencv2/imgcodecs.hpp>

namespace img2music {
namespace {

using Sniff = bool (*)(std::string_view head);

class OpenCvCodec : public ImageCodec {
public:
    OpenCvCodec(std::string_view format, Sniff recognises) : name_(format), sniff_(recognises) {}
    std::string_view name() const override { return name_; }
    bool sniff(std::string_view head) const override { return sniff_(head); }
    cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name) const override {
        return imdecode_or_throw(data, size, cv::IMREAD_UNCHANGED, name);
    }

private:
    std::string_view name_;
    Sniff sniff_;
};

}  // namespace

const ImageCodec& webp_codec() {
    static const OpenCvCodec codec("webp", [](std::string_view h) { return has_at(h, 0, "RIFF") && has_at(h, 8, "WEBP"); });
    return codec;
}

const ImageCodec& tiff_codec() {
    static const OpenCvCodec codec("tiff", [](std::string_view h) {
        return has_at(h, 0, std::string_view("II*\0", 4)) || has_at(h, 0, std::string_view("MM\0*", 4));
    });
    return codec;
}

const ImageCodec& bmp_codec() {
    static const OpenCvCodec codec("bmp", [](std::string_view h) { return has_at(h, 0, "BM"); });
    return codec;
}

const ImageCodec& pnm_codec() {  // binary bitmap, grey and colour netpbm (P4, P5, P6)
    static const OpenCvCodec codec("pnm", [](std::string_view h) { return h.size() >= 2 && h[0] == 'P' && h[1] >= '4' && h[1] <= '6'; });
    return codec;
}

const ImageCodec& generic_image_codec() {
    static const OpenCvCodec codec("other", [](std::string_view) { return false; });
    return codec;
}

}  // namespace img2music
