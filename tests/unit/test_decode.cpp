// Decoding as displayed (EXIF orientation) and at the smallest size that covers the model's
// input (scaled JPEG decoding), on images the test makes.
#include "decode/exif.hpp"
#include "decode/image_codec.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/va_model.hpp"
#include "orientation_probe.hpp"

#include <catch2/catch.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace img2music;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put_be16(Bytes& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8U));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put_be32(Bytes& b, std::uint32_t v) {
    put_be16(b, v >> 16U);
    put_be16(b, v & 0xFFFFU);
}
void put_le32(Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8U * static_cast<unsigned>(i))));
}

// A big-endian TIFF block whose IFD0 holds only the orientation tag.
Bytes exif_block(int orientation) {
    Bytes t = {'M', 'M', 0, 42};
    put_be32(t, 8);       // IFD0 offset
    put_be16(t, 1);       // one entry
    put_be16(t, 0x0112);  // orientation
    put_be16(t, 3);       // SHORT
    put_be32(t, 1);
    put_be16(t, static_cast<std::uint32_t>(orientation));
    put_be16(t, 0);
    put_be32(t, 0);  // no next IFD
    return t;
}

Bytes encode(const cv::Mat& bgr, const std::string& ext, std::vector<int> params = {}) {
    Bytes out;
    REQUIRE(cv::imencode(ext, bgr, out, params));
    return out;
}

Bytes jpeg_with_orientation(const cv::Mat& bgr, int orientation, int quality = 95) {
    Bytes jpg = encode(bgr, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
    Bytes app1 = {0xFF, 0xE1};
    const Bytes tiff = exif_block(orientation);
    put_be16(app1, static_cast<std::uint32_t>(2 + 6 + tiff.size()));
    for (char c : std::string("Exif\0\0", 6)) app1.push_back(static_cast<std::uint8_t>(c));
    app1.insert(app1.end(), tiff.begin(), tiff.end());
    jpg.insert(jpg.begin() + 2, app1.begin(), app1.end());
    return jpg;
}

std::uint32_t crc32(const Bytes& b) {  // PNG's chunk CRC (ISO 3309)
    std::uint32_t c = 0xFFFFFFFFU;
    for (std::uint8_t byte : b) {
        c ^= byte;
        for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
    }
    return c ^ 0xFFFFFFFFU;
}

Bytes png_with_orientation(const cv::Mat& bgr, int orientation) {
    Bytes png = encode(bgr, ".png");
    const Bytes tiff = exif_block(orientation);
    Bytes chunk;
    put_be32(chunk, static_cast<std::uint32_t>(tiff.size()));
    Bytes body = {'e', 'X', 'I', 'f'};
    body.insert(body.end(), tiff.begin(), tiff.end());
    chunk.insert(chunk.end(), body.begin(), body.end());
    put_be32(chunk, crc32(body));
    png.insert(png.begin() + 33, chunk.begin(), chunk.end());  // after the signature and IHDR
    return png;
}

// A lossless WebP rewrapped as an extended one (VP8X) with an EXIF chunk.
Bytes webp_with_orientation(const cv::Mat& bgr, int orientation) {
    const Bytes simple = encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
    const Bytes tiff = exif_block(orientation);
    Bytes body = {'W', 'E', 'B', 'P', 'V', 'P', '8', 'X'};
    put_le32(body, 10);
    body.push_back(0x08);  // EXIF present
    body.insert(body.end(), 3, 0);
    for (int v : {bgr.cols - 1, bgr.rows - 1}) {
        for (int i = 0; i < 3; ++i) body.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    body.insert(body.end(), simple.begin() + 12, simple.end());  // the VP8L chunk
    for (char c : std::string("EXIF")) body.push_back(static_cast<std::uint8_t>(c));
    put_le32(body, static_cast<std::uint32_t>(tiff.size()));
    body.insert(body.end(), tiff.begin(), tiff.end());
    if (tiff.size() % 2 != 0) body.push_back(0);
    Bytes riff = {'R', 'I', 'F', 'F'};
    put_le32(riff, static_cast<std::uint32_t>(body.size()));
    riff.insert(riff.end(), body.begin(), body.end());
    return riff;
}

std::vector<std::optional<VA>> predict(const VaModel& model, const std::vector<Image>& images) {
    const PreprocessSpec& spec = model.metadata().preprocess;
    std::vector<float> batch(images.size() * spec.tensor_size());
    for (std::size_t i = 0; i < images.size(); ++i) preprocess(images[i], spec, batch.data() + i * spec.tensor_size());
    return model.predict(batch.data(), images.size());
}

}  // namespace

TEST_CASE("EXIF orientation is applied in JPEG, PNG and WebP, all eight of them") {
    // Displayed corners (top-left, top-right, bottom-left, bottom-right) for each orientation
    // of the stored quadrants R G / B W, and whether the sides swap (TIFF 6.0, tag 0x0112).
    const struct {
        int orientation;
        const char* corners;
        bool swapped;
    } cases[] = {{1, "RGBW", false}, {2, "GRWB", false}, {3, "WBGR", false}, {4, "BWRG", false},
                 {5, "RBGW", true},  {6, "BRWG", true},  {7, "WGBR", true},  {8, "GWRB", true}};
    const cv::Mat stored = test::quadrants();
    for (const auto& c : cases) {
        for (const auto& [format, bytes] : {std::pair<std::string, Bytes>{"jpeg", jpeg_with_orientation(stored, c.orientation)},
                                            {"png", png_with_orientation(stored, c.orientation)},
                                            {"webp", webp_with_orientation(stored, c.orientation)}}) {
            INFO(format << " orientation " << c.orientation);
            const Image img = Image::decode(bytes.data(), bytes.size(), "oriented." + format);
            CHECK(img.width() == (c.swapped ? 32 : 64));
            CHECK(img.height() == (c.swapped ? 64 : 32));
            CHECK(test::corners(img, 3) == c.corners);
        }
    }
}

TEST_CASE("EXIF blocks cut short read as no orientation (fuzz_exif's findings)") {
    // IFD0 at offset 0 declares 0x4949 entries in an 11- and a 17-byte block: no entry fits.
    const Bytes tiff = {'I', 'I', '*', 0, 0, 0, 0, 0, 0xD8, 0, 0};
    CHECK(exif_orientation(tiff.data(), tiff.size()) == 1);
    CHECK(tiff_ifd0_value(tiff.data(), tiff.size(), 256) == 0);
    const Bytes exif = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, '*', 0, 0, 0, 0, ',', 0, 0};
    CHECK(exif_orientation(exif.data(), exif.size()) == 1);
    CHECK_THROWS_AS(Image::decode(tiff.data(), tiff.size(), "short.tif"), InputError);
}

