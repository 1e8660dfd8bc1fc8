// The image formats img2music decodes, as a family (internal): each format is one ImageCodec
// in its own file, listed once in registry.cpp. Image::decode (image.cpp) picks the codec whose
// sniff() recognises the first bytes (the generic OpenCV one when none does), refuses images
// whose declared_size() is over the pixel limit before any pixel is decoded, then decodes.
// A new format: one file with its codec, one line in registry.cpp.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace img2music {

class ImageCodec {
public:
    ImageCodec() = default;
    virtual ~ImageCodec() = default;
    ImageCodec(const ImageCodec&) = delete;
    ImageCodec& operator=(const ImageCodec&) = delete;

    virtual std::string_view name() const = 0;  // "jpeg", "png", ...
    // True when `head` (the first bytes of a file, at most kSniffBytes) is this format.
    virtual bool sniff(std::string_view head) const = 0;
    // Width and height the header states, read without decoding; {0, 0} when unknown.
    virtual std::pair<std::uint32_t, std::uint32_t> declared_size(const std::uint8_t* /*data*/, std::size_t /*size*/) const {
        return {0, 0};
    }
    // The decoded pixels in any OpenCV layout (BGR order, 1-4 channels, 8/16-bit or float);
    // image.cpp converts them to RGB8. Throws InputError(name, reason).
    virtual cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name) const = 0;
};

// True when `head` holds `magic` at `offset` (false when it is too short to).
inline bool has_at(std::string_view head, std::size_t offset, std::string_view magic) {
    return head.size() >= offset + magic.size() && head.compare(offset, magic.size(), magic) == 0;
}

// Every codec, in the order they are asked; the generic one (OpenCV's own detection) last.
const std::vector<const ImageCodec*>& image_codecs();

// The codec for a file starting with `head`: the first that sniffs it, else the generic one.
const ImageCodec& image_codec_for(std::string_view head);

// cv::imdecode with img2music's errors: the pixel limit, a decoder's failure, nothing decoded.
cv::Mat imdecode_or_throw(const std::uint8_t* data, std::size_t size, int flags, const std::string& name);

}  // namespace img2music
