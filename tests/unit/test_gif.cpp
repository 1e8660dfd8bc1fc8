// GIF (giflib): files written here with giflib's own encoder. A still GIF is an image
// (palette, transparency over white); an animated one a video (its frames at their delays,
// disposal methods); the bounds on screen size and frame count.
#include "decode/video_decoder.hpp"
#include "image_impl.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/media.hpp"

#include <gif_lib.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace img2music;

namespace {

// Palette indices of the test GIFs.
constexpr int kRed = 0, kGreen = 1, kBlue = 2, kClear = 3;

struct Frame {
    int left = 0, top = 0, width = 1, height = 1;
    std::vector<int> pixels;  // palette indices, row-major
    int delay = 10;           // 1/100 s
    int disposal = DISPOSAL_UNSPECIFIED;
    int transparent = NO_TRANSPARENT_COLOR;
    bool interlace = false;
};

int write_string(GifFileType* gif, const GifByteType* data, int n) {
    static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    return n;
}

std::string make_gif(int width, int height, const std::vector<Frame>& frames) {
    std::string out;
    int error = 0;
    GifFileType* gif = EGifOpen(&out, write_string, &error);
    REQUIRE(gif != nullptr);
    const GifColorType colors[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {17, 34, 51}};
    ColorMapObject* map = GifMakeMapObject(4, colors);
    EGifSetGifVersion(gif, true);
    REQUIRE(EGifPutScreenDesc(gif, width, height, 8, 0, map) == GIF_OK);
    for (const Frame& f : frames) {
        GraphicsControlBlock gcb{};
        gcb.DisposalMode = f.disposal;
        gcb.DelayTime = f.delay;
        gcb.TransparentColor = f.transparent;
        GifByteType ext[4];
        const std::size_t n = EGifGCBToExtension(&gcb, ext);
        REQUIRE(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(n), ext) == GIF_OK);
        REQUIRE(EGifPutImageDesc(gif, f.left, f.top, f.width, f.height, f.interlace, nullptr) == GIF_OK);
        std::vector<GifPixelType> line(static_cast<std::size_t>(f.width));
        std::vector<int> rows;  // in the order stored: interlaced, every 8th from 0, 8th from 4, 4th from 2, 2nd from 1
        for (const auto& [start, step] :
             f.interlace ? std::vector<std::pair<int, int>>{{0, 8}, {4, 8}, {2, 4}, {1, 2}} : std::vector<std::pair<int, int>>{{0, 1}})
            for (int y = start; y < f.height; y += step) rows.push_back(y);
        for (int y : rows) {
            for (int x = 0; x < f.width; ++x)
                line[static_cast<std::size_t>(x)] =
                    static_cast<GifPixelType>(f.pixels.empty() ? kRed : f.pixels[static_cast<std::size_t>(y * f.width + x)]);
            REQUIRE(EGifPutLine(gif, line.data(), f.width) == GIF_OK);
        }
    }
    GifFreeMapObject(map);
    REQUIRE(EGifCloseFile(gif, &error) == GIF_OK);
    return out;
}

cv::Vec3b rgb_at(const Image& image, int x, int y) { return image.impl().rgb.at<cv::Vec3b>(y, x); }

const cv::Vec3b kRedRgb(255, 0, 0), kGreenRgb(0, 255, 0), kBlueRgb(0, 0, 255), kWhite(255, 255, 255), kOther(17, 34, 51);

Image decode(const std::string& gif, const std::string& name, const DecodeOptions& options = {}) {
    return Image::decode(reinterpret_cast<const std::uint8_t*>(gif.data()), gif.size(), name, options);
}

// The composited frames of an animation, with their times.
struct Frames {
    std::vector<double> times;
    std::vector<Image> images;
};

Frames read_all(const std::string& gif) {
    std::unique_ptr<VideoStream> stream = open_gif_video_in_memory(gif, "anim.gif");
    Frames out;
    double t = 0.0;
    while (stream->grab(&t)) {
        Image frame;
        REQUIRE(stream->retrieve(&frame));
        out.times.push_back(t);
        out.images.push_back(frame);
    }
    return out;
}

struct TempFile {
    explicit TempFile(const std::string& bytes) {
        const int fd = ::mkstemps(path, 4);
        REQUIRE(fd >= 0);
        ::close(fd);
        std::ofstream(path, std::ios::binary) << bytes;
    }
    ~TempFile() { std::remove(path); }
    char path[32] = "/tmp/img2music_gifXXXXXX.png";
};

}  // namespace

TEST_CASE("a still GIF decodes its palette, transparency over white, whatever its name") {
    Frame f;
    f.width = 4;
    f.height = 2;
    f.pixels = {kRed, kGreen, kBlue, kClear, kClear, kBlue, kGreen, kRed};
    f.transparent = kClear;
    const std::string gif = make_gif(4, 2, {f});
    const Image image = decode(gif, "named.png");  // a GIF named .png: by content
    REQUIRE(image.width() == 4);
    REQUIRE(image.height() == 2);
    CHECK(rgb_at(image, 0, 0) == kRedRgb);
    CHECK(rgb_at(image, 1, 0) == kGreenRgb);
    CHECK(rgb_at(image, 2, 0) == kBlueRgb);
    CHECK(rgb_at(image, 3, 0) == kWhite);
    CHECK(rgb_at(image, 0, 1) == kWhite);
    CHECK(rgb_at(image, 3, 1) == kRedRgb);
    CHECK(sniff_format(gif.substr(0, kSniffBytes)) == "gif");

    f.transparent = NO_TRANSPARENT_COLOR;  // index 3 is then its colour
    CHECK(rgb_at(decode(make_gif(4, 2, {f}), "opaque.gif"), 3, 0) == kOther);
}

