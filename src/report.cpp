#include "img2music/report.hpp"

#include "file_util.hpp"
#include "image_impl.hpp"
#include "img2music/error.hpp"
#include "img2music/explain.hpp"
#include "img2music/image.hpp"
#include "img2music/img2music.hpp"  // version()
#include "img2music/sha256.hpp"
#include "img2music/song_table.hpp"
#include "report_common.hpp"
#include "utf8.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace img2music {
namespace {

namespace fs = std::filesystem;

constexpr int kThumbSide = kThumbnailSide;  // image.hpp: the pipeline makes them this size
constexpr std::size_t kThumbHashChars = 16;

// Text for HTML: valid UTF-8 (file names need not be), control characters as spaces (they are
// not allowed in HTML text), and the five characters that could end text or an attribute escaped.
std::string esc(std::string_view raw) {
    const std::string text = to_valid_utf8(raw);
    std::string out;
    out.reserve(text.size() + 16);
    for (const char ch : text) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: {
                const auto u = static_cast<unsigned char>(ch);
                out += (u < 0x20 && ch != '\n') || u == 0x7F ? ' ' : ch;
            }
        }
    }
    return out;
}

std::string fixed4(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", x);
    return buf;
}

std::string plural(std::size_t n, const char* one, const char* many) { return thousands(n) + " " + (n == 1 ? one : many); }

// A Spotify track id is 22 base-62 characters; anything else would make a broken (or foreign) link.
bool valid_spotify_id(const std::string& id) {
    return id.size() == 22 && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
           });
}

// The unit square with the quadrant lines, the input's point and the point it was matched at.
std::string mini_plot(VA va, const std::optional<VA>& aligned) {
    auto coordinate = [](double c) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.1f", std::isfinite(c) ? std::clamp(c, 0.0, 1.0) * 100.0 : 50.0);
        return std::string(buf);
    };
    auto x = [&](float v) { return coordinate(v); };
    auto y = [&](float a) { return coordinate(1.0 - a); };
    std::string svg =
        "<svg class=\"mini\" viewBox=\"-6 -6 112 112\" width=\"60\" height=\"60\" role=\"img\" aria-label=\"position in the "
        "valence-arousal plane\"><rect x=\"0\" y=\"0\" width=\"100\" height=\"100\" class=\"sq\"/>"
        "<path d=\"M50 0V100M0 50H100\" class=\"mid\"/>";
    if (aligned) {
        svg += "<path d=\"M" + x(va.valence) + " " + y(va.arousal) + "L" + x(aligned->valence) + " " + y(aligned->arousal) +
               "\" class=\"link\"/>";
        svg += "<circle cx=\"" + x(aligned->valence) + "\" cy=\"" + y(aligned->arousal) + "\" r=\"8\" class=\"at\"/>";
    }
    svg += "<circle cx=\"" + x(va.valence) + "\" cy=\"" + y(va.arousal) + "\" r=\"9\" class=\"pt\"/></svg>";
    return svg;
}

