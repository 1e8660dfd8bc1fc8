#include "img2music/error.hpp"
#include "img2music/image.hpp"

#include <catch2/catch.hpp>
#include <opencv2/imgcodecs.hpp>

#include <vector>

using namespace img2music;

namespace {

const std::string kImages = std::string(IMG2MUSIC_TEST_DATA) + "/images/";

PreprocessSpec identity_spec(int h, int w) {
    PreprocessSpec s;
    s.input_height = h;
    s.input_width = w;
    s.resize = ResizePolicy::Stretch;
    s.pixel_scale = 1.0F;  // raw byte values out
    return s;
}

// Pixel (x, y) of channel c from a CHW tensor.
float at(const std::vector<float>& t, const PreprocessSpec& s, int c, int y, int x) {
    return t[static_cast<std::size_t>((c * s.input_height + y) * s.input_width + x)];
}

std::vector<float> run(const Image& img, const PreprocessSpec& s) {
    std::vector<float> out(s.tensor_size());
    preprocess(img, s, out.data());
    return out;
}

}  // namespace

TEST_CASE("Decoding converts every kind of image to 8-bit RGB") {
    const PreprocessSpec s = identity_spec(32, 32);
    auto red = run(Image::load(kImages + "red.png"), s);
    CHECK(at(red, s, 0, 5, 5) == 255);
    CHECK(at(red, s, 1, 5, 5) == 0);
    CHECK(at(red, s, 2, 5, 5) == 0);
    auto grey16 = run(Image::load(kImages + "grey16.png"), s);
    CHECK(at(grey16, s, 0, 0, 0) == 128);  // 32768 / 257 = 127.5, rounded
    CHECK(at(grey16, s, 2, 0, 0) == 128);
    auto rgba = run(Image::load(kImages + "rgba.png"), s);
    CHECK(at(rgba, s, 0, 0, 0) == 255);  // transparent: white
    CHECK(at(rgba, s, 2, 0, 0) == 255);
    CHECK(at(rgba, s, 0, 0, 31) == 0);  // opaque blue
    CHECK(at(rgba, s, 2, 0, 31) == 255);
    auto palette = run(Image::load(kImages + "palette.png"), s);
    CHECK(at(palette, s, 0, 0, 0) == 255);
    CHECK(at(palette, s, 1, 0, 0) == 128);
    CHECK(at(palette, s, 2, 31, 0) == 255);
}

TEST_CASE("JPEG EXIF orientation is applied") {
    const Image img = Image::load(kImages + "exif_rot6.jpg");
    CHECK(img.width() == 32);
    CHECK(img.height() == 64);
    // Stored 64x32 with red left and blue right; rotated 90 degrees clockwise: red on top.
    const PreprocessSpec s = identity_spec(64, 32);
    auto t = run(img, s);
    CHECK(at(t, s, 0, 2, 16) > 200);
    CHECK(at(t, s, 2, 62, 16) > 200);
}

TEST_CASE("Decoding from memory and grey images") {
    cv::Mat grey(10, 20, CV_8UC1, cv::Scalar(77));
    std::vector<std::uint8_t> png;
    cv::imencode(".png", grey, png);
    const Image img = Image::decode(png.data(), png.size(), "mem.png");
    CHECK(img.width() == 20);
    CHECK(img.height() == 10);
    const PreprocessSpec s = identity_spec(10, 20);
    auto t = run(img, s);
    CHECK(at(t, s, 1, 3, 3) == 77);
}

TEST_CASE("Bad images are refused with the name and the reason") {
    const std::uint8_t junk[] = {'h', 'e', 'l', 'l', 'o'};
    CHECK_THROWS_WITH(Image::decode(junk, sizeof junk, "x.jpg"), "x.jpg: not a supported image, or corrupt");
    CHECK_THROWS_WITH(Image::decode(junk, 0, "e.jpg"), "e.jpg: empty file");
    cv::Mat m(40, 40, CV_8UC3, cv::Scalar(1, 2, 3));
    std::vector<std::uint8_t> jpg;
    cv::imencode(".jpg", m, jpg);
    jpg.resize(jpg.size() / 2);
    CHECK_THROWS_WITH(Image::decode(jpg.data(), jpg.size(), "cut.jpg"), "cut.jpg: truncated JPEG (no end-of-image marker)");
    CHECK_THROWS_WITH(Image::load("/nonexistent.png"), "/nonexistent.png: No such file or directory");
    CHECK_THROWS_WITH(Image::load("/tmp"), "/tmp: is a directory");
}

TEST_CASE("Preprocess: shorter-side resize, centre crop, normalisation") {
    // 40x20 image: left 20 columns value 10, right 20 value 200 (all channels).
    std::vector<std::uint8_t> rgb(40 * 20 * 3);
    for (int y = 0; y < 20; ++y) {
        for (int x = 0; x < 40; ++x) {
            for (int c = 0; c < 3; ++c) rgb[static_cast<std::size_t>((y * 40 + x) * 3 + c)] = x < 20 ? 10 : 200;
        }
    }
    const Image img = Image::from_rgb(rgb.data(), 40, 20);
    PreprocessSpec s;
    s.input_height = 10;
    s.input_width = 10;
    s.resize = ResizePolicy::ShorterSide;
    s.resize_shorter = 10;  // -> 20x10, crop x 5..14
    s.pixel_scale = 2.0F / 255.0F;
    s.mean = {1.0F, 1.0F, 1.0F};
    s.std = {0.5F, 0.5F, 0.5F};
    auto t = run(img, s);
    CHECK(at(t, s, 0, 5, 0) == Approx((10 * 2.0 / 255 - 1) / 0.5));
    CHECK(at(t, s, 2, 5, 9) == Approx((200 * 2.0 / 255 - 1) / 0.5));
    // Stretch keeps the whole width.
    s.resize = ResizePolicy::Stretch;
    auto st = run(img, s);
    CHECK(at(st, s, 0, 0, 0) == Approx((10 * 2.0 / 255 - 1) / 0.5));
}
