// ICC profiles: extraction per format, and the conversion to sRGB (lcms2).
#include "decode/color_profile.hpp"

#include <lcms2.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace img2music {
namespace {

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 8U) | p[1]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16U) | be16(p + 2); }
std::uint32_t le32(const std::uint8_t* p) {
    return p[0] | (std::uint32_t{p[1]} << 8U) | (std::uint32_t{p[2]} << 16U) | (std::uint32_t{p[3]} << 24U);
}

// zlib `data` inflated, at most `limit` bytes; "" when it does not inflate or is larger.
std::string inflate_bounded(const std::uint8_t* data, std::size_t size, std::size_t limit) {
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return {};
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
    z.next_in = const_cast<Bytef*>(data);
    z.avail_in = static_cast<uInt>(std::min<std::size_t>(size, UINT32_MAX));
    std::string out;
    std::array<char, 16384> buf{};
    for (;;) {
        z.next_out = reinterpret_cast<Bytef*>(buf.data());
        z.avail_out = static_cast<uInt>(buf.size());
        const int rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf.data(), buf.size() - z.avail_out);
        if (out.size() > limit) return {};
        if (rc == Z_STREAM_END) return out;
        if (rc != Z_OK) return {};  // damaged, or cut short (Z_BUF_ERROR with no input left)
    }
}

struct TransformFree {
    void operator()(void* t) const { cmsDeleteTransform(t); }
};
struct ProfileClose {
    void operator()(void* p) const { cmsCloseProfile(p); }
};
using Transform = std::unique_ptr<void, TransformFree>;
using Profile = std::unique_ptr<void, ProfileClose>;

// The transform from `icc` to sRGB; null when there is nothing to do (see to_srgb).
std::shared_ptr<void> build_transform(std::string_view icc) {
    static const bool quiet = [] {
        cmsSetLogErrorHandler(nullptr);  // a damaged profile is ignored, not printed
        return true;
    }();
    (void)quiet;
    const Profile source(cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size())));
    if (!source || cmsGetColorSpace(source.get()) != cmsSigRgbData) return nullptr;
    const Profile srgb(cmsCreate_sRGBProfile());
    // NOCACHE: cmsDoTransform then keeps no state, so threads share the transform.
    Transform t(cmsCreateTransform(source.get(), TYPE_RGB_8, srgb.get(), TYPE_RGB_8, INTENT_PERCEPTUAL, cmsFLAGS_NOCACHE));
    if (!t) return nullptr;
    // Already sRGB (a copy of the sRGB profile, or one close to it): skip the work per image.
    std::array<std::uint8_t, 3 * 27> probe{};
    for (std::size_t i = 0; i < 27; ++i) {
        probe[3 * i] = static_cast<std::uint8_t>(127 * (i % 3) + (i % 3 == 2 ? 1 : 0));
        probe[3 * i + 1] = static_cast<std::uint8_t>(127 * (i / 3 % 3) + (i / 3 % 3 == 2 ? 1 : 0));
        probe[3 * i + 2] = static_cast<std::uint8_t>(127 * (i / 9) + (i / 9 == 2 ? 1 : 0));
    }
    std::array<std::uint8_t, 3 * 27> out{};
    cmsDoTransform(t.get(), probe.data(), out.data(), 27);
    bool identity = true;
    for (std::size_t i = 0; i < probe.size(); ++i) identity = identity && std::abs(int{probe[i]} - int{out[i]}) <= 1;
    if (identity) return nullptr;
    return std::shared_ptr<void>(t.release(), TransformFree());
}

// One transform per distinct profile (a folder of photos from one phone shares one).
std::shared_ptr<void> transform_for(std::string_view icc) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<void>, std::less<>> cache;
    {
        const std::lock_guard<std::mutex> lock(mutex);
        if (const auto it = cache.find(icc); it != cache.end()) return it->second;
    }
    std::shared_ptr<void> t = build_transform(icc);
    const std::lock_guard<std::mutex> lock(mutex);
    if (cache.size() >= 64) cache.clear();  // bounded: a stream of distinct profiles is rare
    cache.emplace(std::string(icc), t);
    return t;
}

}  // namespace

std::string jpeg_icc_profile(const std::uint8_t* d, std::size_t n) {
    static constexpr char kTag[] = "ICC_PROFILE";  // then a NUL, the sequence number (1-based) and the count
    std::vector<std::string> chunks;
    std::size_t i = 2;
    while (i + 4 <= n && d[i] == 0xFF) {
        const std::uint8_t marker = d[i + 1];
        if (marker == 0xFF) {  // fill byte
            ++i;
            continue;
        }
        if (marker == 0xDA || marker == 0xD9) break;  // the image data: no more metadata
        const std::size_t len = be16(d + i + 2);
        if (len < 2 || i + 2 + len > n) break;
        const std::uint8_t* seg = d + i + 4;
        const std::size_t seg_len = len - 2;
        if (marker == 0xE2 && seg_len > sizeof kTag + 2 && std::memcmp(seg, kTag, sizeof kTag) == 0) {
            const std::size_t seq = seg[sizeof kTag];
            const std::size_t count = seg[sizeof kTag + 1];
            if (count == 0 || seq == 0 || seq > count) return {};
            if (chunks.empty()) chunks.resize(count);
            if (chunks.size() != count || !chunks[seq - 1].empty()) return {};
            chunks[seq - 1].assign(reinterpret_cast<const char*>(seg + sizeof kTag + 2), seg_len - sizeof kTag - 2);
        }
        i += 2 + len;
    }
    std::string icc;
    for (const std::string& c : chunks) {
        if (c.empty()) return {};  // a part missing: the profile is unusable
        icc += c;
    }
    return icc;
}