const char* kStyle = R"css(
:root { --ink: #222; --muted: #6b6b6b; --line: #e2e2e2; --accent: #1f77b4; --bad: #b3261e; --paper: #fff; --shade: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--shade); color: var(--ink); line-height: 1.45;
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 0 0 2px; word-break: break-word; }
h4 { font-size: 15px; margin: 0 0 4px; }
.summary { color: var(--muted); margin: 0; }
.summary b { color: var(--ink); }
nav a { margin-right: 14px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .path { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
.path { color: var(--muted); margin: 0 0 6px; word-break: break-all; }
figure { margin: 0; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 8px; }
.item, .video { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 14px; margin: 0 0 14px; }
.item, .segment { display: flex; gap: 16px; align-items: flex-start; }
.segment { border-top: 1px solid var(--line); padding-top: 12px; margin-top: 12px; }
.thumb { flex: 0 0 auto; width: 240px; display: flex; justify-content: center; align-items: center; min-height: 80px;
         background: var(--shade); border-radius: 6px; overflow: hidden; }
.segment .thumb { width: 180px; }
.thumb img { display: block; max-width: 100%; height: auto; }
.thumb.none { color: var(--muted); font-size: 13px; }
.body { flex: 1 1 auto; min-width: 0; }
.va { display: flex; align-items: center; gap: 10px; margin: 4px 0 8px; flex-wrap: wrap; }
.va b { font-variant-numeric: tabular-nums; }
.mood { color: var(--muted); font-style: italic; }
.emotions { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 2px 14px; margin: 0 0 10px; font-size: 13px; }
.emo { display: flex; align-items: center; gap: 6px; }
.emo .label { flex: 0 0 62px; color: var(--muted); }
.emo .bar { flex: 1 1 auto; height: 8px; background: var(--shade); border-radius: 4px; overflow: hidden; }
.emo .bar span { display: block; height: 100%; background: var(--accent); }
.emo .n { flex: 0 0 34px; text-align: right; font-variant-numeric: tabular-nums; }
.mini { flex: 0 0 auto; }
.mini .sq { fill: #f3f5f9; stroke: #a0a0a0; stroke-width: 2; }
.mini .mid { stroke: #b8b8b8; stroke-width: 1.5; stroke-dasharray: 4 4; }
.mini .pt { fill: var(--accent); stroke: #fff; stroke-width: 2.5; }
.mini .at { fill: none; stroke: var(--accent); stroke-width: 3; }
.mini .link { stroke: var(--accent); stroke-width: 2; }
table.songs { border-collapse: collapse; width: 100%; font-size: 14px; }
table.songs th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); padding: 4px 8px; }
table.songs td { border-bottom: 1px solid #f0f0f0; padding: 4px 8px; vertical-align: top; }
table.songs td.n, table.songs th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.failed { border-color: #f1c4c0; }
.error { color: var(--bad); margin: 6px 0 0; }
.timeline { display: block; width: 100%; height: auto; margin: 8px 0 4px; border: 1px solid var(--line); border-radius: 6px; }
.meta { color: var(--muted); margin: 0 0 6px; }
footer { color: var(--muted); font-size: 13px; padding-top: 20px; padding-bottom: 32px; }
@media (max-width: 720px) { .item, .segment { flex-direction: column; } .thumb, .segment .thumb { width: 100%; } }
)css";

struct Thumb {
    std::string name;  // relative to the report's directory; empty: no picture
    int width = 0;
    int height = 0;
};

struct ImageEntry {
    Record record;
    Thumb thumb;
};

struct VideoEntry {
    Soundtrack soundtrack;      // without its keyframes: their thumbnails are written already
    std::vector<Thumb> thumbs;  // one per segment
};

}  // namespace

struct HtmlReport::State {
    std::string dir;
    const SongTable& songs;
    PlotOptions plot;
    std::vector<ImageEntry> images;
    std::vector<VideoEntry> videos;
    bool finished = false;

    State(std::string d, const SongTable& s, PlotOptions p) : dir(std::move(d)), songs(s), plot(p) {}

    std::string path(const std::string& name) const { return dir + "/" + name; }

    void check_open() const {
        if (finished) throw Error(dir + ": the report is already finished");
    }

    // Named by the hash of its bytes, so that writing it never changes a picture an older
    // index.html shows, and an input seen twice is stored once.
    Thumb write_thumbnail(const Image& image, int side) const {
        if (image.empty()) return {};
        const Image small = image.thumbnail(side);
        cv::Mat bgr;
        cv::cvtColor(small.impl().rgb, bgr, cv::COLOR_RGB2BGR);
        std::vector<std::uint8_t> jpeg;
        if (!cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85})) throw ResourceError(dir, "cannot encode a thumbnail");
        Thumb thumb{"thumbs/" + sha256_hex(jpeg.data(), jpeg.size()).substr(0, kThumbHashChars) + ".jpg", bgr.cols, bgr.rows};
        const std::string file = path(thumb.name);
        struct stat info {};
        if (::stat(file.c_str(), &info) != 0)
            write_file_atomically(file, std::string_view(reinterpret_cast<const char*>(jpeg.data()), jpeg.size()));
        return thumb;
    }

    std::string song_table(const Record& r) const {
        if (r.songs.empty()) return "<p class=\"meta\">No songs.</p>\n";
        std::string html =
            "<table class=\"songs\"><thead><tr><th class=\"n\">#</th><th>Artist</th><th>Track</th><th>Album</th>"
            "<th class=\"n\">Valence</th><th class=\"n\">Arousal</th><th class=\"n\">Distance</th></tr></thead><tbody>\n";
        for (std::size_t rank = 0; rank < r.songs.size(); ++rank) {
            const Song& s = songs[r.songs[rank].index];
            std::string track = esc(s.track);
            if (valid_spotify_id(s.spotify_id))
                track = "<a href=\"https://open.spotify.com/track/" + s.spotify_id + "\">" + std::move(track) + "</a>";
            html += "<tr><td class=\"n\">" + std::to_string(rank + 1) + "</td><td>";
            html += esc(s.artist) + "</td><td>" + track + "</td><td>" + esc(s.album);
            html += "</td><td class=\"n\">" + fixed4(s.va.valence) + "</td><td class=\"n\">" + fixed4(s.va.arousal);
            html += "</td><td class=\"n\">" + fixed4(r.songs[rank].distance) + "</td></tr>\n";
        }
        return html + "</tbody></table>\n";
    }

    static std::string va_line(const Record& r) {
        std::string html = "<div class=\"va\">" + mini_plot(r.va, r.aligned) + "<span>valence <b>" + fixed4(r.va.valence) +
                           "</b> &middot; arousal <b>" + fixed4(r.va.arousal) + "</b>";
        if (r.aligned) html += " &middot; matched at <b>" + fixed4(r.aligned->valence) + "</b>, <b>" + fixed4(r.aligned->arousal) + "</b>";
        html += "<br><span class=\"mood\">" + esc(mood_words(r.va)) + "</span></span></div>\n";
        return html + emotion_bars(r.emotions);
    }

    // The model's emotion distribution as labelled bars, largest first; nothing without one.
    static std::string emotion_bars(const std::vector<EmotionScore>& emotions) {
        if (emotions.empty()) return "";
        std::string html = "<div class=\"emotions\" aria-label=\"feels like " + esc(emotion_words(emotions)) + "\">";
        for (const EmotionScore* e : by_probability(emotions)) {
            const long percent = std::lround(std::clamp(e->probability, 0.0F, 1.0F) * 100.0F);
            html += "<span class=\"emo\"><span class=\"label\">" + esc(e->name) +
                    "</span><span class=\"bar\"><span style=\"width:" + std::to_string(percent) + "%\"></span></span><span class=\"n\">" +
                    std::to_string(percent) + "%</span></span>";
        }
        return html + "</div>\n";
    }

    static std::string thumb_html(const Thumb& t, const std::string& alt) {
        if (t.name.empty()) return "<div class=\"thumb none\">no preview</div>\n";
        return "<div class=\"thumb\"><img src=\"" + t.name + "\" width=\"" + std::to_string(t.width) + "\" height=\"" +
               std::to_string(t.height) + "\" alt=\"" + esc(alt) + "\"></div>\n";
    }

    std::string image_html(const ImageEntry& e, std::size_t n) const {
        const Record& r = e.record;
        std::string html = "<article class=\"item" + std::string(r.error ? " failed" : "") + "\" id=\"image-" + std::to_string(n) + "\">\n";
        html += thumb_html(e.thumb, base_name(r.input));
        html += "<div class=\"body\">\n<h3>" + esc(record_label(r)) + "</h3>\n<p class=\"path\">" + esc(r.input) + "</p>\n";
        if (r.error) {
            html += "<p class=\"error\">Failed: " + esc(*r.error) + "</p>\n";
        } else {
            html += va_line(r) + song_table(r);
        }
        return html + "</div>\n</article>\n";
    }

    std::string video_html(const VideoEntry& e, std::size_t n) const {
        const Soundtrack& s = e.soundtrack;
        std::string html = "<article class=\"video\" id=\"video-" + std::to_string(n) + "\">\n<h3>" + esc(base_name(s.input)) +
                           "</h3>\n<p class=\"path\">" + esc(s.input) + "</p>\n";
        html += "<p class=\"meta\">" + clock_time(s.duration) + " &middot; " + plural(s.segments.size(), "segment", "segments") +
                " &middot; " + plural(s.timeline.size(), "frame", "frames") + " analysed</p>\n";
        html += "<img class=\"timeline\" src=\"timeline-" + std::to_string(n) +
                ".png\" width=\"1200\" height=\"360\" alt=\"valence and arousal over time\">\n";
        for (std::size_t j = 0; j < s.segments.size(); ++j) {
            const Record& r = s.segments[j];
            const std::size_t number = r.segment ? r.segment->index + 1 : j + 1;
            html += "<div class=\"segment\" id=\"video-" + std::to_string(n) + "-segment-" + std::to_string(number) + "\">\n";
            html += thumb_html(j < e.thumbs.size() ? e.thumbs[j] : Thumb{}, "segment " + std::to_string(number));
            html += "<div class=\"body\">\n<h4>Segment " + std::to_string(number);
            if (r.segment) html += " &middot; " + clock_time(r.segment->start) + "&ndash;" + clock_time(r.segment->end);
            html += "</h4>\n";
            html += r.error ? "<p class=\"error\">Failed: " + esc(*r.error) + "</p>\n" : va_line(r) + song_table(r);
            html += "</div>\n</div>\n";
        }
        return html + "</article>\n";
    }

    std::string index_html() const {
        std::size_t failed = 0;
        for (const ImageEntry& e : images) failed += e.record.error ? 1 : 0;
        std::size_t segments = 0;
        for (const VideoEntry& v : videos) segments += v.soundtrack.segments.size();

        std::string html =
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>img2music report</title>\n<style>";
        html += kStyle;
        html += "</style>\n</head>\n<body>\n<header>\n<h1>img2music report</h1>\n<p class=\"summary\">";
        html += "<b>" + plural(images.size(), "input", "inputs") + "</b>";
        if (failed > 0) html += " (" + thousands(failed) + " failed)";
        if (!videos.empty())
            html += " &middot; <b>" + plural(videos.size(), "video", "videos") + "</b> in " + plural(segments, "segment", "segments");
        html += " &middot; songs from <code>" + esc(songs.source()) + "</code> (" + plural(songs.size(), "song", "songs") + ")";
        html += " &middot; img2music " + esc(version()) + "</p>\n<nav><a href=\"#plot\">Plot</a>";
        if (!images.empty()) html += "<a href=\"#images\">Images</a>";
        if (!videos.empty()) html += "<a href=\"#videos\">Videos</a>";
        html += "</nav>\n</header>\n<main>\n";

        html +=
            "<section id=\"plot\">\n<h2>Valence and arousal</h2>\n<figure><img src=\"plot.png\" width=\"" + std::to_string(plot_size()) +
            "\" height=\"" + std::to_string(plot_size()) +
            "\" alt=\"every input in the valence-arousal plane over the song catalogue\">\n"
            "<figcaption>Valence runs from unpleasant (0) to pleasant (1), arousal from calm (0) to excited (1). The shading is where the "
            "catalogue's songs lie. A filled dot is the model's reading of an input; a ring, where it was matched with the songs (the "
            "reading mapped onto the catalogue's distribution); diamonds, its songs. Only the first " +
            std::to_string(plot.max_labelled_inputs) + " inputs are labelled.</figcaption></figure>\n</section>\n";

        if (!images.empty()) {
            html += "<section id=\"images\">\n<h2>Images</h2>\n";
            for (std::size_t i = 0; i < images.size(); ++i) html += image_html(images[i], i + 1);
            html += "</section>\n";
        }
        if (!videos.empty()) {
            html += "<section id=\"videos\">\n<h2>Videos</h2>\n";
            for (std::size_t i = 0; i < videos.size(); ++i) html += video_html(videos[i], i + 1);
            html += "</section>\n";
        }
        html +=
            "</main>\n<footer>Distances are Euclidean in (valence, arousal), measured from the matched point. Treat the picks as a mood "
            "match, not a verdict.</footer>\n</body>\n</html>\n";
        return html;
    }

    int plot_size() const { return std::clamp(plot.size, 800, 8000); }

    // Thumbnails an older report used and this one does not; only names this class makes.
    void prune_thumbnails() const {
        std::set<std::string> used;
        for (const ImageEntry& e : images) used.insert(e.thumb.name);
        for (const VideoEntry& v : videos) {
            for (const Thumb& t : v.thumbs) used.insert(t.name);
        }
        std::error_code ec;
        for (fs::directory_iterator it(path("thumbs"), ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            const bool ours = name.size() == kThumbHashChars + 4 && name.compare(kThumbHashChars, 4, ".jpg") == 0 &&
                              std::all_of(name.begin(), name.begin() + kThumbHashChars,
                                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
            if (ours && used.count("thumbs/" + name) == 0) {
                std::error_code ignored;  // best effort: a stale thumbnail left behind is harmless
                fs::remove(it->path(), ignored);
            }
        }
    }
};

HtmlReport::HtmlReport(std::string dir, const SongTable& songs, PlotOptions plot) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (dir.empty()) throw ResourceError("report directory", "empty path");
    for (const std::string& d : {dir, dir + "/thumbs"}) {
        std::error_code ec;
        if (fs::exists(d, ec) && !fs::is_directory(d, ec)) throw ResourceError(d, "exists and is not a directory");
        fs::create_directories(d, ec);
        std::error_code ignored;  // ec keeps the reason it could not be created
        if (!fs::is_directory(d, ignored)) throw ResourceError(d, "cannot create it: " + ec.message());
    }
    // Found now rather than after every input has been analysed.
    if (::access(dir.c_str(), W_OK | X_OK) != 0 || ::access((dir + "/thumbs").c_str(), W_OK | X_OK) != 0)
        throw ResourceError(dir, std::string("cannot write into it: ") + std::strerror(errno));
    state_ = std::make_unique<State>(std::move(dir), songs, plot);
}

HtmlReport::~HtmlReport() = default;

void HtmlReport::add_image(const Record& record, const Image& picture) {
    state_->check_open();
    check_song_indices(record, state_->songs.size());
    ImageEntry entry{record, {}};
    if (!record.error) entry.thumb = state_->write_thumbnail(picture, kThumbSide);
    state_->images.push_back(std::move(entry));
}

void HtmlReport::add_video(const Soundtrack& soundtrack) {
    state_->check_open();
    for (const Record& r : soundtrack.segments) check_song_indices(r, state_->songs.size());
    VideoEntry entry;
    entry.soundtrack.input = soundtrack.input;
    entry.soundtrack.duration = soundtrack.duration;
    entry.soundtrack.timeline = soundtrack.timeline;
    entry.soundtrack.segments = soundtrack.segments;
    for (std::size_t j = 0; j < soundtrack.segments.size(); ++j) {
        entry.thumbs.push_back(j < soundtrack.keyframes.size() ? state_->write_thumbnail(soundtrack.keyframes[j], kThumbSide) : Thumb{});
    }
    state_->videos.push_back(std::move(entry));
}

void HtmlReport::finish() {
    State& s = *state_;
    s.check_open();
    std::vector<Record> plotted;
    for (const ImageEntry& e : s.images) {
        if (!e.record.error) plotted.push_back(e.record);
    }
    for (const VideoEntry& v : s.videos) plotted.insert(plotted.end(), v.soundtrack.segments.begin(), v.soundtrack.segments.end());
    write_va_plot(s.path("plot.png"), s.songs, plotted, s.plot);
    for (std::size_t i = 0; i < s.videos.size(); ++i) {
        const std::vector<std::uint8_t> png = render_timeline_png(s.videos[i].soundtrack);
        write_file_atomically(s.path("timeline-" + std::to_string(i + 1) + ".png"),
                              std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
    }
    write_file_atomically(s.path("index.html"), s.index_html());
    s.finished = true;
    s.prune_thumbnails();
}

}  // namespace img2music
