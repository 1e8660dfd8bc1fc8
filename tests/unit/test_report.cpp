#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/report.hpp"
#include "img2music/song_table.hpp"

#include <catch2/catch.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

using namespace img2music;
namespace fs = std::filesystem;

namespace {

const std::string kImages = std::string(IMG2MUSIC_TEST_DATA) + "/images/";

struct TempDir {
    fs::path root;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "img2music-report-XXXXXX").string();
        root = ::mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(root); }
    std::string operator/(const std::string& rel) const { return (root / rel).string(); }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// What the pipeline hands along: the decoded image, or none when it cannot be read.
Image picture(const std::string& path) {
    try {
        return Image::load(path);
    } catch (const InputError&) {
        return Image();
    }
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
    return n;
}

Song song(const std::string& artist, const std::string& track, const std::string& spotify_id, float v, float a) {
    Song s;
    s.id = artist + "-" + track;
    s.artist = artist;
    s.track = track;
    s.album = "Album of " + track;
    s.spotify_id = spotify_id;
    s.va = VA{v, a};
    return s;
}

SongTable table() {
    return SongTable({song("A & B", "<b>&\"", "4uLU6hMCjMI75M1A2tKUQC", 0.8F, 0.3F),  // valid Spotify id
                      song("Carla", "Plain", "not-a-valid-id!", 0.2F, 0.7F),          // invalid: no link
                      song("Dmitri", "Third", "", 0.5F, 0.5F),                        // none
                      song("Eve", "Too short", "4uLU6hMCjMI75M1A2tKUQ", 0.6F, 0.6F),  // 21 characters: no link
                      song("Fay", "Fourth", "0F8GTZnlYDOJ8MFoWYfGNA", 0.3F, 0.2F)},   // valid
                     "test-songs.csv");
}

Record image(const std::string& input, VA va, std::vector<Match> songs) {
    Record r;
    r.input = input;
    r.va = va;
    r.aligned = VA{va.valence + 0.05F, va.arousal - 0.05F};
    r.songs = std::move(songs);
    return r;
}

Record failed(const std::string& input, const std::string& reason) {
    Record r;
    r.input = input;
    r.error = reason;
    return r;
}

Soundtrack video() {
    Soundtrack st;
    st.input = "clips/beach <day>.mp4";
    st.duration = 60.0;
    for (int i = 0; i <= 60; i += 2) {
        const VA va{i < 30 ? 0.3F : 0.7F, 0.5F};
        st.timeline.push_back(TimedVA{FramePosition{static_cast<std::size_t>(i), static_cast<double>(i)}, va, va});
    }
    for (std::size_t j = 0; j < 2; ++j) {
        Record r;
        r.input = st.input;
        r.segment = SegmentPosition{j, 30.0 * j, 30.0 * (j + 1)};
        r.va = VA{j == 0 ? 0.3F : 0.7F, 0.5F};
        r.songs = {Match{j == 0 ? 1U : 0U, 0.1F}, Match{2, 0.2F}};
        st.segments.push_back(r);
    }
    st.keyframes = {Image::load(kImages + "split.png"), Image()};  // the second segment has no picture
    return st;
}

// Every src="..." in the page.
std::vector<std::string> sources(const std::string& html) {
    std::vector<std::string> out;
    const std::string key = "src=\"";
    for (std::size_t at = html.find(key); at != std::string::npos; at = html.find(key, at + 1)) {
        const std::size_t begin = at + key.size();
        out.push_back(html.substr(begin, html.find('"', begin) - begin));
    }
    return out;
}

}  // namespace

