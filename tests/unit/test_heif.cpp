// HEIC and AVIF (libheif): files made here with libheif's own encoders (x265, aom), with
// rotation/mirror transforms and thumbnails.
#include "display_p3.hpp"
#include "image_impl.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/media.hpp"
#include "img2music/va_model.hpp"
#include "orientation_probe.hpp"

#include <libheif/heif.h>
#include <catch2/catch.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using namespace img2music;

namespace {

using Bytes = std::vector<std::uint8_t>;

void require_ok(const heif_error& e) { REQUIRE(e.code == heif_error_Ok); }

using HeifImagePtr = std::unique_ptr<heif_image, void (*)(const heif_image*)>;

HeifImagePtr to_heif_image(const cv::Mat& bgr) {
    heif_image* raw_image = nullptr;
    require_ok(heif_image_create(bgr.cols, bgr.rows, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &raw_image));
    HeifImagePtr image(raw_image, heif_image_release);
    require_ok(heif_image_add_plane(image.get(), heif_channel_interleaved, bgr.cols, bgr.rows, 8));
    int stride = 0;
    std::uint8_t* plane = heif_image_get_plane(image.get(), heif_channel_interleaved, &stride);
    cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, plane, static_cast<std::size_t>(stride));
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);  // writes into the plane: same size and type
    return image;
}

// `bgr` encoded as HEIC or AVIF whose transforms (irot/imir) say `orientation` (EXIF numbering),
// with a thumbnail fitting `thumbnail_box` when > 0, scaled down with area averaging as a
// camera does (libheif's own thumbnails are nearest-neighbour samples).
Bytes encode_heif(const cv::Mat& bgr, heif_compression_format format, int orientation = 1, int thumbnail_box = 0,
                  const std::string& icc = {}) {
    std::unique_ptr<heif_context, void (*)(heif_context*)> ctx(heif_context_alloc(), heif_context_free);
    heif_encoder* raw_encoder = nullptr;
    require_ok(heif_context_get_encoder_for_format(ctx.get(), format, &raw_encoder));
    std::unique_ptr<heif_encoder, void (*)(heif_encoder*)> encoder(raw_encoder, heif_encoder_release);
    heif_encoder_set_lossy_quality(encoder.get(), 90);
    if (format == heif_compression_HEVC) heif_encoder_set_parameter_string(encoder.get(), "preset", "ultrafast");
    if (format == heif_compression_AV1) heif_encoder_set_parameter_integer(encoder.get(), "speed", 9);
    const HeifImagePtr image = to_heif_image(bgr);
    if (!icc.empty()) require_ok(heif_image_set_raw_color_profile(image.get(), "prof", icc.data(), icc.size()));
    std::unique_ptr<heif_encoding_options, void (*)(heif_encoding_options*)> options(heif_encoding_options_alloc(),
                                                                                     heif_encoding_options_free);
    options->image_orientation = static_cast<heif_orientation>(orientation);
    heif_image_handle* handle = nullptr;
    require_ok(heif_context_encode_image(ctx.get(), image.get(), encoder.get(), options.get(), &handle));
    if (thumbnail_box > 0) {
        const double scale = static_cast<double>(thumbnail_box) / std::max(bgr.cols, bgr.rows);
        cv::Mat small;
        cv::resize(bgr, small, cv::Size(), scale, scale, cv::INTER_AREA);
        heif_image_handle* thumb = nullptr;
        require_ok(heif_context_encode_image(ctx.get(), to_heif_image(small).get(), encoder.get(), options.get(), &thumb));
        // libheif 1.15 (Debian 12) passes the two images on in swapped order: thumbnail first.
        require_ok(heif_context_assign_thumbnail(ctx.get(), thumb, handle));
        heif_image_handle_release(thumb);
    }
    heif_image_handle_release(handle);
    Bytes out;
    heif_writer writer{};
    writer.writer_api_version = 1;
    writer.write = [](heif_context*, const void* data, size_t size, void* user) {
        auto* bytes = static_cast<Bytes*>(user);
        bytes->insert(bytes->end(), static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + size);
        return heif_error{heif_error_Ok, heif_suberror_Unspecified, "ok"};
    };
    require_ok(heif_context_write(ctx.get(), &writer, &out));
    return out;
}

// A photo-like 1600x1200 scene: colour fields, shapes, noise.
cv::Mat scene() {
    cv::Mat m(1200, 1600, CV_8UC3);
    for (int y = 0; y < m.rows; ++y) {
        auto* row = m.ptr<cv::Vec3b>(y);
        for (int x = 0; x < m.cols; ++x)
            row[x] = cv::Vec3b(static_cast<std::uint8_t>(x * 255 / m.cols), static_cast<std::uint8_t>(y * 255 / m.rows),
                               static_cast<std::uint8_t>(128 + 100 * std::sin(x / 120.0) * std::cos(y / 80.0)));
    }
    cv::circle(m, {560, 480}, 280, cv::Scalar(20, 40, 230), cv::FILLED);
    cv::rectangle(m, {1040, 120}, {1520, 1040}, cv::Scalar(240, 240, 250), 16);
    cv::Mat noise(m.size(), CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(10));
    return m + noise;
}

}  // namespace