TEST_CASE("A JPEG decodes at the smallest DCT scale that covers the requested size (with the margin), as displayed") {
    constexpr int m = kScaledDecodeMargin;
    cv::Mat big(3024, 4032, CV_8UC3);
    cv::randu(big, cv::Scalar::all(0), cv::Scalar::all(255));
    const Bytes plain = encode(big, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 80});
    DecodeOptions options;
    options.min_width = 320 / m;
    options.min_height = 320 / m;
    const Image eighth = Image::decode(plain.data(), plain.size(), "big.jpg", options);
    CHECK(eighth.width() == 504);  // 1/8: 504x378 still covers 320x320
    CHECK(eighth.height() == 378);
    options.min_width = 1000 / m;  // 1/4 (1008x756) is not high enough: 3/8
    options.min_height = 800 / m;
    const Image larger = Image::decode(plain.data(), plain.size(), "big.jpg", options);
    CHECK(larger.width() == 1512);
    CHECK(larger.height() == 1134);
    const Image full = Image::decode(plain.data(), plain.size(), "big.jpg");
    CHECK(full.width() == 4032);
    CHECK(full.height() == 3024);
    // Portrait by EXIF (stored landscape): 400 wide as displayed is 400 high as stored, which
    // 1/8 (stored 504x378) does not cover and 1/4 (1008x756) does.
    const Bytes portrait = jpeg_with_orientation(big, 6, 80);
    options.min_width = 400 / m;
    options.min_height = 320 / m;
    const Image turned = Image::decode(portrait.data(), portrait.size(), "portrait.jpg", options);
    CHECK(turned.width() == 756);
    CHECK(turned.height() == 1008);
    // Smaller than asked for: decoded whole, never enlarged.
    const Bytes small = encode(big(cv::Rect(0, 0, 200, 100)), ".jpg");
    const Image whole = Image::decode(small.data(), small.size(), "small.jpg", options);
    CHECK(whole.width() == 200);
    CHECK(whole.height() == 100);
}

