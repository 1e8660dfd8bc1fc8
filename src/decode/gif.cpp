// GIF: recognised so that it is refused with the reason, not as "corrupt": Debian 12's OpenCV
// (4.6) has no GIF decoder.
#include "decode/image_codec.hpp"
#include "img2music/error.hpp"

namespace img2music {
namespace {

class GifCodec : public ImageCodec {
public:
    std::string_view name() const override { return "gif"; }
    bool sniff(std::string_view head) const override { return has_at(head, 0, "GIF87a") || has_at(head, 0, "GIF89a"); }
    cv::Mat decode(const std::uint8_t* /*data*/, std::size_t /*size*/, const std::string& name,
                   const DecodeOptions& /*options*/) const override {
        throw InputError(name, "GIF images are not supported (OpenCV " CV_VERSION " has no GIF decoder); convert it to PNG");
    }
};

}  // namespace

const ImageCodec& gif_codec() {
    static const GifCodec codec;
    return codec;
}

}  // namespace img2music
