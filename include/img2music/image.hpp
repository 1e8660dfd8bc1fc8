// Image decoding and preprocessing. OpenCV stays behind a pimpl.
//
// Decoding turns any supported file (JPEG, PNG, WebP, TIFF, BMP, PNM; GIF is
// recognised and refused with a clear reason: Debian's OpenCV has no GIF
// decoder) into 8-bit RGB: JPEG EXIF orientation applied; grey, palette, 16-bit
// and alpha images converted (alpha composited over white; 16-bit scaled by
// 1/257).
#pragma once

#include "img2music/preprocess_spec.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace img2music {

// A decoded 8-bit RGB image. Cheap to copy (shares pixels).
class Image {
public:
  Image();
  ~Image();
  Image(const Image &);
  Image &operator=(const Image &);
  Image(Image &&) noexcept;
  Image &operator=(Image &&) noexcept;

  int width() const;
  int height() const;
  bool empty() const;

  // Reads and decodes a file. Throws InputError naming `path` and the reason.
  static Image load(const std::string &path);
  // Decodes an encoded image held in memory; `name` is used in error messages.
  static Image decode(const std::uint8_t *data, std::size_t size,
                      const std::string &name);
  // Wraps raw interleaved RGB8 pixels (size width*height*3, row-major), copying
  // them.
  static Image from_rgb(const std::uint8_t *rgb, int width, int height);

  // This image scaled down (area averaging) so that its longer side is at most
  // `longest_side`; the image itself when it is already that small.
  Image thumbnail(int longest_side) const;

  struct Impl;
  const Impl &impl() const { return *impl_; }

private:
  friend struct ImageAccess; // internal (image_impl.hpp): wraps decoded pixels
                             // without a copy
  explicit Image(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The longest side of the thumbnails reports show (report.hpp).
constexpr int kThumbnailSide = 240;

// Images larger than this many pixels are refused before decoding
// (decompression bombs).
constexpr std::int64_t kMaxImagePixels = 16384LL * 16384LL;

// Lowers (or raises) that limit for this process; call before the first decode.
// The fuzzers use a small one so that a valid but huge image is not mistaken
// for a memory blow-up.
void set_max_image_pixels(std::int64_t pixels);
std::int64_t max_image_pixels();

// Resizes, crops and normalises `image` as `spec` says, writing
// spec.tensor_size() floats to `out` in CHW order (channel planes R, G, B, each
// input_height*input_width, row-major).
void preprocess(const Image &image, const PreprocessSpec &spec, float *out);

// Threads OpenCV may use inside one decode or resize (process-wide). The
// pipeline decodes several images at once, so it sets 1 to avoid
// oversubscription.
void set_image_threads(int n);

// "OpenCV X.Y.Z", for --version.
std::string image_backend_version();

} // namespace img2music