TEST_CASE("HEIC and AVIF decode, with their rotation and mirror transforms applied") {
    const struct {
        int orientation;
        const char* corners;
        bool swapped;
    } cases[] = {{1, "RGBW", false}, {2, "GRWB", false}, {3, "WBGR", false}, {4, "BWRG", false},
                 {5, "RBGW", true},  {6, "BRWG", true},  {7, "WGBR", true},  {8, "GWRB", true}};
    for (const auto& c : cases) {
        INFO("HEIC, orientation " << c.orientation);
        const Bytes heic = encode_heif(test::quadrants(), heif_compression_HEVC, c.orientation);
        const Image img = Image::decode(heic.data(), heic.size(), "q.heic");
        CHECK(img.width() == (c.swapped ? 32 : 64));
        CHECK(img.height() == (c.swapped ? 64 : 32));
        CHECK(test::corners(img, 4) == c.corners);
    }
    const Bytes avif = encode_heif(test::quadrants(), heif_compression_AV1, 6);
    const Image img = Image::decode(avif.data(), avif.size(), "q.avif");
    CHECK(img.width() == 32);
    CHECK(img.height() == 64);
    CHECK(test::corners(img, 4) == "BRWG");
    CHECK(sniff_format(std::string(reinterpret_cast<const char*>(avif.data()), kSniffBytes)) == "heif");
}

TEST_CASE("A HEIC named .jpg decodes by its content; a cut one fails with the reason") {
    const Bytes heic = encode_heif(test::quadrants(), heif_compression_HEVC);
    char path[] = "/tmp/img2music_heicXXXXXX.jpg";
    const int fd = ::mkstemps(path, 4);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, heic.data(), heic.size()) == static_cast<ssize_t>(heic.size()));
    ::close(fd);
    CHECK(media_kind_of_file(path) == MediaKind::Image);
    const Image img = Image::load(path);
    std::remove(path);
    CHECK(img.width() == 64);
    CHECK(test::corners(img, 4) == "RGBW");
    CHECK_THROWS_WITH(Image::decode(heic.data(), heic.size() / 2, "cut.heic"), Catch::StartsWith("cut.heic: "));
    CHECK_THROWS_WITH(Image::decode(heic.data(), 40, "head.heic"), Catch::StartsWith("head.heic: not a readable HEIF/AVIF file: "));
    DecodeOptions tight;
    tight.max_pixels = 64 * 32 - 1;
    CHECK_THROWS_WITH(Image::decode(heic.data(), heic.size(), "big.heic", tight),
                      "big.heic: image too large: 64x32 pixels (limit 2047), refused before decoding");
}

TEST_CASE("A HEIC's thumbnail stands in for it when it covers the model's input, within 0.02") {
    const VaModel model = VaModel::load(std::string(IMG2MUSIC_SOURCE_DIR) + "/models/img2music.pt");
    const PreprocessSpec& spec = model.metadata().preprocess;
    const DecodeOptions needed = decode_options_for(spec);  // the shipped model: 320x320
    const cv::Mat photo = scene();
    for (const int orientation : {1, 6}) {
        INFO("orientation " << orientation);
        // 480x360: covers 320; 240x180 (an iPhone-sized thumbnail is 320x240) does not.
        const Bytes with = encode_heif(photo, heif_compression_HEVC, orientation, 480);
        const Bytes small_thumb = encode_heif(photo, heif_compression_HEVC, orientation, 240);
        const Image full = Image::decode(with.data(), with.size(), "full.heic");
        const Image thumb = Image::decode(with.data(), with.size(), "thumb.heic", needed);
        const Image not_thumb = Image::decode(small_thumb.data(), small_thumb.size(), "small.heic", needed);
        const bool portrait = orientation == 6;
        CHECK(full.width() == (portrait ? 1200 : 1600));
        CHECK(thumb.width() == (portrait ? 360 : 480));
        CHECK(thumb.height() == (portrait ? 480 : 360));
        CHECK(not_thumb.width() == full.width());
        std::vector<float> batch(2 * spec.tensor_size());
        preprocess(full, spec, batch.data());
        preprocess(thumb, spec, batch.data() + spec.tensor_size());
        const auto va = model.predict(batch.data(), 2);
        REQUIRE(va[0]);
        REQUIRE(va[1]);
        CHECK(std::abs(va[0]->valence - va[1]->valence) <= 0.02);
        CHECK(std::abs(va[0]->arousal - va[1]->arousal) <= 0.02);
        WARN("HEIC thumbnail vs full image, orientation " << orientation << ": valence " << va[0]->valence - va[1]->valence << ", arousal "
                                                          << va[0]->arousal - va[1]->arousal);
    }
}

TEST_CASE("a HEIC with a Display P3 profile is converted to sRGB") {
    const cv::Mat block(16, 16, CV_8UC3, cv::Scalar(40, 70, 210));  // BGR: a strong red inside both gamuts
    const Bytes plain = encode_heif(block, heif_compression_HEVC);
    const Bytes p3 = encode_heif(block, heif_compression_HEVC, 1, 0, display_p3_profile());
    const Image raw = Image::decode(plain.data(), plain.size(), "plain.heic");
    const Image converted = Image::decode(p3.data(), p3.size(), "p3.heic");
    const cv::Vec3b raw_px = raw.impl().rgb.at<cv::Vec3b>(8, 8);
    const cv::Vec3b want = expected_srgb(display_p3_profile(), raw_px);
    INFO("raw " << raw_px << " want " << want);
    REQUIRE(cv::norm(raw_px, want, cv::NORM_INF) > 10);
    CHECK(cv::norm(converted.impl().rgb.at<cv::Vec3b>(8, 8), want, cv::NORM_INF) <= 1);
}