std::string png_icc_profile(const std::uint8_t* d, std::size_t n) {
    std::size_t i = 8;
    while (i + 12 <= n) {
        const std::size_t len = be32(d + i);
        if (len > n - i - 12) break;
        const std::uint8_t* type = d + i + 4;
        const std::uint8_t* body = d + i + 8;
        if (std::memcmp(type, "IDAT", 4) == 0) break;  // iCCP comes before the image data
        if (std::memcmp(type, "iCCP", 4) == 0) {
            // A name of 1-79 bytes, a NUL, the compression method (0: zlib), the profile.
            const auto* nul = static_cast<const std::uint8_t*>(std::memchr(body, 0, std::min<std::size_t>(len, 80)));
            if (nul == nullptr || static_cast<std::size_t>(nul - body) + 2 > len || nul[1] != 0) return {};
            const std::size_t at = static_cast<std::size_t>(nul - body) + 2;
            return inflate_bounded(body + at, len - at, kMaxIccBytes);
        }
        i += 12 + len;
    }
    return {};
}

std::string webp_icc_profile(const std::uint8_t* d, std::size_t n) {
    if (n < 12 || std::memcmp(d, "RIFF", 4) != 0 || std::memcmp(d + 8, "WEBP", 4) != 0) return {};
    std::size_t i = 12;
    while (i + 8 <= n) {
        const std::size_t len = le32(d + i + 4);
        if (len > n - i - 8) break;
        if (std::memcmp(d + i, "ICCP", 4) == 0) return std::string(reinterpret_cast<const char*>(d + i + 8), len);
        i += 8 + len + (len & 1U);  // chunks are padded to an even size
    }
    return {};
}

std::string icc_from_cicp(const CicpColour& c) {
    // The transfer curve as lcms2's parametric type 4: Y = (aX + b)^g for X >= d, Y = cX below.
    std::array<cmsFloat64Number, 5> curve{};
    switch (c.transfer) {
        case 2:   // unspecified
        case 13:  // IEC 61966-2-1 (sRGB)
            curve = {2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045};
            break;
        case 1:  // BT.709, and the same curve as BT.601 and BT.2020
        case 6:
        case 14:
        case 15: curve = {1.0 / 0.45, 1.0 / 1.099, 0.099 / 1.099, 1.0 / 4.5, 0.081}; break;
        case 4:  // gamma 2.2
            curve = {2.2, 1.0, 0.0, 0.0, 0.0};
            break;
        case 5:  // gamma 2.8
            curve = {2.8, 1.0, 0.0, 0.0, 0.0};
            break;
        case 8:  // linear
            curve = {1.0, 1.0, 0.0, 0.0, 0.0};
            break;
        default: return {};
    }
    const auto near = [](double a, double b) { return std::abs(a - b) < 0.002; };
    const bool srgb_primaries = near(c.red_x, 0.64) && near(c.red_y, 0.33) && near(c.green_x, 0.30) && near(c.green_y, 0.60) &&
                                near(c.blue_x, 0.15) && near(c.blue_y, 0.06) && near(c.white_x, 0.3127) && near(c.white_y, 0.3290);
    // BT.709's curve differs from sRGB's by a level or two: not worth a transform per pixel.
    if (srgb_primaries && c.transfer != 4 && c.transfer != 5 && c.transfer != 8) return {};
    if (c.white_y <= 0 || c.red_y <= 0 || c.green_y <= 0 || c.blue_y <= 0) return {};
    const cmsCIExyY white = {c.white_x, c.white_y, 1.0};
    const cmsCIExyYTRIPLE primaries = {{c.red_x, c.red_y, 1.0}, {c.green_x, c.green_y, 1.0}, {c.blue_x, c.blue_y, 1.0}};
    std::unique_ptr<cmsToneCurve, void (*)(cmsToneCurve*)> tone(cmsBuildParametricToneCurve(nullptr, 4, curve.data()), cmsFreeToneCurve);
    if (!tone) return {};
    cmsToneCurve* curves[3] = {tone.get(), tone.get(), tone.get()};
    const Profile profile(cmsCreateRGBProfile(&white, &primaries, curves));
    cmsUInt32Number size = 0;
    if (!profile || !cmsSaveProfileToMem(profile.get(), nullptr, &size) || size == 0) return {};
    std::string icc(size, '\0');
    if (!cmsSaveProfileToMem(profile.get(), icc.data(), &size)) return {};
    return icc;
}

void to_srgb(cv::Mat& rgb, std::string_view icc) {
    if (icc.empty() || rgb.empty() || rgb.type() != CV_8UC3) return;
    const std::shared_ptr<void> t = transform_for(icc);
    if (!t) return;
    if (!rgb.isContinuous()) rgb = rgb.clone();
    cmsDoTransform(t.get(), rgb.data, rgb.data, static_cast<cmsUInt32Number>(rgb.total()));
}

}  // namespace img2music