TEST_CASE("Report: index.html lists every input, escaped, with its songs, thumbnails and plots") {
    TempDir tmp;
    // A picture larger than a thumbnail, to see it shrink.
    cv::Mat big(400, 600, CV_8UC3, cv::Scalar(40, 160, 220));
    const std::string big_path = tmp / "big & <wide>.png";
    REQUIRE(cv::imwrite(big_path, big));

    const std::string dir = tmp / "out/report";  // parents are created
    const SongTable songs = table();
    HtmlReport report(dir, songs);
    report.add_image(image(kImages + "red.png", VA{0.9F, 0.4F}, {Match{0, 0.01F}, Match{1, 0.5F}}), picture(kImages + "red.png"));
    report.add_image(image(kImages + "teal.jpg", VA{0.2F, 0.6F}, {Match{3, 0.02F}, Match{4, 0.3F}}), picture(kImages + "teal.jpg"));
    report.add_image(image(big_path, VA{0.5F, 0.5F}, {Match{2, 0.0F}}), picture(big_path));
    report.add_image(image(tmp / "gone \"quoted\".png", VA{0.4F, 0.4F}, {Match{2, 0.1F}}),
                     picture(tmp / "gone \"quoted\".png"));  // analysed, then vanished
    report.add_image(failed(kImages + "missing.png", "No such file or directory"), Image());
    report.add_image(failed("latin1-\xE9t\xE9.jpg", "not a supported image, or corrupt"), Image());  // not UTF-8
    report.add_video(video());
    report.finish();

    const std::string html = slurp(dir + "/index.html");
    REQUIRE(!html.empty());
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("<meta charset=\"utf-8\">") != std::string::npos);
    CHECK(html.find("</html>") != std::string::npos);

    SECTION("every input by name; failures with their reason") {
        for (const char* name : {"red.png", "teal.jpg", "big &amp; &lt;wide&gt;.png", "gone &quot;quoted&quot;.png", "missing.png"})
            CHECK(html.find(name) != std::string::npos);
        CHECK(html.find("No such file or directory") != std::string::npos);
        CHECK(html.find("0.9000") != std::string::npos);  // red's valence
        CHECK(html.find("0.9500") != std::string::npos);  // and where it was matched
        CHECK(html.find("test-songs.csv") != std::string::npos);
    }

    SECTION("text is escaped") {
        CHECK(html.find("&lt;b&gt;&amp;&quot;") != std::string::npos);
        CHECK(html.find("A &amp; B") != std::string::npos);
        CHECK(html.find("<b>&\"") == std::string::npos);
        CHECK(html.find("<wide>") == std::string::npos);
        CHECK(html.find("beach &lt;day&gt;.mp4") != std::string::npos);
        CHECK(html.find("latin1-\xEF\xBF\xBDt\xEF\xBF\xBD.jpg") != std::string::npos);  // U+FFFD for each stray byte
    }

    SECTION("Spotify links only for valid ids, and no other outside resource") {
        CHECK(html.find("<a href=\"https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC\">&lt;b&gt;&amp;&quot;</a>") != std::string::npos);
        CHECK(html.find("https://open.spotify.com/track/0F8GTZnlYDOJ8MFoWYfGNA") != std::string::npos);
        CHECK(html.find("not-a-valid-id") == std::string::npos);
        CHECK(html.find("4uLU6hMCjMI75M1A2tKUQ\"") == std::string::npos);
        CHECK(count(html, "https://") == count(html, "<a href=\"https://open.spotify.com/track/"));
        CHECK(count(html, "https://") >= 3);  // red's first song, teal's second, the second segment's first
        CHECK(html.find("http://") == std::string::npos);
        CHECK(html.find("<script") == std::string::npos);
        CHECK(html.find("<link") == std::string::npos);
        CHECK(html.find("@import") == std::string::npos);
        CHECK(html.find("url(") == std::string::npos);
        CHECK(html.find("//") == html.find("https://") + 6);  // the first "//" is a Spotify link's: no protocol-relative URLs
    }

    SECTION("every picture referenced exists, relative to the report") {
        const std::vector<std::string> srcs = sources(html);
        std::size_t thumbs = 0;
        for (const std::string& src : srcs) {
            INFO(src);
            CHECK(src.find(':') == std::string::npos);
            CHECK(src.front() != '/');
            CHECK(fs::is_regular_file(dir + "/" + src));
            const cv::Mat img = cv::imread(dir + "/" + src);
            CHECK(!img.empty());
            if (src.rfind("thumbs/", 0) == 0) {
                ++thumbs;
                CHECK(std::max(img.cols, img.rows) <= 240);
            }
        }
        CHECK(thumbs == 4);  // red, teal, big, the first segment's keyframe; not the vanished or failed inputs
        CHECK(std::count(srcs.begin(), srcs.end(), "plot.png") == 1);
        CHECK(std::count(srcs.begin(), srcs.end(), "timeline-1.png") == 1);
        CHECK(cv::imread(dir + "/plot.png").size() == cv::Size(1000, 1000));
        CHECK(cv::imread(dir + "/timeline-1.png").size() == cv::Size(1200, 360));
        bool shrunk = false;
        for (const auto& entry : fs::directory_iterator(dir + "/thumbs")) {
            const cv::Mat t = cv::imread(entry.path().string());
            shrunk = shrunk || t.size() == cv::Size(240, 160);
        }
        CHECK(shrunk);
        CHECK(html.find("no preview") != std::string::npos);
    }

    SECTION("a video section with its timeline and segments") {
        CHECK(html.find("id=\"videos\"") != std::string::npos);
        CHECK(html.find("Segment 1 &middot; 0:00&ndash;0:30") != std::string::npos);
        CHECK(html.find("Segment 2 &middot; 0:30&ndash;1:00") != std::string::npos);
        CHECK(html.find("src=\"timeline-1.png\"") != std::string::npos);
    }
}

