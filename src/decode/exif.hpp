// EXIF orientation (internal): where each format keeps its EXIF block, the orientation tag in it,
// and applying it. Decoders hand back pixels as they are meant to be seen, so every codec whose
// format carries EXIF (JPEG APP1, PNG eXIf, WebP EXIF) applies it here. TIFF's orientation tag
// is applied by libtiff inside OpenCV, HEIF's irot/imir transforms (which take precedence over
// its EXIF) by libheif.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>

namespace img2music {

// The value of `tag` in IFD0 of a TIFF-structured block ("II*\0" or "MM\0*", optionally after
// the "Exif\0\0" prefix) when it is one SHORT or LONG; 0 when absent or anything else.
std::uint32_t tiff_ifd0_value(const std::uint8_t* data, std::size_t size, std::uint16_t tag);

// The orientation tag (0x0112) of IFD0 in a TIFF-structured block ("II*\0" or "MM\0*",
// optionally after the "Exif\0\0" prefix): 1..8, or 1 (as stored) when absent or invalid.
int exif_orientation(const std::uint8_t* data, std::size_t size);

// The orientation in a JPEG's APP1 Exif segment, a PNG's eXIf chunk or a WebP's EXIF chunk.
int jpeg_orientation(const std::uint8_t* data, std::size_t size);
int png_orientation(const std::uint8_t* data, std::size_t size);
int webp_orientation(const std::uint8_t* data, std::size_t size);

// Orientations 5..8 turn the image a quarter: its stored width is its displayed height.
inline bool orientation_swaps_axes(int orientation) { return orientation >= 5 && orientation <= 8; }

// `stored` turned as `orientation` says (1: unchanged, shares the pixels).
cv::Mat apply_orientation(const cv::Mat& stored, int orientation);

}  // namespace img2music
