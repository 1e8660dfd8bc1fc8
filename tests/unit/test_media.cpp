#include "decode/image_codec.hpp"
#include "decode/video_decoder.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/media.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace img2music;
using namespace std::string_literals;

namespace {

const std::string kData = std::string(IMG2MUSIC_TEST_DATA);

}  // namespace

TEST_CASE("Media kind: content first, the name only when the content says nothing") {
    const std::string png = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s;
    CHECK(media_kind("photo.png", png) == MediaKind::Image);
    CHECK(media_kind("misnamed.mp4", png) == MediaKind::Image);
    CHECK(media_kind("no-extension", "\xFF\xD8\xFF\xE0"s) == MediaKind::Image);
    CHECK(media_kind("clip.jpg",
                     "\0\0\0\x18"
                     "ftypisom"s) == MediaKind::Video);
    CHECK(media_kind("clip", "\x1A\x45\xDF\xA3\x01"s) == MediaKind::Video);
    CHECK(media_kind("a.bin", "RIFF\x10\0\0\0AVI LIST"s) == MediaKind::Video);
    CHECK(media_kind("a.bin", "RIFF\x10\0\0\0WEBPVP8 "s) == MediaKind::Image);
    // Nothing recognisable: the extension decides, so that the decoder says what is wrong.
    CHECK(media_kind("empty.mp4", "") == MediaKind::Video);
    CHECK(media_kind("fake.JPG", "not an image") == MediaKind::Image);
    CHECK(media_kind("notes.txt", "hello") == MediaKind::Other);
    CHECK(sniff_format("GIF89a...") == "gif");
    CHECK(sniff_format("hello").empty());
}

TEST_CASE("Media kind of a file reads its first bytes, a directory or a missing file goes by name") {
    CHECK(media_kind_of_file(kData + "/images/red.png") == MediaKind::Image);
    CHECK(media_kind_of_file(kData + "/images/teal.jpg") == MediaKind::Image);
    CHECK(media_kind_of_file(kData + "/videos/moods.mp4") == MediaKind::Video);
    CHECK(media_kind_of_file(kData + "/videos/short.avi") == MediaKind::Video);
    CHECK(media_kind_of_file(kData + "/songs_small.csv") == MediaKind::Other);
    CHECK(media_kind_of_file(kData + "/images") == MediaKind::Other);
    CHECK(media_kind_of_file(kData + "/missing.mp4") == MediaKind::Video);
    const std::string renamed =
        (std::filesystem::temp_directory_path() / ("img2music-png-" + std::to_string(::getpid()) + ".mp4")).string();
    {
        std::ifstream in(kData + "/images/red.png", std::ios::binary);
        std::ofstream(renamed, std::ios::binary) << in.rdbuf();
    }
    CHECK(media_kind_of_file(renamed) == MediaKind::Image);
    std::remove(renamed.c_str());
}

TEST_CASE("Decoders: a DICOM file is refused before OpenCV hands it to GDCM, which aborts on malformed ones") {
    // fuzz_image's finding: 128 bytes, then "DICM"; GDCM's reader asserted and took the process down.
    std::string crash = "B" + std::string(106, '<') +
                        "M\xf7\xd8@=\xe0\x00\xe0\x00\x10\xffG\x11\x00\x00\x00I\xff"
                        "87aDICM"s;
    REQUIRE(crash.size() == 132);
    REQUIRE(crash.substr(128) == "DICM");
    CHECK(image_codec_for(crash).name() == "other");
    CHECK_THROWS_WITH(Image::decode(reinterpret_cast<const std::uint8_t*>(crash.data()), crash.size(), "scan.dcm"),
                      "scan.dcm: a DICOM file: not a supported image");
    std::string preamble(128, '\0');
    preamble += "DICM" + std::string(64, '\x02');
    CHECK_THROWS_AS(Image::decode(reinterpret_cast<const std::uint8_t*>(preamble.data()), preamble.size(), "x.dcm"), InputError);
}

TEST_CASE("Decoders: every codec recognises its own format, and sizes come from the header") {
    auto head_of = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return bytes;
    };
    const std::string png = head_of(kData + "/images/red.png");
    const std::string jpeg = head_of(kData + "/images/teal.jpg");
    CHECK(image_codec_for(png).name() == "png");
    CHECK(image_codec_for(jpeg).name() == "jpeg");
    CHECK(image_codec_for("GIF89a\x01\0\x01\0"s).name() == "gif");
    CHECK(image_codec_for("something else").name() == "other");
    const auto* p = reinterpret_cast<const std::uint8_t*>(png.data());
    const cv::Mat decoded = image_codec_for(png).decode(p, png.size(), "red.png", {});
    CHECK(image_codec_for(png).declared_size(p, png.size()) ==
          std::make_pair(static_cast<std::uint32_t>(decoded.cols), static_cast<std::uint32_t>(decoded.rows)));
    const auto* j = reinterpret_cast<const std::uint8_t*>(jpeg.data());
    const cv::Mat decoded_jpeg = image_codec_for(jpeg).decode(j, jpeg.size(), "teal.jpg", {});
    CHECK(image_codec_for(jpeg).declared_size(j, jpeg.size()) ==
          std::make_pair(static_cast<std::uint32_t>(decoded_jpeg.cols), static_cast<std::uint32_t>(decoded_jpeg.rows)));
    CHECK_THROWS_WITH(image_codec_for(jpeg).decode(j, jpeg.size() / 2, "cut.jpg", {}), "cut.jpg: truncated JPEG (no end-of-image marker)");
    // Every codec but the generic last one sniffs something; names are unique.
    const auto& codecs = image_codecs();
    REQUIRE(codecs.size() >= 2);
    CHECK(codecs.back()->name() == "other");
    for (std::size_t i = 0; i < codecs.size(); ++i) {
        for (std::size_t k = i + 1; k < codecs.size(); ++k) CHECK(codecs[i]->name() != codecs[k]->name());
    }
    CHECK(video_decoder_for(head_of(kData + "/videos/moods.mp4").substr(0, kSniffBytes)).sniff(head_of(kData + "/videos/moods.mp4")));
    CHECK_FALSE(video_decoders().empty());
}
