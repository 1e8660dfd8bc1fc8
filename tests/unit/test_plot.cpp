#include "img2music/error.hpp"
#include "img2music/plot.hpp"
#include "img2music/song_table.hpp"

#include <catch2/catch.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

using namespace img2music;

namespace {

// Spread of the grey levels: a blank or single-colour picture has none.
double grey_stddev(const cv::Mat& bgr) {
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    cv::Scalar mean;
    cv::Scalar stddev;
    cv::meanStdDev(grey, mean, stddev);
    return stddev[0];
}

Song song(const std::string& artist, const std::string& track, float v, float a) {
    Song s;
    s.id = artist + "/" + track;
    s.artist = artist;
    s.track = track;
    s.va = VA{v, a};
    return s;
}

// `n` songs spread evenly over a disc of radius 0.06 around (0.25, 0.75); nothing elsewhere.
SongTable clustered(std::size_t n) {
    std::vector<Song> songs;
    for (std::size_t i = 0; i < n; ++i) {
        const double angle = static_cast<double>(i) * 2.399963;  // golden angle: an even spread
        const double r = 0.06 * std::sqrt((static_cast<double>(i) + 0.5) / static_cast<double>(n));
        songs.push_back(song("Artist " + std::to_string(i), "Track " + std::to_string(i), static_cast<float>(0.25 + r * std::cos(angle)),
                             static_cast<float>(0.75 + r * std::sin(angle))));
    }
    return SongTable(std::move(songs));
}

Record record(const std::string& input, VA va, std::vector<Match> songs = {}) {
    Record r;
    r.input = input;
    r.va = va;
    r.songs = std::move(songs);
    return r;
}

cv::Mat decode(const std::vector<std::uint8_t>& png) {
    REQUIRE(png.size() > 8);
    cv::Mat img = cv::imdecode(png, cv::IMREAD_COLOR);
    REQUIRE(!img.empty());
    return img;
}

// Where the plot draws (v, a) in a plot of `size` pixels: its area is a 790-pixel square 140 px
// from the left and 64 px from the top, in a 1000-pixel design scaled to `size` (src/plot.cpp).
cv::Point2d where(VA va, int size) {
    const double k = size / 1000.0;
    const double left = std::round(140 * k);
    const double top = std::round(64 * k);
    const double side = std::round(790 * k);
    return {left + va.valence * (side - 1), top + (1.0 - va.arousal) * (side - 1)};
}

// Pixels within `radius` of `centre` whose colour is within `tolerance` of `bgr` per channel.
int pixels_like(const cv::Mat& img, cv::Point2d centre, int radius, cv::Vec3b bgr, int tolerance = 20) {
    int count = 0;
    for (int y = static_cast<int>(centre.y) - radius; y <= static_cast<int>(centre.y) + radius; ++y) {
        for (int x = static_cast<int>(centre.x) - radius; x <= static_cast<int>(centre.x) + radius; ++x) {
            if (x < 0 || y < 0 || x >= img.cols || y >= img.rows) continue;
            const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
            if (std::abs(p[0] - bgr[0]) <= tolerance && std::abs(p[1] - bgr[1]) <= tolerance && std::abs(p[2] - bgr[2]) <= tolerance)
                ++count;
        }
    }
    return count;
}

double mean_brightness(const cv::Mat& img, cv::Point2d centre, int radius) {
    const cv::Rect r(static_cast<int>(centre.x) - radius, static_cast<int>(centre.y) - radius, 2 * radius + 1, 2 * radius + 1);
    const cv::Scalar m = cv::mean(img(r));
    return (m[0] + m[1] + m[2]) / 3.0;
}

const cv::Vec3b kFirstInputColour(180, 119, 31);  // BGR: the first labelled input's colour

}  // namespace

TEST_CASE("VA plot: a PNG of the requested size, never below 800 px") {
    const SongTable songs = clustered(50);
    const std::vector<Record> records = {record("a.jpg", VA{0.7F, 0.3F}, {Match{0, 0.01F}})};
    CHECK(decode(render_va_plot_png(songs, records)).size() == cv::Size(1000, 1000));
    PlotOptions big;
    big.size = 1600;
    CHECK(decode(render_va_plot_png(songs, records, big)).size() == cv::Size(1600, 1600));
    PlotOptions small;
    small.size = 300;  // labels would not fit: raised to the minimum
    CHECK(decode(render_va_plot_png(songs, records, small)).size() == cv::Size(800, 800));
}

TEST_CASE("VA plot: not blank, and the input's point lies where its valence and arousal say") {
    const SongTable songs = clustered(50);
    const VA va{0.62F, 0.33F};
    for (const int size : {1000, 1600}) {
        PlotOptions options;
        options.size = size;
        const cv::Mat img = decode(render_va_plot_png(songs, {record("photo.jpg", va)}, options));
        CHECK(grey_stddev(img) > 10.0);
        const int radius = static_cast<int>(std::lround(5 * size / 1000.0));
        CHECK(pixels_like(img, where(va, size), radius, kFirstInputColour) > radius * radius);
        // ... and not at the mirrored point.
        CHECK(pixels_like(img, where(VA{1.0F - va.valence, 1.0F - va.arousal}, size), radius, kFirstInputColour) == 0);
    }
}

TEST_CASE("VA plot: the catalogue's density shows where songs crowd, and nothing where there are none") {
    // Over 3000 songs only the density is drawn (no per-song dots).
    const cv::Mat img = decode(render_va_plot_png(clustered(4000), {}));
    CHECK(mean_brightness(img, where(VA{0.25F, 0.75F}, 1000), 6) < 225.0);
    CHECK(mean_brightness(img, where(VA{0.75F, 0.25F}, 1000), 6) > 252.0);
    CHECK(mean_brightness(img, where(VA{0.25F, 0.45F}, 1000), 6) > 252.0);
}

