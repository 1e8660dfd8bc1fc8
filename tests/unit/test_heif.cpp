// HEIC and AVIF (libheif): files made here with libheif's own encoders (x265, aom), with
// rotation/mirror transforms and thumbnails.
#include "decode/image_codec.hpp"
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

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
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
// with a thumbnail fitting each of `thumbnail_boxes` (longer side), scaled down with area
// averaging as a camera does (libheif's own thumbnails are nearest-neighbour samples).
Bytes encode_heif(const cv::Mat& bgr, heif_compression_format format, int orientation = 1, const std::vector<int>& thumbnail_boxes = {},
                  const std::string& icc = {}, int nclx_primaries = 0) {
    std::unique_ptr<heif_context, void (*)(heif_context*)> ctx(heif_context_alloc(), heif_context_free);
    heif_encoder* raw_encoder = nullptr;
    require_ok(heif_context_get_encoder_for_format(ctx.get(), format, &raw_encoder));
    std::unique_ptr<heif_encoder, void (*)(heif_encoder*)> encoder(raw_encoder, heif_encoder_release);
    heif_encoder_set_lossy_quality(encoder.get(), 90);
    if (format == heif_compression_HEVC) heif_encoder_set_parameter_string(encoder.get(), "preset", "ultrafast");
    if (format == heif_compression_AV1) heif_encoder_set_parameter_integer(encoder.get(), "speed", 9);
    const HeifImagePtr image = to_heif_image(bgr);
    if (!icc.empty()) require_ok(heif_image_set_raw_color_profile(image.get(), "prof", icc.data(), icc.size()));
    std::unique_ptr<heif_color_profile_nclx, void (*)(heif_color_profile_nclx*)> nclx(heif_nclx_color_profile_alloc(),
                                                                                      heif_nclx_color_profile_free);
    if (nclx_primaries > 0) {  // as an iPhone describes Display P3: nclx 12/13/6, full range
        require_ok(heif_nclx_color_profile_set_color_primaries(nclx.get(), static_cast<std::uint16_t>(nclx_primaries)));
        require_ok(heif_nclx_color_profile_set_transfer_characteristics(nclx.get(), heif_transfer_characteristic_IEC_61966_2_1));
        require_ok(heif_nclx_color_profile_set_matrix_coefficients(nclx.get(), heif_matrix_coefficients_ITU_R_BT_601_6));
        nclx->full_range_flag = 1;
        require_ok(heif_image_set_nclx_color_profile(image.get(), nclx.get()));
    }
    std::unique_ptr<heif_encoding_options, void (*)(heif_encoding_options*)> options(heif_encoding_options_alloc(),
                                                                                     heif_encoding_options_free);
    options->image_orientation = static_cast<heif_orientation>(orientation);
    if (nclx_primaries > 0) {
        options->output_nclx_profile = nclx.get();
        // libheif 1.15 leaves the nclx box out by default (for old macOS), and heif-enc 1.15 has
        // no switch to keep it: its --colour_primaries reach the HEVC stream only.
        options->macOS_compatibility_workaround_no_nclx_profile = 0;
    }
    heif_image_handle* handle = nullptr;
    require_ok(heif_context_encode_image(ctx.get(), image.get(), encoder.get(), options.get(), &handle));
    for (const int thumbnail_box : thumbnail_boxes) {
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

TEST_CASE("A HEIC named .jpg decodes by its content, a cut one fails with the reason") {
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

TEST_CASE("A HEIC's thumbnail stands in for it when it covers twice the model's input (within 0.02)") {
    const VaModel model = VaModel::load(std::string(IMG2MUSIC_SOURCE_DIR) + "/models/img2music.pt");
    const PreprocessSpec& spec = model.metadata().preprocess;
    const DecodeOptions needed = decode_options_for(spec);  // the shipped model: 320x320
    const cv::Mat photo = scene();
    for (const int orientation : {1, 6}) {
        INFO("orientation " << orientation);
        // 854x640: covers twice 320 (kThumbnailMargin); 480x360 does not.
        const Bytes with = encode_heif(photo, heif_compression_HEVC, orientation, {854});
        const Bytes small_thumb = encode_heif(photo, heif_compression_HEVC, orientation, {480});
        const Image full = Image::decode(with.data(), with.size(), "full.heic");
        const Image thumb = Image::decode(with.data(), with.size(), "thumb.heic", needed);
        const Image not_thumb = Image::decode(small_thumb.data(), small_thumb.size(), "small.heic", needed);
        const bool portrait = orientation == 6;
        CHECK(full.width() == (portrait ? 1200 : 1600));
        CHECK(thumb.width() == (portrait ? 640 : 854));
        CHECK(thumb.height() == (portrait ? 854 : 640));
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

TEST_CASE("How far a thumbnail moves the shipped model's answer by its size and which one the rule takes") {
    // The measurement behind kThumbnailMargin (image_codec.hpp). For each photo, thumbnails whose
    // shorter side is 3/4 of the model's 320 (an iPhone's 320x240), 1x, 1.5x and 2x, each made
    // as a camera does (area averaging) and encoded as its own HEIC; their answers against the
    // full image's. Photos: the samples beside the checkout at their own size (every eighth also
    // upscaled to 12 MP) and a generated 12 MP scene; a thumbnail only where it is smaller than
    // its photo. Then the rule's own choice on a HEIC carrying the 320-box and the margin's
    // thumbnails: the larger one, within 0.02. Measured (26 photos, the model of 2026-12-05 with
    // class-name words): largest difference 0.067 at 240 (the iPhone's), 0.016 at 320, 0.030 at
    // 480, 0.012 at 640; the rule's choice 0.009.
    const VaModel model = VaModel::load(std::string(IMG2MUSIC_SOURCE_DIR) + "/models/img2music.pt");
    const PreprocessSpec& spec = model.metadata().preprocess;
    const DecodeOptions needed = decode_options_for(spec);
    REQUIRE(needed.min_width == 320);
    std::vector<std::pair<std::string, cv::Mat>> photos;
    cv::Mat big;
    cv::resize(scene(), big, cv::Size(4032, 3024), 0, 0, cv::INTER_CUBIC);
    cv::Mat noise(big.size(), CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(8));
    photos.emplace_back("generated 4032x3024", big + noise);
    const std::filesystem::path shared = std::string(IMG2MUSIC_SOURCE_DIR) + "/../shared/data/photos";
    if (std::filesystem::is_directory(shared)) {
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(shared)) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (std::size_t i = 0; i < files.size(); ++i) {
            const cv::Mat photo = cv::imread(files[i].string(), cv::IMREAD_COLOR);
            if (photo.empty() || std::min(photo.cols, photo.rows) <= 320) continue;  // no thumbnail could stand in
            photos.emplace_back(files[i].filename().string(), photo);
            if (i % 8 != 0) continue;
            cv::Mat upscaled;
            cv::resize(photo, upscaled, photo.cols >= photo.rows ? cv::Size(4032, 3024) : cv::Size(3024, 4032), 0, 0, cv::INTER_CUBIC);
            cv::Mat grain(upscaled.size(), CV_8UC3);
            cv::randn(grain, cv::Scalar::all(0), cv::Scalar::all(6));
            photos.emplace_back(files[i].filename().string() + " at 12 MP", upscaled + grain);
        }
    } else {
        WARN("no " << shared << ": only the generated photo");
    }
    const auto answer_of = [&](const Image& image) {
        std::vector<float> tensor(spec.tensor_size());
        preprocess(image, spec, tensor.data());
        const auto va = model.predict(tensor.data(), 1);
        REQUIRE(va[0]);
        return std::pair<double, double>(va[0]->valence, va[0]->arousal);
    };
    const auto distance = [](std::pair<double, double> a, std::pair<double, double> b) {
        return std::max(std::abs(a.first - b.first), std::abs(a.second - b.second));
    };
    const int sides[] = {240, 320, 480, 640};  // thumbnail's shorter side
    double worst[4] = {0, 0, 0, 0};
    int measured[4] = {0, 0, 0, 0};
    double worst_rule = 0.0;
    for (const auto& [name, photo] : photos) {
        INFO(name);
        const int longer = std::max(photo.cols, photo.rows), shorter = std::min(photo.cols, photo.rows);
        const int margin_side = 320 * kThumbnailMarginNum / kThumbnailMarginDen;
        const int margin_box = (margin_side * longer + shorter - 1) / shorter;
        const bool has_margin_thumb = margin_side < shorter;
        const Bytes heic =
            encode_heif(photo, heif_compression_HEVC, 1, has_margin_thumb ? std::vector<int>{320, margin_box} : std::vector<int>{320});
        const auto full = answer_of(Image::decode(heic.data(), heic.size(), "full.heic"));
        for (std::size_t k = 0; k < 4; ++k) {
            if (sides[k] >= shorter) continue;
            cv::Mat small;
            cv::resize(photo, small, cv::Size(), static_cast<double>(sides[k]) / shorter, static_cast<double>(sides[k]) / shorter,
                       cv::INTER_AREA);
            const Bytes alone = encode_heif(small, heif_compression_HEVC);
            worst[k] = std::max(worst[k], distance(full, answer_of(Image::decode(alone.data(), alone.size(), "thumb.heic"))));
            ++measured[k];
        }
        // The rule: the 320-box thumbnail (320x240 for 4:3) is never taken; the margin's one is
        // where the photo is large enough to have it.
        const Image chosen = Image::decode(heic.data(), heic.size(), "chosen.heic", needed);
        if (has_margin_thumb) {
            CHECK(std::abs(std::min(chosen.width(), chosen.height()) - margin_side) <= 1);
            const double d = distance(full, answer_of(chosen));
            CHECK(d <= 0.02);
            worst_rule = std::max(worst_rule, d);
        } else {
            CHECK(std::min(chosen.width(), chosen.height()) == shorter);  // the full image
        }
    }
    WARN(photos.size() << " photos, a thumbnail's answer against the full image's, largest difference by its shorter side: 240: "
                       << worst[0] << " (" << measured[0] << "), 320: " << worst[1] << " (" << measured[1] << "), 480: " << worst[2] << " ("
                       << measured[2] << "), 640: " << worst[3] << " (" << measured[3] << "); the rule's choice: " << worst_rule);
}

TEST_CASE("a HEIC with a Display P3 profile is converted to sRGB") {
    const cv::Mat block(16, 16, CV_8UC3, cv::Scalar(40, 70, 210));  // BGR: a strong red inside both gamuts
    const Bytes plain = encode_heif(block, heif_compression_HEVC);
    const Bytes p3 = encode_heif(block, heif_compression_HEVC, 1, {}, display_p3_profile());
    const Image raw = Image::decode(plain.data(), plain.size(), "plain.heic");
    const Image converted = Image::decode(p3.data(), p3.size(), "p3.heic");
    const cv::Vec3b raw_px = raw.impl().rgb.at<cv::Vec3b>(8, 8);
    const cv::Vec3b want = expected_srgb(display_p3_profile(), raw_px);
    INFO("raw " << raw_px << " want " << want);
    REQUIRE(cv::norm(raw_px, want, cv::NORM_INF) > 10);
    CHECK(cv::norm(converted.impl().rgb.at<cv::Vec3b>(8, 8), want, cv::NORM_INF) <= 1);
}

TEST_CASE("a HEIC whose nclx box says Display P3 (as iPhones write it) is converted to sRGB and one saying BT.709 is not") {
    const cv::Mat block(16, 16, CV_8UC3, cv::Scalar(40, 70, 210));
    const Bytes bt709 = encode_heif(block, heif_compression_HEVC, 1, {}, {}, heif_color_primaries_ITU_R_BT_709_5);
    const Bytes p3 = encode_heif(block, heif_compression_HEVC, 1, {}, {}, heif_color_primaries_SMPTE_EG_432_1);
    const Image raw = Image::decode(bt709.data(), bt709.size(), "bt709.heic");
    const Image converted = Image::decode(p3.data(), p3.size(), "p3.heic");
    const cv::Vec3b raw_px = raw.impl().rgb.at<cv::Vec3b>(8, 8);
    const cv::Vec3b want = expected_srgb(display_p3_profile(), raw_px);
    INFO("raw " << raw_px << " want " << want);
    CHECK(cv::norm(raw_px, cv::Vec3b(210, 70, 40), cv::NORM_INF) <= 4);  // BT.709 is sRGB's gamut: left as decoded
    REQUIRE(cv::norm(raw_px, want, cv::NORM_INF) > 10);
    CHECK(cv::norm(converted.impl().rgb.at<cv::Vec3b>(8, 8), want, cv::NORM_INF) <= 1);
}

TEST_CASE("A 12 MP HEIC without a thumbnail is scaled down before its colour conversion (within 0.01 of the full decode)") {
    const VaModel model = VaModel::load(std::string(IMG2MUSIC_SOURCE_DIR) + "/models/img2music.pt");
    const PreprocessSpec& spec = model.metadata().preprocess;
    cv::Mat big;
    cv::resize(scene(), big, cv::Size(4032, 3024), 0, 0, cv::INTER_CUBIC);
    cv::Mat noise(big.size(), CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(8));
    const Bytes heic = encode_heif(big + noise, heif_compression_HEVC, 6);  // portrait: rotated by libheif first
    const Image full = Image::decode(heic.data(), heic.size(), "full.heic");
    const Image reduced = Image::decode(heic.data(), heic.size(), "reduced.heic", decode_options_for(spec));
    CHECK(full.width() == 3024);
    CHECK(reduced.width() == 756);  // 1/4: still twice the 320 the model reads
    CHECK(reduced.height() == 1008);
    // The same picture: the full decode averaged down to that size, within a few levels.
    cv::Mat expected;
    cv::resize(full.impl().rgb, expected, reduced.impl().rgb.size(), 0, 0, cv::INTER_AREA);
    cv::Mat diff;
    cv::absdiff(expected, reduced.impl().rgb, diff);
    CHECK(cv::mean(diff.reshape(1))[0] < 1.0);
    std::vector<float> batch(2 * spec.tensor_size());
    preprocess(full, spec, batch.data());
    preprocess(reduced, spec, batch.data() + spec.tensor_size());
    const auto va = model.predict(batch.data(), 2);
    REQUIRE((va[0] && va[1]));
    CHECK(std::abs(va[0]->valence - va[1]->valence) <= 0.01);
    CHECK(std::abs(va[0]->arousal - va[1]->arousal) <= 0.01);
}