TEST_CASE("an interlaced GIF's rows land in place") {
    Frame f;
    f.width = 1;
    f.height = 9;
    f.interlace = true;
    f.pixels = {kRed, kGreen, kBlue, kRed, kGreen, kBlue, kRed, kGreen, kBlue};
    const Image image = decode(make_gif(1, 9, {f}), "inter.gif");
    for (int y = 0; y < 9; ++y) CHECK(rgb_at(image, 0, y) == (y % 3 == 0 ? kRedRgb : y % 3 == 1 ? kGreenRgb : kBlueRgb));
}

TEST_CASE("an animated GIF is a video: frames at their own delays") {
    Frame a, b, c;
    a.delay = 50;
    b.delay = 0;  // browsers show 0 and 1 as 0.1 s
    b.pixels = {kGreen};
    c.delay = 20;
    c.pixels = {kBlue};
    const std::string gif = make_gif(1, 1, {a, b, c});
    const std::unique_ptr<VideoStream> stream = open_gif_video_in_memory(gif, "anim.gif");
    CHECK(stream->info().frame_count == 3);
    CHECK(stream->info().duration == Approx(0.8));
    CHECK(stream->info().width == 1);
    const Frames frames = read_all(gif);
    REQUIRE(frames.times.size() == 3);
    CHECK(frames.times[0] == 0.0);
    CHECK(frames.times[1] == Approx(0.5));
    CHECK(frames.times[2] == Approx(0.6));
    CHECK(rgb_at(frames.images[1], 0, 0) == kGreenRgb);
    CHECK(rgb_at(frames.images[2], 0, 0) == kBlueRgb);

    // Decided by content, once: the animation is a Video, a one-frame GIF an Image, named .png both.
    const TempFile animated(gif);
    CHECK(media_kind_of_file(animated.path) == MediaKind::Video);
    const TempFile still(make_gif(1, 1, {a}));
    CHECK(media_kind_of_file(still.path) == MediaKind::Image);
}

TEST_CASE("GIF disposal methods: none keeps, background clears, previous restores") {
    Frame full;  // the whole 2x1 screen red
    full.width = 2;
    full.pixels = {kRed, kRed};
    Frame green_right;  // 1x1 at x = 1
    green_right.left = 1;
    green_right.pixels = {kGreen};
    Frame blue_left;
    blue_left.pixels = {kBlue};

    full.disposal = DISPOSE_DO_NOT;
    Frames kept = read_all(make_gif(2, 1, {full, green_right}));
    REQUIRE(kept.images.size() == 2);
    CHECK(rgb_at(kept.images[1], 0, 0) == kRedRgb);
    CHECK(rgb_at(kept.images[1], 1, 0) == kGreenRgb);

    full.disposal = DISPOSE_BACKGROUND;
    green_right.disposal = DISPOSE_PREVIOUS;
    Frames disposed = read_all(make_gif(2, 1, {full, green_right, blue_left}));
    REQUIRE(disposed.images.size() == 3);
    CHECK(rgb_at(disposed.images[0], 0, 0) == kRedRgb);
    CHECK(rgb_at(disposed.images[1], 0, 0) == kWhite);  // cleared to transparent
    CHECK(rgb_at(disposed.images[1], 1, 0) == kGreenRgb);
    CHECK(rgb_at(disposed.images[2], 0, 0) == kBlueRgb);
    CHECK(rgb_at(disposed.images[2], 1, 0) == kWhite);  // the green frame undone
}

TEST_CASE("GIF bombs and damage end in one error") {
    Frame f;
    std::string huge = make_gif(1, 1, {f});
    huge[6] = huge[7] = huge[8] = huge[9] = '\xFF';  // a 65535x65535 screen
    CHECK_THROWS_WITH(decode(huge, "huge.gif"), "huge.gif: image too large: 65535x65535 pixels (limit 268435456), refused before decoding");
    CHECK_THROWS_WITH(open_gif_video_in_memory(huge, "huge.gif"), Catch::Contains("image too large: 65535x65535"));

    const std::string many = make_gif(1, 1, std::vector<Frame>(10001, f));
    CHECK_THROWS_WITH(open_gif_video_in_memory(many, "many.gif"), "many.gif: too many frames in the GIF (more than 10000)");
    CHECK(read_all(make_gif(1, 1, std::vector<Frame>(3000, f))).times.size() == 3000);

    std::string empty = make_gif(1, 1, {f});
    empty[6] = '\0';  // a 0x1 screen (found by fuzz_gif)
    CHECK_THROWS_WITH(decode(empty, "empty.gif"), "empty.gif: GIF with an empty screen (0x1)");
    CHECK_THROWS_WITH(open_gif_video_in_memory(empty, "empty.gif"), "empty.gif: GIF with an empty screen (0x1)");

    const std::string gif = make_gif(8, 8, {f});
    CHECK_THROWS_WITH(decode(gif.substr(0, 20), "cut.gif"), Catch::Contains("cut.gif: truncated or corrupt GIF"));
    CHECK_THROWS_WITH(decode(gif.substr(0, 13) + std::string(40, '\x7F'), "junk.gif"),
                      Catch::Contains("junk.gif: truncated or corrupt GIF"));
}