TEST_CASE("VA plot: records that failed are skipped") {
    const SongTable songs = clustered(30);
    Record bad;
    bad.input = "broken.jpg";
    bad.error = "not a supported image, or corrupt";
    bad.va = VA{0.5F, 0.5F};
    bad.songs = {Match{99, 0.0F}};  // would be refused if it were drawn
    CHECK(render_va_plot_png(songs, {bad}) == render_va_plot_png(songs, {}));
}

TEST_CASE("VA plot: many inputs, segments, frames, odd names and long titles draw without trouble") {
    std::vector<Song> list;
    for (int i = 0; i < 40; ++i) {
        list.push_back(song(i % 2 == 0 ? "Bj\xC3\xB6rk Tribute \xE2\x80\x93 Ensemble" : "\xE5\xA4\x9C\xE3\x81\xAB",
                            std::string(i % 3 == 0 ? 120 : 5, 'x'), static_cast<float>(i % 8) / 8.0F, static_cast<float>(i / 8) / 5.0F));
    }
    const SongTable songs(std::move(list));
    std::vector<Record> records;
    for (int i = 0; i < 500; ++i) {
        Record r = record("dir/\xFF\xFEnot-utf8-" + std::to_string(i) + ".jpg",
                          VA{static_cast<float>(i % 23) / 22.0F, static_cast<float>(i % 17) / 16.0F},
                          {Match{static_cast<std::size_t>(i % 40), 0.01F}, Match{static_cast<std::size_t>((i + 1) % 40), 0.02F}});
        if (i % 2 == 0) r.aligned = VA{0.5F, 0.5F};
        if (i % 5 == 1) r.segment = SegmentPosition{static_cast<std::size_t>(i), 10.0 * i, 10.0 * i + 10.0};
        if (i % 5 == 2) r.frame = FramePosition{static_cast<std::size_t>(i), 0.5 * i};
        records.push_back(std::move(r));
    }
    records.push_back(record("nan.jpg", VA{std::nanf(""), 0.5F}));
    PlotOptions options;
    options.max_labelled_inputs = 12;
    CHECK(decode(render_va_plot_png(songs, records, options)).size() == cv::Size(1000, 1000));
    CHECK(decode(render_va_plot_png(SongTable(), {record("a.jpg", VA{0.5F, 0.5F})}, options)).size() == cv::Size(1000, 1000));
}

TEST_CASE("VA plot: a record naming a song that is not in the table is refused") {
    CHECK_THROWS_AS(render_va_plot_png(clustered(3), {record("a.jpg", VA{0.5F, 0.5F}, {Match{3, 0.0F}})}), Error);
}

TEST_CASE("VA plot: write_va_plot writes the file, and names the path when it cannot") {
    const std::string path =
        (std::filesystem::temp_directory_path() / ("img2music-test-plot-" + std::to_string(::getpid()) + ".png")).string();
    write_va_plot(path, clustered(10), {record("a.jpg", VA{0.5F, 0.5F})});
    CHECK(cv::imread(path).size() == cv::Size(1000, 1000));
    std::remove(path.c_str());
    CHECK_THROWS_WITH(write_va_plot("/nonexistent-dir/plot.png", clustered(10), {}),
                      Catch::StartsWith("/nonexistent-dir/plot.png: cannot create a temporary file beside it"));
    CHECK_THROWS_AS(write_va_plot("/nonexistent-dir/plot.png", clustered(10), {}), ResourceError);
}

TEST_CASE("Timeline: a PNG of the requested size showing both series") {
    Soundtrack st;
    st.input = "videos/holiday.mp4";
    st.duration = 95.0;
    for (int i = 0; i <= 95; ++i) {
        const float v = i < 40 ? 0.3F : 0.75F;
        const float a = 0.5F + 0.2F * static_cast<float>(std::sin(i / 7.0));
        st.timeline.push_back(
            TimedVA{FramePosition{static_cast<std::size_t>(i), static_cast<double>(i)}, VA{v + (i % 3) * 0.05F, a}, VA{v, a}});
    }
    for (std::size_t j = 0; j < 2; ++j) {
        Record r;
        r.input = st.input;
        r.segment = SegmentPosition{j, j == 0 ? 0.0 : 40.0, j == 0 ? 40.0 : 95.0};
        st.segments.push_back(r);
    }
    const cv::Mat img = decode(render_timeline_png(st));
    CHECK(img.size() == cv::Size(1200, 360));
    CHECK(grey_stddev(img) > 10.0);
    // The bold valence (orange) and arousal (blue) lines are there in strength.
    CHECK(pixels_like(img, cv::Point2d(600, 180), 600, cv::Vec3b(14, 127, 255), 12) > 500);
    CHECK(pixels_like(img, cv::Point2d(600, 180), 600, cv::Vec3b(180, 119, 31), 12) > 500);

    CHECK(decode(render_timeline_png(st, 640, 240)).size() == cv::Size(640, 240));
    CHECK(decode(render_timeline_png(Soundtrack{})).size() == cv::Size(1200, 360));
}

TEST_CASE("clock_time: m:ss, h:mm:ss from an hour") {
    CHECK(clock_time(0.0) == "0:00");
    CHECK(clock_time(65.4) == "1:05");
    CHECK(clock_time(59.6) == "1:00");
    CHECK(clock_time(3725.0) == "1:02:05");
    CHECK(clock_time(-3.0) == "0:00");
    CHECK(clock_time(std::nan("")) == "0:00");
}
