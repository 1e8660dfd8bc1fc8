// EXIF orientation (exif.hpp). Every read is bounds-checked against the block: the data comes
// from untrusted files (fuzzed by tests/fuzz/fuzz_exif.cpp).
#include "decode/exif.hpp"

#include <opencv2/core.hpp>

#include <cstring>

namespace img2music {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24U) | (std::uint32_t{p[1]} << 16U) | (std::uint32_t{p[2]} << 8U) | p[3];
}
std::uint32_t le32(const std::uint8_t* p) {
    return (std::uint32_t{p[3]} << 24U) | (std::uint32_t{p[2]} << 16U) | (std::uint32_t{p[1]} << 8U) | p[0];
}

}  // namespace

std::uint32_t tiff_ifd0_value(const std::uint8_t* data, std::size_t size, std::uint16_t tag) {
    if (size >= 6 && std::memcmp(data, "Exif\0\0", 6) == 0) {
        data += 6;
        size -= 6;
    }
    if (size < 8) return 0;
    bool little = false;
    if (std::memcmp(data, "II*\0", 4) == 0) {
        little = true;
    } else if (std::memcmp(data, "MM\0*", 4) != 0) {
        return 0;
    }
    auto u16 = [&](std::size_t i) -> std::uint32_t { return little ? (data[i] | (data[i + 1] << 8U)) : ((data[i] << 8U) | data[i + 1]); };
    auto u32 = [&](std::size_t i) { return little ? le32(data + i) : be32(data + i); };
    const std::size_t ifd = u32(4);
    if (ifd > size - 2) return 0;
    const std::size_t entries = u16(ifd);
    for (std::size_t e = 0; e < entries; ++e) {
        const std::size_t at = ifd + 2 + 12 * e;
        if (at + 12 > size) break;
        if (u16(at) != tag) continue;
        // One SHORT or LONG: the value sits at the start of the value field.
        if (u32(at + 4) != 1) return 0;
        const std::uint32_t type = u16(at + 2);
        return type == 3 ? u16(at + 8) : type == 4 ? u32(at + 8) : 0;
    }
    return 0;
}

int exif_orientation(const std::uint8_t* data, std::size_t size) {
    const std::uint32_t v = tiff_ifd0_value(data, size, 0x0112);
    return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
}

int jpeg_orientation(const std::uint8_t* data, std::size_t size) {
    const std::uint8_t* d = data;
    const std::size_t n = size;
    // Marker segments up to the start of scan; the Exif APP1 is normally the first.
    std::size_t i = 2;
    while (i + 4 <= n && d[i] == 0xFF) {
        const std::uint8_t marker = d[i + 1];
        if (marker == 0xFF) {
            ++i;
            continue;
        }
        if (marker == 0xDA || marker == 0xD9) break;
        const std::size_t length = (std::size_t{d[i + 2]} << 8U) | d[i + 3];
        if (length < 2 || length > n - i - 2) break;
        if (marker == 0xE1 && length >= 8 && std::memcmp(d + i + 4, "Exif\0\0", 6) == 0) return exif_orientation(d + i + 4, length - 2);
        i += 2 + length;
    }
    return 1;
}

int png_orientation(const std::uint8_t* data, std::size_t size) {
    const std::uint8_t* d = data;
    const std::size_t n = size;
    // Chunks: length, type, data, CRC. eXIf may follow the image data, so walk to IEND.
    std::size_t i = 8;
    while (i + 12 <= n) {
        const std::size_t length = be32(d + i);
        if (length > n - i - 12) break;
        if (std::memcmp(d + i + 4, "eXIf", 4) == 0) return exif_orientation(d + i + 8, length);
        if (std::memcmp(d + i + 4, "IEND", 4) == 0) break;
        i += 12 + length;
    }
    return 1;
}

int webp_orientation(const std::uint8_t* data, std::size_t size) {
    const std::uint8_t* d = data;
    const std::size_t n = size;
    // RIFF chunks after "RIFF" size "WEBP": fourcc, little-endian size, data padded to even.
    std::size_t i = 12;
    while (i + 8 <= n) {
        const std::size_t length = le32(d + i + 4);
        if (length > n - i - 8) break;
        if (std::memcmp(d + i, "EXIF", 4) == 0) return exif_orientation(d + i + 8, length);
        i += 8 + length + (length & 1U);
    }
    return 1;
}

cv::Mat apply_orientation(const cv::Mat& stored, int orientation) {
    cv::Mat out;
    switch (orientation) {
        // Where the stored first row and first column are displayed (TIFF 6.0), and the undoing turn.
        case 2: cv::flip(stored, out, 1); break;                                 // top, right
        case 3: cv::rotate(stored, out, cv::ROTATE_180); break;                  // bottom, right
        case 4: cv::flip(stored, out, 0); break;                                 // bottom, left
        case 5: cv::transpose(stored, out); break;                               // left, top
        case 6: cv::rotate(stored, out, cv::ROTATE_90_CLOCKWISE); break;         // right, top
        case 7: cv::flip(stored.t(), out, -1); break;                            // right, bottom
        case 8: cv::rotate(stored, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;  // left, bottom
        default: out = stored;
    }
    return out;
}

}  // namespace img2music