TEST_CASE("The pixel limit is a per-decode option, checked before decoding") {
    cv::Mat m(300, 400, CV_8UC3, cv::Scalar(10, 20, 30));
    for (const char* ext : {".jpg", ".png", ".webp", ".bmp", ".tiff"}) {
        INFO(ext);
        const Bytes bytes = encode(m, ext);
        DecodeOptions tight;
        tight.max_pixels = 400 * 300 - 1;
        CHECK_THROWS_WITH(Image::decode(bytes.data(), bytes.size(), "x", tight),
                          "x: image too large: 400x300 pixels (limit 119999), refused before decoding");
        tight.max_pixels = 400 * 300;
        CHECK(Image::decode(bytes.data(), bytes.size(), "x", tight).width() == 400);
    }
}

TEST_CASE("Scaled decoding moves the shipped model's answer by at most 0.01 on either axis") {
    const std::string root = IMG2MUSIC_SOURCE_DIR;
    const VaModel model = VaModel::load(root + "/models/img2music.pt");
    const DecodeOptions scaled = decode_options_for(model.metadata().preprocess);
    // Camera-sized JPEGs made here (smooth colour fields, edges and sensor-like noise: not
    // trivially compressible), landscape and EXIF-portrait, and the sample photos beside the
    // checkout when present, each also upscaled to 12 megapixels.
    std::vector<std::pair<std::string, Bytes>> inputs;
    cv::Mat scene(3024, 4032, CV_8UC3);
    for (int y = 0; y < scene.rows; ++y) {
        auto* row = scene.ptr<cv::Vec3b>(y);
        for (int x = 0; x < scene.cols; ++x)
            row[x] = cv::Vec3b(static_cast<std::uint8_t>(x * 255 / scene.cols), static_cast<std::uint8_t>(y * 255 / scene.rows),
                               static_cast<std::uint8_t>(128 + 100 * std::sin(x / 300.0) * std::cos(y / 200.0)));
    }
    cv::circle(scene, {1400, 1200}, 700, cv::Scalar(20, 40, 230), cv::FILLED);
    cv::rectangle(scene, {2600, 300}, {3800, 2600}, cv::Scalar(240, 240, 250), 40);
    cv::Mat noise(scene.size(), CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(12));
    scene += noise;
    inputs.emplace_back("generated 4032x3024", jpeg_with_orientation(scene, 1, 92));
    inputs.emplace_back("generated, EXIF portrait", jpeg_with_orientation(scene, 6, 92));
    const std::filesystem::path photos = root + "/../shared/data/photos";
    if (std::filesystem::is_directory(photos)) {
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(photos)) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const std::filesystem::path& file : files) {
            std::ifstream in(file, std::ios::binary);
            Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            const cv::Mat photo = cv::imdecode(bytes, cv::IMREAD_COLOR);
            if (photo.empty()) continue;
            inputs.emplace_back(file.string(), std::move(bytes));
            if (inputs.size() % 4 != 0) continue;  // a quarter of them at 12 MP: the test stays fast
            cv::Mat upscaled;
            cv::resize(photo, upscaled, photo.cols > photo.rows ? cv::Size(4032, 3024) : cv::Size(3024, 4032), 0, 0, cv::INTER_CUBIC);
            cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(6));
            cv::resize(noise, noise, upscaled.size());
            inputs.emplace_back(file.string() + " at 12 MP", encode(upscaled + noise, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 92}));
        }
    } else {
        WARN("no " << photos << ": only the generated photos");
    }
    double worst = 0.0;
    for (const auto& [name, bytes] : inputs) {
        const Image full = Image::decode(bytes.data(), bytes.size(), name);
        const Image reduced = Image::decode(bytes.data(), bytes.size(), name, scaled);
        const auto va = predict(model, {full, reduced});
        REQUIRE(va[0]);
        REQUIRE(va[1]);
        INFO(name << ": " << full.width() << "x" << full.height() << " decoded at " << reduced.width() << "x" << reduced.height());
        CHECK(std::abs(va[0]->valence - va[1]->valence) <= 0.01);
        CHECK(std::abs(va[0]->arousal - va[1]->arousal) <= 0.01);
        worst = std::max({worst, static_cast<double>(std::abs(va[0]->valence - va[1]->valence)),
                          static_cast<double>(std::abs(va[0]->arousal - va[1]->arousal))});
    }
    // The 12-megapixel ones really were decoded small (1/4 of each side for the 320 px model).
    const Image reduced = Image::decode(inputs[0].second.data(), inputs[0].second.size(), "", scaled);
    CHECK(reduced.width() == 1008);
    CHECK(reduced.height() == 756);
    WARN("scaled vs full decoding, " << inputs.size() << " photos: largest difference " << worst);
}
