// Embedded ICC profiles: a Display P3 profile made here with lcms2, embedded in JPEG (APP2, also
// split over two segments out of order), PNG (iCCP) and WebP (ICCP); the decoded pixels must be
// lcms2's own conversion of the raw ones to sRGB (HEIF's: test_heif.cpp). An sRGB or damaged profile leaves pixels alone.
#include "decode/color_profile.hpp"
#include "display_p3.hpp"
#include "image_impl.hpp"
#include "img2music/image.hpp"

#include <lcms2.h>
#include <zlib.h>
#include <catch2/catch.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdlib>
#include <string>
#include <vector>

using namespace img2music;

namespace {

using Bytes = std::string;

const cv::Vec3b kColour(40, 70, 210);  // BGR: a strong red, inside both gamuts so nothing clips

Bytes encode(const std::string& ext) {
    const cv::Mat block(16, 16, CV_8UC3, cv::Scalar(kColour[0], kColour[1], kColour[2]));
    std::vector<std::uint8_t> out;
    REQUIRE(cv::imencode(ext, block, out, {cv::IMWRITE_JPEG_QUALITY, 100}));
    return Bytes(out.begin(), out.end());
}

cv::Vec3b decoded_rgb(const Bytes& file) {
    const Image image = Image::decode(reinterpret_cast<const std::uint8_t*>(file.data()), file.size(), "p3");
    return image.impl().rgb.at<cv::Vec3b>(8, 8);
}

std::string be16(std::size_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; }
std::string be32(std::size_t v) { return be16(v >> 16) + be16(v & 0xFFFF); }
std::string le32(std::size_t v) {
    return {static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF), static_cast<char>((v >> 16) & 0xFF),
            static_cast<char>(v >> 24)};
}

std::string app2(const std::string& part, int seq, int count) {
    const std::string body = std::string("ICC_PROFILE", 12) + static_cast<char>(seq) + static_cast<char>(count) + part;
    return "\xFF\xE2" + be16(body.size() + 2) + body;
}

// `icc` after the JPEG's SOI, in `parts` APP2 segments written last part first.
Bytes jpeg_with(const Bytes& jpeg, const std::string& icc, int parts) {
    std::string segments;
    const std::size_t step = (icc.size() + static_cast<std::size_t>(parts) - 1) / static_cast<std::size_t>(parts);
    for (int i = parts; i >= 1; --i) segments += app2(icc.substr(static_cast<std::size_t>(i - 1) * step, step), i, parts);
    return jpeg.substr(0, 2) + segments + jpeg.substr(2);
}

Bytes png_with(const Bytes& png, const std::string& icc) {
    uLongf size = compressBound(static_cast<uLong>(icc.size()));
    std::string z(size, '\0');
    REQUIRE(compress2(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(icc.data()), static_cast<uLong>(icc.size()),
                      9) == Z_OK);
    z.resize(size);
    const std::string data = std::string("P3\0\0", 4) + z;  // name, NUL, method 0
    const std::string typed = "iCCP" + data;
    const auto crc = crc32(0, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size()));
    const std::size_t after_ihdr = 8 + 25;
    return png.substr(0, after_ihdr) + be32(data.size()) + typed + be32(crc) + png.substr(after_ihdr);
}

// A simple (VP8) WebP made extended: a VP8X chunk with the ICC flag, the ICCP chunk, then the image.
Bytes webp_with(const Bytes& webp, const std::string& icc) {
    const std::string w = le32(15).substr(0, 3), h = w;  // 16 - 1, as 24-bit
    std::string chunks = "VP8X" + le32(10) + std::string("\x20\0\0\0", 4) + w + h;
    chunks += "ICCP" + le32(icc.size()) + icc + (icc.size() % 2 != 0 ? std::string(1, '\0') : "");
    chunks += webp.substr(12);
    return "RIFF" + le32(chunks.size() + 4) + "WEBP" + chunks;
}

}  // namespace

TEST_CASE("a Display P3 photo is converted to sRGB, whatever the format carrying the profile") {
    const std::string p3 = display_p3_profile();
    const Bytes jpeg = encode(".jpg");
    const cv::Vec3b raw = decoded_rgb(jpeg);
    const cv::Vec3b want = expected_srgb(p3, raw);
    INFO("raw " << raw << " want " << want);
    REQUIRE(cv::norm(raw, want, cv::NORM_INF) > 10);  // the profile matters for this colour
    CHECK(cv::norm(decoded_rgb(jpeg_with(jpeg, p3, 1)), want, cv::NORM_INF) <= 1);
    CHECK(cv::norm(decoded_rgb(jpeg_with(jpeg, p3, 2)), want, cv::NORM_INF) <= 1);  // reassembled in sequence order

    const Bytes png = encode(".png");
    const cv::Vec3b png_raw = decoded_rgb(png);
    CHECK(cv::norm(decoded_rgb(png_with(png, p3)), expected_srgb(p3, png_raw), cv::NORM_INF) <= 1);

    const Bytes webp = encode(".webp");
    const cv::Vec3b webp_raw = decoded_rgb(webp);
    CHECK(cv::norm(decoded_rgb(webp_with(webp, p3)), expected_srgb(p3, webp_raw), cv::NORM_INF) <= 1);
    CHECK(webp_icc_profile(reinterpret_cast<const std::uint8_t*>(webp_with(webp, p3).data()), webp_with(webp, p3).size()) == p3);
}

TEST_CASE("an sRGB, damaged or partial profile leaves the pixels as decoded") {
    const Bytes jpeg = encode(".jpg");
    const cv::Vec3b raw = decoded_rgb(jpeg);
    CHECK(decoded_rgb(jpeg_with(jpeg, save_profile(cmsCreate_sRGBProfile()), 1)) == raw);
    CHECK(decoded_rgb(jpeg_with(jpeg, std::string(600, 'x'), 1)) == raw);
    const std::string p3 = display_p3_profile();
    const Bytes two = jpeg_with(jpeg, p3, 2);
    const std::size_t second = two.find("\xFF\xE2", 4);  // drop one of the two parts: the profile is unusable
    const Bytes one_missing = two.substr(0, 2) + two.substr(second);
    CHECK(jpeg_icc_profile(reinterpret_cast<const std::uint8_t*>(one_missing.data()), one_missing.size()).empty());
    CHECK(decoded_rgb(one_missing) == raw);
}

TEST_CASE("a profile from H.273 code points (HEIF nclx): Display P3 converts as its ICC profile does and sRGB or HDR curves not at all") {
    const CicpColour p3{0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.3127, 0.3290, 13};
    const std::string icc = icc_from_cicp(p3);
    REQUIRE_FALSE(icc.empty());
    const cv::Vec3b red(210, 70, 40);
    cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar(red[0], red[1], red[2]));
    to_srgb(pixel, icc);
    const cv::Vec3b want = expected_srgb(display_p3_profile(), red);
    INFO("got " << pixel.at<cv::Vec3b>(0, 0) << " want " << want);
    CHECK(cv::norm(pixel.at<cv::Vec3b>(0, 0), want, cv::NORM_INF) <= 1);
    CicpColour bt709{0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290, 13};
    CHECK(icc_from_cicp(bt709).empty());
    bt709.transfer = 1;  // BT.709's curve: within a level or two of sRGB's
    CHECK(icc_from_cicp(bt709).empty());
    bt709.transfer = 8;  // linear light is not sRGB
    CHECK_FALSE(icc_from_cicp(bt709).empty());
    CicpColour pq = p3;
    pq.transfer = 16;  // PQ (HDR): not modelled, left alone
    CHECK(icc_from_cicp(pq).empty());
}
