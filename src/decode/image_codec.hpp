// The image formats img2music decodes, as a family (internal): each format is one ImageCodec
// in its own file, listed once in registry.cpp. Image::decode (image.cpp) picks the codec whose
// sniff() recognises the first bytes (the generic OpenCV one when none does), refuses images
// whose declared_size() is over the pixel limit before any pixel is decoded, then decodes.
// A new format: one file with its codec, one line in registry.cpp.
#pragma once

#include "img2music/image.hpp"

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace img2music {

// A codec that decodes at a reduced scale keeps at least this many times the size asked for.
// Measured (tests/unit/test_decode.cpp, shipped model, 38 photos up to 12 MP): a JPEG decoded
// at just the size the model reads (a 12 MP one at 1/8, 504x378, for 320) moved the answer by
// up to 0.024; at twice that (1/4, 1008x756) by at most 0.008.
constexpr int kScaledDecodeMargin = 2;

// An embedded thumbnail (HEIF) stands in for the image when it covers this many times the size
// asked for (the same margin as scaled decoding). Measured (tests/unit/test_heif.cpp, shipped
// model, HEICs of 26 sample and 12 MP photos), a thumbnail's answer against the full image's,
// by its shorter side for the 320 input: up to 0.067 at 240 (an iPhone's 320x240, 3/4 of the
// input), 0.016 at 320, 0.030 at 480, 0.012 at 640 (model with class-name words; 0.060, 0.013,
// 0.029, 0.012 before): only 2x keeps within the 0.02, so iPhone thumbnails are not
// used with this model.
constexpr int kThumbnailMarginNum = 2;
constexpr int kThumbnailMarginDen = 1;

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
    // True when the file at `path`, which sniff() recognised, is an animation that img2music
    // reads as a video (a GIF of more than one frame). Reads the file (boundedly); false when it
    // cannot. Asked by media_kind_of_file only, so that the decision is made once, by content.
    virtual bool is_animation(const std::string& /*path*/) const { return false; }
    // The embedded ICC colour profile (color_profile.hpp), "" when none: Image::decode converts
    // the decoded pixels from it to sRGB.
    virtual std::string icc_profile(const std::uint8_t* /*data*/, std::size_t /*size*/) const { return {}; }
    // The decoded pixels as displayed (orientation applied), in any OpenCV layout (BGR order,
    // 1-4 channels, 8/16-bit or float); image.cpp converts them to RGB8. May be smaller than
    // the image when still at least options.min_width x min_height (image.hpp). Called only
    // after declared_size passed options.max_pixels. Throws InputError(name, reason).
    virtual cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& options) const = 0;

    // What Image::decode asks of a codec, in one call: declared_size checked against
    // options.max_pixels (InputError when over), then decode and icc_profile. The default calls
    // the three in turn (image.cpp); a codec whose container is costly to read (HEIF) overrides
    // it to read the file once.
    struct Decoded {
        cv::Mat pixels;
        std::string icc;
    };
    virtual Decoded decode_with_profile(const std::uint8_t* data, std::size_t size, const std::string& name,
                                        const DecodeOptions& options) const;
};

// The one-line reason for an image whose declared size is over the pixel limit.
std::string too_large_reason(std::uint64_t width, std::uint64_t height, std::int64_t limit);

// True when `head` holds `magic` at `offset` (false when it is too short to).
inline bool has_at(std::string_view head, std::size_t offset, std::string_view magic) {
    return head.size() >= offset + magic.size() && head.compare(offset, magic.size(), magic) == 0;
}

// Every codec, in the order they are asked; the generic one (OpenCV's own detection) last.
const std::vector<const ImageCodec*>& image_codecs();

// The codec for a file starting with `head`: the first that sniffs it, else the generic one.
const ImageCodec& image_codec_for(std::string_view head);

// cv::imdecode with img2music's errors: the pixel limit, a decoder's failure, nothing decoded.
// OpenCV's own limit (OPENCV_IO_MAX_IMAGE_PIXELS, read once when OpenCV is loaded; the
// launcher sets it to kMaxImagePixels) is the backstop for formats without declared_size.
cv::Mat imdecode_or_throw(const std::uint8_t* data, std::size_t size, int flags, const std::string& name);

}  // namespace img2music
