#include "img2music/error.hpp"
#include "img2music/preprocess_spec.hpp"
#include "img2music/video.hpp"

#include "decode/video_decoder.hpp"
#include "image_impl.hpp"
#include "img2music/image.hpp"
#include "img2music/va_model.hpp"

#include <catch2/catch.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

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

TEST_CASE("Video: an interval that is not a multiple of the frame time takes the keyframe nearest each mark") {
    const TempVideo video("MJPG", ".avi", 24.0, 72);  // 3 seconds at 24 fps, every frame a keyframe
    const auto frames = all_samples(video.path, 0.3);
    // Marks 0, 0.3, 0.6, ... 2.7 s -> the nearest frames round(24 * t) = 0, 7 (0.292 s), 14 (0.583 s), ...
    REQUIRE(frames.size() == 10);
    for (std::size_t k = 0; k < frames.size(); ++k) {
        const auto expected = static_cast<std::size_t>(std::lround(24.0 * 0.3 * static_cast<double>(k)));
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

namespace {

// A video written by the ffmpeg CLI (installed for the tests by scripts/test.sh): 3 s at 10 fps,
// 160x120, black with a white band across the top rows, keyframes every `gop` frames.
struct FfmpegVideo {
    std::string path;
    FfmpegVideo(const std::string& codec_args, const std::string& ext, int gop, const std::string& extra = "") {
        path = "/tmp/img2music_ffmpeg_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++) + ext;
        const std::string cmd =
            "ffmpeg -v error -y -f lavfi -i color=black:s=160x120:r=10:d=3 -vf "
            "drawbox=x=0:y=0:w=160:h=30:color=white:t=fill,format=yuv420p " +
            codec_args + " -g " + std::to_string(gop) + " " + extra + " '" + path + "' </dev/null";
        REQUIRE(std::system(cmd.c_str()) == 0);
    }
    ~FfmpegVideo() { std::remove(path.c_str()); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

double mean_rows(const Image& image, int y0, int y1) { return cv::mean(image.impl().rgb.rowRange(y0, y1))[0]; }
double mean_cols(const Image& image, int x0, int x1) { return cv::mean(image.impl().rgb.colRange(x0, x1))[0]; }

}  // namespace

TEST_CASE("Video: H.264, HEVC, VP9, AV1, MPEG-4 and MJPEG decode through FFmpeg, upright and in time") {
    const std::vector<std::pair<std::string, std::string>> codecs = {
        {"-c:v libx264 -preset ultrafast", ".mp4"},
        {"-c:v libx265 -preset ultrafast -x265-params log-level=none", ".mp4"},
        {"-c:v libvpx-vp9 -deadline realtime", ".webm"},
        {"-c:v libaom-av1 -cpu-used 8 -b:v 200k", ".mkv"},
        {"-c:v mpeg4", ".avi"},
        {"-c:v mjpeg -q:v 3", ".avi"},
    };
    for (const auto& [args, ext] : codecs) {
        INFO(args);
        const FfmpegVideo video(args, ext, 10);
        VideoReader reader(video.path, 1.0);
        CHECK(reader.info().width == 160);
        CHECK(reader.info().height == 120);
        CHECK(reader.info().fps == Approx(10.0));
        std::vector<VideoFrame> frames;
        while (auto f = reader.next()) frames.push_back(std::move(*f));
        REQUIRE(frames.size() == 3);
        for (std::size_t k = 0; k < frames.size(); ++k) {
            CHECK(frames[k].position.index == 10 * k);
            CHECK(frames[k].position.time == Approx(static_cast<double>(k)).margin(1e-6));
            CHECK(frames[k].image.width() == 160);
            CHECK(mean_rows(frames[k].image, 0, 25) > 200);   // the white band on top
            CHECK(mean_rows(frames[k].image, 40, 120) < 40);  // black below
        }
        CHECK_FALSE(reader.truncated());
    }
}

TEST_CASE("Video: a portrait phone video (a display matrix) comes upright, as FFmpeg shows it") {
    const FfmpegVideo video("-c:v libx264 -preset ultrafast", ".mp4", 10);
    const std::string rotated = video.path + ".rotated.mp4";
    const std::string shown = video.path + ".png";
    // rotate=90 on a stream copy writes the display matrix phones write; the CLI's own decode
    // (autorotate) is the reference.
    REQUIRE(std::system(
                ("ffmpeg -v error -y -i '" + video.path + "' -c copy -metadata:s:v:0 rotate=90 '" + rotated + "' </dev/null").c_str()) ==
            0);
    REQUIRE(std::system(("ffmpeg -v error -y -i '" + rotated + "' -frames:v 1 '" + shown + "' </dev/null").c_str()) == 0);
    const Image reference = Image::load(shown);
    REQUIRE(reference.width() == 120);
    VideoReader reader(rotated, 1.0);
    CHECK(reader.info().width == 120);
    CHECK(reader.info().height == 160);
    const auto frame = reader.next();
    REQUIRE(frame);
    REQUIRE(frame->image.width() == 120);
    REQUIRE(frame->image.height() == 160);
    // The white band that ran across the top now runs down one side: the same side as FFmpeg's.
    const double right = mean_cols(reference, 95, 120);
    CHECK(std::abs(right - 127.5) > 60);  // the band is on one side only
    CHECK(mean_cols(frame->image, 95, 120) == Approx(right).margin(20));
    CHECK(mean_cols(frame->image, 0, 25) == Approx(mean_cols(reference, 0, 25)).margin(20));
    std::remove(rotated.c_str());
    std::remove(shown.c_str());
}

TEST_CASE("Video: marks without a keyframe near them decode the frames in between") {
    // Keyframes every 3 s (the whole clip is one group): every 0.5 s takes the frame at each mark.
    const FfmpegVideo video("-c:v libx264 -preset ultrafast -bf 2", ".mp4", 30);
    const auto frames = all_samples(video.path, 0.5);
    REQUIRE(frames.size() == 6);
    for (std::size_t k = 0; k < frames.size(); ++k) {
        CHECK(frames[k].position.index == 5 * k);
        CHECK(frames[k].position.time == Approx(0.5 * static_cast<double>(k)).margin(1e-6));
    }
}

TEST_CASE("Video: with keyframes every 0.7 s, every 1 s takes the nearest keyframe") {
    const FfmpegVideo video("-c:v libx264 -preset ultrafast -bf 2 -sc_threshold 0", ".mp4", 7);
    const auto frames = all_samples(video.path, 1.0);
    // Keyframes at 0, 0.7, 1.4, 2.1, 2.8 s: marks 0, 1, 2 take 0.0, 0.7 (0.3 away; 1.4 is 0.4), 2.1.
    REQUIRE(frames.size() == 3);
    CHECK(frames[0].position.index == 0);
    CHECK(frames[1].position.index == 7);
    CHECK(frames[1].position.time == Approx(0.7).margin(1e-6));
    CHECK(frames[2].position.index == 21);
    CHECK(mean_rows(frames[2].image, 0, 25) > 200);
}

TEST_CASE("Video: a timestamp that jumps 10^10 s ahead costs one step, sampled or decoded whole") {
    // A damaged or hostile file: frame 15 onwards are stamped 10^10 s later. Counting the marks
    // in between one at a time was 10^11 steps (found by fuzz_video as a timeout).
    const std::string path = "/tmp/img2music_jump_" + std::to_string(::getpid()) + ".mkv";
    REQUIRE(std::system(("ffmpeg -v error -y -f lavfi -i color=black:s=160x120:r=10:d=3 -vf "
                         "'format=yuv420p,setpts=PTS+gte(N\\,15)*1e10/TB' -c:v libx264 -preset ultrafast -g 10 '" +
                         path + "' </dev/null")
                            .c_str()) == 0);
    for (const double every : {0.05, 1.0}) {
        INFO("every " << every);
        const auto frames = all_samples(path, every);
        REQUIRE(frames.size() >= 3);
        for (std::size_t i = 1; i < frames.size(); ++i) CHECK(frames[i].position.time > frames[i - 1].position.time);
        CHECK(frames.back().position.time > 1e10);
        if (every < 0.1) CHECK(frames.size() == 30);  // faster than the frames: every frame once
    }
    std::remove(path.c_str());
}

TEST_CASE("Video: frames come scaled to cover the side asked, aspect kept") {
    const FfmpegVideo video("-c:v libx264 -preset ultrafast", ".mp4", 10);
    VideoReadOptions options;
    options.cover_side = 60;
    VideoReader reader(video.path, 1.0, options);
    const auto frame = reader.next();
    REQUIRE(frame);
    CHECK(frame->image.width() == 80);
    CHECK(frame->image.height() == 60);
}

TEST_CASE("Video: a corrupt stream in the middle gives the frames that decode, no crash") {
    const FfmpegVideo video("-c:v libx264 -preset ultrafast", ".mkv", 10);
    std::ifstream in(video.path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t i = bytes.size() / 3; i < bytes.size() * 2 / 3; i += 7) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
    const std::string bad = video.path + ".bad.mkv";
    std::ofstream(bad, std::ios::binary) << bytes;
    // The header and the first third are intact: those frames come, the rest is skipped or
    // decodes damaged, and the reader ends normally.
    VideoReader reader(bad, 0.1);
    std::size_t n = 0;
    while (reader.next()) ++n;
    CHECK(n >= 9);
    CHECK(n <= 30);
    std::remove(bad.c_str());
}

TEST_CASE("Video: frames scaled to the model's resize give the full frame's model input, to rounding") {
    // A detailed 1280x720 picture (ffmpeg's testsrc2), as the shipped model's preprocessing sees
    // it: shorter side to 320 by area resampling, centre crop 320x320, scaled to [-1, 1].
    const std::string path = "/tmp/img2music_cover_" + std::to_string(::getpid()) + ".mp4";
    REQUIRE(std::system(("ffmpeg -v error -y -f lavfi -i testsrc2=s=1280x720:r=10:d=1 -pix_fmt yuv420p -c:v libx264 -preset ultrafast '" +
                         path + "' </dev/null")
                            .c_str()) == 0);
    PreprocessSpec spec;
    spec.input_height = spec.input_width = spec.resize_shorter = 320;
    spec.interpolation = Interpolation::Area;
    spec.mean = {1.0F, 1.0F, 1.0F};
    spec.std = {1.0F, 1.0F, 1.0F};
    spec.pixel_scale = 2.0F / 255.0F;
    const auto input_of = [&](int cover_side) {
        VideoReadOptions options;
        options.cover_side = cover_side;
        VideoReader reader(path, 1.0, options);
        const auto frame = reader.next();
        REQUIRE(frame);
        std::vector<float> x(spec.tensor_size());
        preprocess(frame->image, spec, x.data());
        return x;
    };
    const std::vector<float> full = input_of(0);
    const std::vector<float> scaled = input_of(320);  // what the engine asks for
    double sum = 0.0;
    std::size_t far = 0;
    for (std::size_t i = 0; i < full.size(); ++i) {
        const double d = std::abs(static_cast<double>(full[i]) - scaled[i]);
        sum += d;
        far += d > 4.0 * spec.pixel_scale ? 1 : 0;
    }
    // In 8-bit steps (2/255 each): under one step on average (measured 0.55), and beyond 4 steps
    // only at a few of the test card's one-pixel lines (measured up to 35 steps there).
    CHECK(sum / static_cast<double>(full.size()) < 1.0 * spec.pixel_scale);
    CHECK(static_cast<double>(far) < 0.02 * static_cast<double>(full.size()));
    std::remove(path.c_str());
}

namespace img2music {
const VideoDecoder& ffmpeg_video_decoder();  // decode/ffmpeg_video.cpp
}  // namespace img2music

namespace {

// A testsrc2 clip (moving, detailed): 3 s at 10 fps, 160x120, H.264 with a keyframe a second.
struct TestsrcVideo {
    std::string path;
    explicit TestsrcVideo(const std::string& codec_args) {
        path = "/tmp/img2music_testsrc_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++) + ".mp4";
        REQUIRE(std::system(("ffmpeg -v error -y -f lavfi -i testsrc2=s=160x120:r=10:d=3 -pix_fmt yuv420p -g 10 " + codec_args + " '" +
                             path + "' </dev/null")
                                .c_str()) == 0);
    }
    ~TestsrcVideo() { std::remove(path.c_str()); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

// Every sample of a planned stream (keyframe sampling), with its frame number.
std::vector<std::pair<std::size_t, Image>> planned_samples(VideoStream& stream, double every) {
    REQUIRE(stream.plan_samples(every));
    std::vector<std::pair<std::size_t, Image>> out;
    VideoStream::PlannedFrame planned;
    while (stream.next_planned(&planned)) {
        Image image;
        REQUIRE(stream.retrieve(&image));
        out.emplace_back(planned.index, std::move(image));
    }
    return out;
}

// Every frame, decoded in order with the deblocking filter (no planning).
std::vector<Image> every_frame(VideoStream& stream) {
    std::vector<Image> out;
    double seconds = 0.0;
    while (stream.grab(&seconds)) {
        Image image;
        REQUIRE(stream.retrieve(&image));
        out.push_back(std::move(image));
    }
    return out;
}

bool same_pixels(const Image& a, const Image& b) {
    const cv::Mat& x = a.impl().rgb;
    const cv::Mat& y = b.impl().rgb;
    return x.size() == y.size() && cv::norm(x, y, cv::NORM_INF) == 0.0;
}

}  // namespace

TEST_CASE("Video: without B-frames, a group is decoded only up to its last sample, and the samples are the frames") {
    // 3 s at 10 fps, a keyframe a second, no B-frames (as phones write): every 0.5 s takes the
    // keyframe and frame 5 of each group; frames 6-9 are needed by nothing taken.
    const TestsrcVideo video("-c:v libx264 -preset superfast -bf 0");
    const auto planned_stream = ffmpeg_video_decoder().open(video.path);
    const auto samples = planned_samples(*planned_stream, 0.5);
    const auto full_stream = ffmpeg_video_decoder().open(video.path);
    const std::vector<Image> frames = every_frame(*full_stream);
    REQUIRE(frames.size() == 30);
    REQUIRE(samples.size() == 6);
    for (std::size_t k = 0; k < samples.size(); ++k) {
        INFO("sample " << k);
        CHECK(samples[k].first == 5 * k);
        CHECK(same_pixels(samples[k].second, frames[samples[k].first]));  // bit for bit: the filter ran
    }
    CHECK(planned_stream->frames_decoded() == 18);  // 6 of each group's 10
    CHECK(full_stream->frames_decoded() == 30);

    // With B-frames, the next group may refer back to a group's last frames: all are decoded.
    const TestsrcVideo reordered("-c:v libx264 -preset superfast -bf 2");
    const auto reordered_stream = ffmpeg_video_decoder().open(reordered.path);
    CHECK(planned_samples(*reordered_stream, 0.5).size() == 6);
    CHECK(reordered_stream->frames_decoded() == 30);
}

TEST_CASE("Video: a keyframe decoded alone skips the deblocking filter, and the model's answer moves by at most 0.01") {
    // Phone-like: a 1080p photo-like scene (a shared photo, panned), H.264 with the deblocking
    // filter, a keyframe a second, no B-frames. Every 1 s takes the keyframes alone (no filter);
    // every 0.5 s decodes from them (with it): the same frames both ways.
    const std::string shared = std::string(IMG2MUSIC_SOURCE_DIR) + "/../shared/data/photos/skimage/astronaut.png";
    const std::string path = "/tmp/img2music_deblock_" + std::to_string(::getpid()) + ".mp4";
    const std::string source = std::ifstream(shared).good() ? "-loop 1 -i '" + shared + "'" : "-f lavfi -i testsrc2=s=512x512";
    REQUIRE(std::system(("ffmpeg -v error -y " + source +
                         " -t 3 -r 10 -vf \"scale=1920:-2,crop=1920:1080:0:'t*100',format=yuv420p\" "
                         "-c:v libx264 -preset superfast -bf 0 -g 10 -b:v 8M '" +
                         path + "' </dev/null")
                            .c_str()) == 0);
    const auto alone_stream = ffmpeg_video_decoder().open(path);
    alone_stream->set_cover_side(320);
    const auto alone = planned_samples(*alone_stream, 1.0);
    CHECK(alone_stream->frames_decoded() == 3);
    const auto filtered_stream = ffmpeg_video_decoder().open(path);
    filtered_stream->set_cover_side(320);
    const auto filtered = planned_samples(*filtered_stream, 0.5);
    REQUIRE(alone.size() == 3);
    REQUIRE(filtered.size() == 6);

    const VaModel model = VaModel::load(std::string(IMG2MUSIC_SOURCE_DIR) + "/models/img2music.pt");
    const PreprocessSpec& spec = model.metadata().preprocess;
    bool any_pixel_differs = false;
    for (std::size_t k = 0; k < alone.size(); ++k) {
        INFO("keyframe " << k);
        REQUIRE(alone[k].first == filtered[2 * k].first);
        any_pixel_differs = any_pixel_differs || !same_pixels(alone[k].second, filtered[2 * k].second);
        std::vector<float> x(2 * spec.tensor_size());
        preprocess(alone[k].second, spec, x.data());
        preprocess(filtered[2 * k].second, spec, x.data() + spec.tensor_size());
        const auto va = model.predict(x.data(), 2);
        REQUIRE(va[0]);
        REQUIRE(va[1]);
        CHECK(std::abs(va[0]->valence - va[1]->valence) <= 0.01);
        CHECK(std::abs(va[0]->arousal - va[1]->arousal) <= 0.01);
    }
    CHECK(any_pixel_differs);  // the filter was skipped
    std::remove(path.c_str());
}
