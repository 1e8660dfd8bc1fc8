#include "img2music/error.hpp"
#include "img2music/video.hpp"

#include "image_impl.hpp"

#include <catch2/catch.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

using namespace img2music;

namespace {

// A video whose frame i is filled with grey level 4*i (so frames can be told apart after lossy coding).
struct TempVideo {
    std::string path;
    TempVideo(const char* fourcc, const std::string& ext, double fps, int frames) {
        char tmpl[] = "/tmp/img2music_video_XXXXXX";
        const int fd = ::mkstemp(tmpl);
        REQUIRE(fd >= 0);
        ::close(fd);
        std::remove(tmpl);
        path = std::string(tmpl) + ext;
        cv::VideoWriter writer(path, cv::VideoWriter::fourcc(fourcc[0], fourcc[1], fourcc[2], fourcc[3]), fps, cv::Size(64, 48));
        REQUIRE(writer.isOpened());
        for (int i = 0; i < frames; ++i) writer.write(cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(4 * i % 256)));
    }
    ~TempVideo() { std::remove(path.c_str()); }
};

int grey_of(const Image& image) { return static_cast<int>(cv::mean(image.impl().rgb)[0] + 0.5); }

std::vector<VideoFrame> all_samples(const std::string& path, double every) {
    VideoReader reader(path, every);
    std::vector<VideoFrame> out;
    while (auto f = reader.next()) out.push_back(std::move(*f));
    return out;
}

}  // namespace

TEST_CASE("Video: sampling every 0.5 s takes the frame at each exact timestamp") {
    for (const auto& [fourcc, ext] : {std::pair<const char*, std::string>{"MJPG", ".avi"}, {"mp4v", ".mp4"}}) {
        INFO(fourcc);
        const TempVideo video(fourcc, ext, 10.0, 50);  // 5 seconds
        VideoReader reader(video.path, 0.5);
        CHECK(reader.info().width == 64);
        CHECK(reader.info().height == 48);
        CHECK(reader.info().fps == Approx(10.0));
        CHECK(reader.info().frame_count == 50);
        std::vector<VideoFrame> frames;
        while (auto f = reader.next()) frames.push_back(std::move(*f));
        REQUIRE(frames.size() == 10);
        for (std::size_t k = 0; k < frames.size(); ++k) {
            CHECK(frames[k].position.index == 5 * k);
            CHECK(frames[k].position.time == Approx(0.5 * static_cast<double>(k)).margin(1e-9));
            CHECK(std::abs(grey_of(frames[k].image) - static_cast<int>(20 * k)) <= 6);
            CHECK(frames[k].image.width() == 64);
        }
        CHECK(reader.decoded_duration() == Approx(5.0));
        CHECK_FALSE(reader.truncated());
    }
}

TEST_CASE("Video: an interval that is not a multiple of the frame time takes the first frame at or after each mark") {
    const TempVideo video("MJPG", ".avi", 24.0, 72);  // 3 seconds at 24 fps
    const auto frames = all_samples(video.path, 0.3);
    // Marks 0, 0.3, 0.6, ... 2.7 s -> frames ceil(24 * t) = 0, 8 (0.333 s), 15 (0.625 s), ...
    REQUIRE(frames.size() == 10);
    for (std::size_t k = 0; k < frames.size(); ++k) {
        const auto expected = static_cast<std::size_t>(std::ceil(24.0 * 0.3 * static_cast<double>(k) - 1e-9));
        CHECK(frames[k].position.index == expected);
        CHECK(frames[k].position.time == Approx(static_cast<double>(expected) / 24.0).margin(1e-9));
    }
    // Faster than the frame rate: every frame once.
    CHECK(all_samples(video.path, 0.01).size() == 72);
}

TEST_CASE("Video: bad files are InputErrors naming the file") {
    CHECK_THROWS_AS(VideoReader("/nonexistent/clip.mp4", 1.0), InputError);
    const std::string text = "/tmp/img2music_not_a_video.mp4";
    std::ofstream(text) << "this is not a video\n";
    try {
        VideoReader reader(text, 1.0);
        FAIL("a text file opened as a video");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).rfind(text + ": ", 0) == 0);
    }
    std::remove(text.c_str());
    const TempVideo video("MJPG", ".avi", 10.0, 5);
    CHECK_THROWS_AS(VideoReader(video.path, 0.0), InputError);
    CHECK(has_video_extension("a/B.MKV"));
    CHECK(has_video_extension("x.webm"));
    CHECK_FALSE(has_video_extension("x.jpg"));
}

TEST_CASE("Video: a file cut short ends early, with what decodes kept") {
    const TempVideo video("MJPG", ".avi", 10.0, 100);
    std::ifstream in(video.path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string cut = video.path + ".cut.avi";
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    // FFmpeg reads an AVI without its index (at the end, cut off) up to where the data stops.
    VideoReader reader(cut, 1.0);
    std::size_t n = 0;
    while (reader.next()) ++n;
    CHECK(n > 0);
    CHECK(n < 10);
    CHECK(reader.truncated());
    CHECK(reader.decoded_duration() < 9.0);
    std::remove(cut.c_str());
}

TEST_CASE("Video: frame_at seeks to a time") {
    const TempVideo video("MJPG", ".avi", 10.0, 50);
    CHECK(std::abs(grey_of(VideoReader::frame_at(video.path, 2.0)) - 80) <= 8);
}