TEST_CASE("Report: a report never finished, or whose finish fails, leaves the previous index.html") {
    TempDir tmp;
    const std::string dir = tmp / "report";
    fs::create_directories(dir);
    spit(dir + "/index.html", "previous report");
    const SongTable songs = table();
    {
        HtmlReport report(dir, songs);
        report.add_image(image(kImages + "red.png", VA{0.9F, 0.4F}, {Match{0, 0.01F}}), picture(kImages + "red.png"));
    }  // destroyed without finish(), as when the run throws
    CHECK(slurp(dir + "/index.html") == "previous report");

    fs::create_directories(dir + "/plot.png");  // plot.png cannot be written: finish() fails
    HtmlReport report(dir, songs);
    report.add_image(image(kImages + "red.png", VA{0.9F, 0.4F}, {Match{0, 0.01F}}), picture(kImages + "red.png"));
    CHECK_THROWS_AS(report.finish(), ResourceError);
    CHECK(slurp(dir + "/index.html") == "previous report");
    for (const auto& entry : fs::directory_iterator(dir)) CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
}

TEST_CASE("Report: the directory must be one, and misuse is refused") {
    TempDir tmp;
    const SongTable songs = table();
    spit(tmp / "file", "x");
    CHECK_THROWS_AS(HtmlReport(tmp / "file", songs), ResourceError);
    CHECK_THROWS_WITH(HtmlReport(tmp / "file", songs), tmp / "file" + ": exists and is not a directory");
    CHECK_THROWS_WITH(HtmlReport(tmp / "file/sub", songs), Catch::StartsWith(tmp / "file/sub: cannot create it: "));

    HtmlReport report(tmp / "r", songs);
    CHECK_THROWS_AS(report.add_image(image("x.jpg", VA{0.5F, 0.5F}, {Match{5, 0.0F}}), picture("x.jpg")), Error);  // no song 5
    report.finish();
    CHECK(fs::is_regular_file(tmp / "r/index.html"));
    CHECK(fs::is_regular_file(tmp / "r/plot.png"));
    CHECK_THROWS_AS(report.finish(), Error);
    CHECK_THROWS_AS(report.add_image(failed("y.jpg", "bad"), Image()), Error);
}

TEST_CASE("Report: thumbnails no longer used are removed, other files are left alone") {
    TempDir tmp;
    const std::string dir = tmp / "r";
    fs::create_directories(dir + "/thumbs");
    spit(dir + "/thumbs/0123456789abcdef.jpg", "stale");
    spit(dir + "/thumbs/notes.txt", "mine");
    const SongTable songs = table();
    HtmlReport report(dir, songs);
    report.add_image(image(kImages + "teal.jpg", VA{0.2F, 0.6F}, {Match{3, 0.02F}}), picture(kImages + "teal.jpg"));
    report.add_image(image(kImages + "teal.jpg", VA{0.2F, 0.6F}, {Match{3, 0.02F}}),
                     picture(kImages + "teal.jpg"));  // the same picture: one thumbnail
    report.finish();
    CHECK(!fs::exists(dir + "/thumbs/0123456789abcdef.jpg"));
    CHECK(fs::exists(dir + "/thumbs/notes.txt"));
    std::size_t jpegs = 0;
    for (const auto& entry : fs::directory_iterator(dir + "/thumbs")) jpegs += entry.path().extension() == ".jpg" ? 1 : 0;
    CHECK(jpegs == 1);
}

TEST_CASE("Report: an image's emotions are shown as labelled bars, largest first, none without them") {
    TempDir tmp;
    const SongTable songs = table();
    const std::string dir = tmp / "report";
    HtmlReport report(dir, songs);
    Record r = image(kImages + "red.png", VA{0.9F, 0.4F}, {Match{0, 0.01F}});
    r.emotions = {{"anger", 0.05F}, {"joy", 0.61F}, {"surprise", 0.34F}};
    report.add_image(r, picture(kImages + "red.png"));
    report.add_image(image(kImages + "teal.jpg", VA{0.2F, 0.6F}, {Match{3, 0.02F}}), picture(kImages + "teal.jpg"));
    report.finish();
    const std::string html = slurp(dir + "/index.html");
    const std::size_t bars = html.find("<div class=\"emotions\" aria-label=\"feels like joy (61%) and surprise (34%)\">");
    REQUIRE(bars != std::string::npos);
    CHECK(html.find("<div class=\"emotions\"", bars + 1) == std::string::npos);  // the second image has none
    const std::size_t joy = html.find(">joy</span>", bars);
    const std::size_t surprise = html.find(">surprise</span>", bars);
    const std::size_t anger = html.find(">anger</span>", bars);
    CHECK(joy < surprise);
    CHECK(surprise < anger);
    CHECK(html.find("style=\"width:61%\"", bars) != std::string::npos);
}
