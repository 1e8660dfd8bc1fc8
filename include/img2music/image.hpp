// Image decoding and preprocessing. OpenCV stays behind a pimpl.
//
// Decoding turns any supported file (JPEG, PNG, HEIC, AVIF, WebP, GIF, TIFF,
// BMP, PNM) into 8-bit sRGB as it is meant to be seen: EXIF orientation applied
// (JPEG, PNG eXIf, WebP, TIFF); grey, palette, 16-bit and alpha images
// converted (alpha composited over white; 16-bit scaled by 1/257); an embedded
// ICC profile (JPEG, PNG, WebP, HEIF) converted to sRGB. A GIF decodes as its
// first frame (an animated GIF file is read as a video: media.hpp). The format
// is told by the content, not the file name.
//
// Big photos cost what a small one costs: given DecodeOptions (from the model's
// PreprocessSpec, decode_options_for), a JPEG is decoded with libjpeg's DCT
// scaling at the smallest M/8 size that still covers what preprocessing needs,
// a HEIC by its embedded thumbnail when that covers twice it.
#pragma once

#include "img2music/preprocess_spec.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace img2music {

// Images larger than this many pixels are refused before decoding
// (decompression bombs), unless DecodeOptions says otherwise.
constexpr std::int64_t kMaxImagePixels = 16384LL * 16384LL;

// What one decode must deliver: the displayed size (orientation applied) its
// reader needs. A codec may decode at a reduced scale when the result still
// covers that with a measured margin (JPEG DCT scaling: twice the size), or hand
// back an embedded thumbnail that covers twice it (HEIF); an image smaller than that
// is decoded whole and never enlarged. 0 x 0 (the default): full size.
struct DecodeOptions {
    int min_width = 0;
    int min_height = 0;
    // An image whose header declares more pixels is refused before decoding.
    std::int64_t max_pixels = kMaxImagePixels;
};

// The size `preprocess(image, spec, ...)` reads: for ShorterSide both sides at
// least max(resize_shorter, input_width, input_height), for Stretch input_width
// x input_height. Decoding with it leaves the model's answer within 0.01 of a
// full decode's (0.02 where a thumbnail is used).
DecodeOptions decode_options_for(const PreprocessSpec& spec);

// A decoded 8-bit RGB image. Cheap to copy (shares pixels).
class Image {
public:
    Image();
    ~Image();
    Image(const Image&);
    Image& operator=(const Image&);
    Image(Image&&) noexcept;
    Image& operator=(Image&&) noexcept;

    int width() const;
    int height() const;
    bool empty() const;

    // Reads and decodes a file. Throws InputError naming `path` and the reason.
    static Image load(const std::string& path, const DecodeOptions& options = {});
    // Decodes an encoded image held in memory; `name` is used in error messages.
    static Image decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& options = {});
    // Wraps raw interleaved RGB8 pixels (size width*height*3, row-major), copying
    // them.
    static Image from_rgb(const std::uint8_t* rgb, int width, int height);

    // This image scaled down (area averaging) so that its longer side is at most
    // `longest_side`; the image itself when it is already that small.
    Image thumbnail(int longest_side) const;

    struct Impl;
    const Impl& impl() const { return *impl_; }

private:
    friend struct ImageAccess;  // internal (image_impl.hpp): wraps decoded pixels
                                // without a copy
    explicit Image(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

// The longest side of the thumbnails reports show (report.hpp).
constexpr int kThumbnailSide = 240;

// Resizes, crops and normalises `image` as `spec` says, writing
// spec.tensor_size() floats to `out` in CHW order (channel planes R, G, B, each
// input_height*input_width, row-major).
void preprocess(const Image& image, const PreprocessSpec& spec, float* out);

// Threads OpenCV may use inside one decode or resize (process-wide). The
// pipeline decodes several images at once, so it sets 1 to avoid
// oversubscription.
void set_image_threads(int n);

// "OpenCV X.Y.Z", for --version.
std::string image_backend_version();

}  // namespace img2music
