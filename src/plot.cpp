#include "img2music/plot.hpp"

#include "file_util.hpp"
#include "img2music/error.hpp"
#include "img2music/song_table.hpp"
#include "report_common.hpp"
#include "utf8.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace img2music {
namespace {

// A colour in OpenCV's order (blue, green, red); a literal type, so that the constants below are
// made at compile time (a cv::Scalar constant could throw before main).
struct Colour {
    double b;
    double g;
    double r;
    operator cv::Scalar() const { return {b, g, r}; }  // NOLINT(google-explicit-constructor): drawn as is
};

constexpr Colour kWhite{255, 255, 255};
constexpr Colour kInk{40, 40, 40};
constexpr Colour kMuted{110, 110, 110};
constexpr Colour kGrid{226, 226, 226};
constexpr Colour kFrame{160, 160, 160};
constexpr Colour kQuadrant{150, 150, 150};
constexpr Colour kOther{140, 140, 140};  // inputs beyond the labelled ones
constexpr Colour kBlack{0, 0, 0};

// Tableau 10 without its grey (kept for unlabelled inputs): distinct, and readable on white.
constexpr std::array<Colour, 9> kPalette = {Colour{180, 119, 31},  Colour{14, 127, 255},  Colour{44, 160, 44},
                                            Colour{40, 39, 214},   Colour{189, 103, 148}, Colour{75, 86, 140},
                                            Colour{194, 119, 227}, Colour{34, 189, 188},  Colour{207, 190, 23}};

// The timeline's two series, in the two most distinct colours of the palette.
constexpr Colour kValenceColour{14, 127, 255};  // orange
constexpr Colour kArousalColour{180, 119, 31};  // blue

Colour mix(const Colour& a, const Colour& b, double t) { return {a.b + (b.b - a.b) * t, a.g + (b.g - a.g) * t, a.r + (b.r - a.r) * t}; }

// Hershey fonts have ASCII only. Latin letters lose their accents (so "Björk" stays readable),
// typographic punctuation becomes its ASCII look-alike, anything else '?'.
void transliterate(char32_t cp, std::string& out) {
    // U+00C0..U+00FF, then U+0100..U+017F: the base letter of each ('*' = more than one letter).
    static constexpr std::string_view kLatin1 = "AAAAAA*CEEEEIIIIDNOOOOOxOUUUUY**aaaaaa*ceeeeiiiidnooooo/ouuuuy*y";
    static constexpr std::string_view kLatinA =
        "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi**JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo**RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
    if (cp >= 0x20 && cp < 0x7F) {
        out += static_cast<char>(cp);
    } else if (cp < 0x20 || cp == 0x7F || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B)) {
        out += ' ';
    } else if (cp >= 0xC0 && cp <= 0x17F) {
        const char c = cp <= 0xFF ? kLatin1[cp - 0xC0] : kLatinA[cp - 0x100];
        if (c != '*') {
            out += c;
            return;
        }
        switch (cp) {
            case 0xC6: out += "AE"; break;
            case 0xE6: out += "ae"; break;
            case 0xDE: out += "Th"; break;
            case 0xFE: out += "th"; break;
            case 0xDF: out += "ss"; break;
            case 0x132: out += "IJ"; break;
            case 0x133: out += "ij"; break;
            case 0x152: out += "OE"; break;
            case 0x153: out += "oe"; break;
            default: out += '?'; break;
        }
    } else if (cp >= 0x2010 && cp <= 0x2015) {
        out += '-';
    } else if ((cp >= 0x2018 && cp <= 0x201B) || cp == 0xB4) {
        out += '\'';
    } else if ((cp >= 0x201C && cp <= 0x201F) || cp == 0xAB || cp == 0xBB) {
        out += '"';
    } else if (cp == 0x2026) {
        out += "...";
    } else {
        out += '?';
    }
}

std::string ascii(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t pos = 0; pos < utf8.size();) transliterate(next_code_point(utf8, pos), out);
    return out;
}

// Long titles end in "...": the start of a title is what people recognise.
std::string shorten_end(const std::string& s, std::size_t max) { return s.size() <= max ? s : s.substr(0, max - 3) + "..."; }

// Long file names keep both ends: the start names the series, the end the number and type.
std::string shorten_middle(const std::string& s, std::size_t max) {
    if (s.size() <= max) return s;
    const std::size_t tail = (max - 3) / 2;
    return s.substr(0, max - 3 - tail) + "..." + s.substr(s.size() - tail);
}

bool finite(VA va) { return std::isfinite(va.valence) && std::isfinite(va.arousal); }

struct Font {
    int face;
    double scale;
    int thickness;
};

// An image to draw on, with the sizes of a 1000-pixel design scaled by k.
class Canvas {
public:
    Canvas(int width, int height, double k) : img(height, width, CV_8UC3, kWhite), k_(k) {}

    int px(double design) const { return std::max(1, static_cast<int>(std::lround(design * k_))); }
    Font font(int face, double design_scale, double design_thickness) const {
        return Font{face, design_scale * k_, std::max(1, static_cast<int>(std::lround(design_thickness * k_)))};
    }

    // Width, and height from the top of capitals to the bottom of descenders.
    cv::Size text_size(const std::string& s, const Font& f) const {
        int baseline = 0;
        const cv::Size size = cv::getTextSize(s, f.face, f.scale, f.thickness, &baseline);
        return {size.width, size.height + baseline};
    }

    // Draws `s` with the top-left of its box at `top_left` (OpenCV anchors text at its baseline).
    // A halo (a wider stroke in white underneath) keeps text legible over lines and the density.
    void text(const std::string& s, cv::Point top_left, const Font& f, const Colour& c, bool halo = false) {
        int baseline = 0;
        const cv::Size size = cv::getTextSize(s, f.face, f.scale, f.thickness, &baseline);
        const cv::Point origin(top_left.x, top_left.y + size.height);
        if (halo) cv::putText(img, s, origin, f.face, f.scale, kWhite, f.thickness + px(4), cv::LINE_AA);
        cv::putText(img, s, origin, f.face, f.scale, c, f.thickness, cv::LINE_AA);
    }

    // Text turned 90 degrees anticlockwise (reading upwards), centred on `centre`.
    void vertical_text(const std::string& s, cv::Point centre, const Font& f, const Colour& c) {
        const cv::Size size = text_size(s, f);
        cv::Mat strip(size.height + 4, size.width + 4, CV_8UC3, kWhite);
        int baseline = 0;
        const cv::Size ascent = cv::getTextSize(s, f.face, f.scale, f.thickness, &baseline);
        cv::putText(strip, s, cv::Point(2, 2 + ascent.height), f.face, f.scale, c, f.thickness, cv::LINE_AA);
        cv::Mat turned;
        cv::rotate(strip, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
        const cv::Rect target(centre.x - turned.cols / 2, centre.y - turned.rows / 2, turned.cols, turned.rows);
        const cv::Rect inside = target & cv::Rect(0, 0, img.cols, img.rows);
        if (inside.area() > 0) turned(cv::Rect(inside.tl() - target.tl(), inside.size())).copyTo(img(inside));
    }

    void dashed_line(cv::Point a, cv::Point b, const Colour& c, int thickness, int dash, int gap) {
        const double length = std::hypot(b.x - a.x, b.y - a.y);
        if (length < 1.0) return;
        const cv::Point2d step((b.x - a.x) / length, (b.y - a.y) / length);
        const int period = std::max(1, dash + gap);
        for (int t = 0; t < length; t += period) {
            const double end = std::min(length, static_cast<double>(t + dash));
            cv::line(img, cv::Point2d(a) + step * t, cv::Point2d(a) + step * end, c, thickness, cv::LINE_AA);
        }
    }

    // A translucent white box: labels stay readable without hiding what lies beneath entirely.
    void veil(const cv::Rect& r, double opacity) {
        const cv::Rect inside = r & cv::Rect(0, 0, img.cols, img.rows);
        if (inside.area() == 0) return;
        cv::Mat roi = img(inside);
        cv::addWeighted(roi, 1.0 - opacity, cv::Mat(roi.size(), roi.type(), kWhite), opacity, 0.0, roi);
    }

    void diamond(cv::Point centre, int half, const Colour& fill, const Colour& edge) {
        const std::array<cv::Point, 4> corners = {cv::Point(centre.x, centre.y - half), cv::Point(centre.x + half, centre.y),
                                                  cv::Point(centre.x, centre.y + half), cv::Point(centre.x - half, centre.y)};
        cv::fillConvexPoly(img, corners.data(), 4, fill, cv::LINE_AA);
        const cv::Point* poly = corners.data();
        const int n = 4;
        cv::polylines(img, &poly, &n, 1, true, edge, 1, cv::LINE_AA);
    }

    cv::Mat img;

private:
    double k_;
};

std::vector<std::uint8_t> encode_png(const cv::Mat& img) {
    std::vector<std::uint8_t> png;
    if (!cv::imencode(".png", img, png)) throw Error("cannot encode a PNG image");
    return png;
}

// Places label boxes near their anchors, avoiding each other, the markers and the plot's edges:
// every position around the anchor in 16 directions at growing distances is scored by what it
// would cover (weighted: text matters more than a marker) plus its distance, and the best wins.
class LabelPlacer {
public:
    // What covering a thing costs, per pixel covered.
    static constexpr double kMarker = 1.0;
    static constexpr double kPoint = 4.0;
    static constexpr double kText = 10.0;

    LabelPlacer(cv::Rect bounds, double k) : bounds_(bounds), k_(k) {}

    void occupy(const cv::Rect& r, double weight) { taken_.push_back({r, weight}); }

    cv::Rect place(cv::Point anchor, cv::Size box, int gap) {
        // Preferred first (ties go to the earlier): the sides, the diagonals, then in between.
        static constexpr std::array<double, 16> kDegrees = {0,     180,  270,   90,    315,   45,   225,   135,
                                                            337.5, 22.5, 202.5, 157.5, 292.5, 67.5, 247.5, 112.5};
        cv::Rect best;
        double best_cost = -1.0;
        for (const double extra : {0.0, 10.0, 24.0, 42.0, 64.0, 90.0, 120.0, 160.0, 210.0, 270.0}) {
            const double r = gap + extra * k_;
            for (const double degrees : kDegrees) {
                // The box's nearest side (or corner) lies r from the anchor in this direction.
                const double angle = degrees * CV_PI / 180.0;
                const double cx = anchor.x + std::cos(angle) * (r + box.width / 2.0);
                const double cy = anchor.y + std::sin(angle) * (r + box.height / 2.0);
                const cv::Rect candidate(static_cast<int>(std::lround(cx - box.width / 2.0)),
                                         static_cast<int>(std::lround(cy - box.height / 2.0)), box.width, box.height);
                const double cost = cost_of(candidate) + 20.0 * extra;
                if (best_cost < 0.0 || cost < best_cost) {
                    best_cost = cost;
                    best = candidate;
                }
            }
        }
        occupy(best, kText);
        return best;
    }

private:
    struct Taken {
        cv::Rect rect;
        double weight;
    };

    double cost_of(const cv::Rect& r) const {
        double cost = static_cast<double>(r.area() - (r & bounds_).area()) * 50.0;  // labels stay inside the plot
        for (const Taken& t : taken_) cost += (r & t.rect).area() * t.weight;
        return cost;
    }

    cv::Rect bounds_;
    double k_;
    std::vector<Taken> taken_;
};

// The point of `r` nearest to `p`: where a leader line from p meets a label box.
cv::Point nearest_on(const cv::Rect& r, cv::Point p) {
    return {std::clamp(p.x, r.x, r.x + r.width - 1), std::clamp(p.y, r.y, r.y + r.height - 1)};
}

double distance(cv::Point a, cv::Point b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Where VA lands in the plot area.
struct Axes {
    cv::Rect area;
    cv::Point at(VA va) const {
        const double v = std::clamp(static_cast<double>(va.valence), 0.0, 1.0);
        const double a = std::clamp(static_cast<double>(va.arousal), 0.0, 1.0);
        return {area.x + static_cast<int>(std::lround(v * (area.width - 1))),
                area.y + static_cast<int>(std::lround((1.0 - a) * (area.height - 1)))};
    }
};

// The catalogue's density: white where there are no songs, a light blue-violet where they crowd.
Colour density_colour(double t) {
    constexpr Colour kLight{246, 236, 232};
    constexpr Colour kDense{214, 176, 160};
    return t < 0.35 ? mix(kWhite, kLight, t / 0.35) : mix(kLight, kDense, (t - 0.35) / 0.65);
}

void draw_density(Canvas& c, const Axes& axes, const SongTable& songs) {
    // A 2-D histogram smoothed with a Gaussian of 2% of an axis (reflected at the edges, which
    // the songs cannot cross), on a gamma scale so that sparse regions still show next to the
    // crowded middle of a real catalogue.
    constexpr int kBins = 250;
    cv::Mat hist = cv::Mat::zeros(kBins, kBins, CV_32F);
    std::size_t counted = 0;
    for (const Song& s : songs.songs()) {
        if (!finite(s.va)) continue;
        const int col = std::clamp(static_cast<int>(s.va.valence * kBins), 0, kBins - 1);
        const int row = std::clamp(static_cast<int>((1.0F - s.va.arousal) * kBins), 0, kBins - 1);
        hist.at<float>(row, col) += 1.0F;
        ++counted;
    }
    if (counted == 0) return;
    cv::GaussianBlur(hist, hist, cv::Size(), kBins * 0.02, 0.0, cv::BORDER_REFLECT);
    double max = 0.0;
    cv::minMaxLoc(hist, nullptr, &max);
    if (max <= 0.0) return;
    cv::pow(hist / max, 0.8, hist);
    cv::Mat fine;
    cv::resize(hist, fine, axes.area.size(), 0.0, 0.0, cv::INTER_LINEAR);
    cv::Mat roi = c.img(axes.area);
    for (int y = 0; y < roi.rows; ++y) {
        const float* t = fine.ptr<float>(y);
        auto* out = roi.ptr<cv::Vec3b>(y);
        for (int x = 0; x < roi.cols; ++x) {
            const Colour col = density_colour(std::clamp(static_cast<double>(t[x]), 0.0, 1.0));
            out[x] = cv::Vec3b(cv::saturate_cast<uchar>(col.b), cv::saturate_cast<uchar>(col.g), cv::saturate_cast<uchar>(col.r));
        }
    }
    // A small catalogue is also drawn song by song: a density of a few dozen songs is only blobs.
    if (counted <= 3000) {
        for (const Song& s : songs.songs()) {
            if (finite(s.va)) cv::circle(c.img, axes.at(s.va), c.px(2), Colour{170, 150, 140}, cv::FILLED, cv::LINE_AA);
        }
    }
}

void draw_axes(Canvas& c, const Axes& axes, LabelPlacer& placer) {
    const cv::Rect& a = axes.area;
    for (int i = 1; i < 10; ++i) {
        if (i == 5) continue;
        const float at = static_cast<float>(i) / 10.0F;
        cv::line(c.img, axes.at(VA{at, 0.0F}), axes.at(VA{at, 1.0F}), kGrid, 1);
        cv::line(c.img, axes.at(VA{0.0F, at}), axes.at(VA{1.0F, at}), kGrid, 1);
    }
    // The neutral lines that divide the quadrants.
    c.dashed_line(axes.at(VA{0.5F, 0.0F}), axes.at(VA{0.5F, 1.0F}), kFrame, c.px(1.5), c.px(8), c.px(6));
    c.dashed_line(axes.at(VA{0.0F, 0.5F}), axes.at(VA{1.0F, 0.5F}), kFrame, c.px(1.5), c.px(8), c.px(6));
    cv::rectangle(c.img, a, kFrame, c.px(1.5));

    const Font tick = c.font(cv::FONT_HERSHEY_SIMPLEX, 0.55, 1);
    for (int i = 0; i <= 10; ++i) {
        const float v = static_cast<float>(i) / 10.0F;
        const cv::Point bottom = axes.at(VA{v, 0.0F});
        const cv::Point left = axes.at(VA{0.0F, v});
        const int len = c.px(i % 2 == 0 ? 9 : 5);
        cv::line(c.img, cv::Point(bottom.x, a.y + a.height), cv::Point(bottom.x, a.y + a.height + len), kFrame, c.px(1.5));
        cv::line(c.img, cv::Point(a.x - len, left.y), cv::Point(a.x, left.y), kFrame, c.px(1.5));
        if (i % 2 != 0) continue;
        char label[8];
        std::snprintf(label, sizeof label, "%.1f", v);
        const cv::Size size = c.text_size(label, tick);
        c.text(label, cv::Point(bottom.x - size.width / 2, a.y + a.height + c.px(14)), tick, kMuted);
        c.text(label, cv::Point(a.x - c.px(14) - size.width, left.y - size.height / 2), tick, kMuted);
    }

    const Font axis = c.font(cv::FONT_HERSHEY_DUPLEX, 0.62, 1);
    const std::string x_label = "valence   (0 = unpleasant ... 1 = pleasant)";
    const cv::Size x_size = c.text_size(x_label, axis);
    c.text(x_label, cv::Point(a.x + (a.width - x_size.width) / 2, a.y + a.height + c.px(42)), axis, kInk);
    c.vertical_text("arousal   (0 = calm ... 1 = excited)", cv::Point(a.x - c.px(78), a.y + a.height / 2), axis, kInk);

    // Russell's circumplex names the quadrants; they sit in the outer corners, out of the way.
    const Font quadrant = c.font(cv::FONT_HERSHEY_DUPLEX, 0.72, 1);
    const int pad = c.px(12);
    struct Corner {
        const char* name;
        bool right;
        bool bottom;
    };
    for (const Corner& q : {Corner{"tense / angry", false, false}, Corner{"excited / happy", true, false},
                            Corner{"sad / depressed", false, true}, Corner{"calm / relaxed", true, true}}) {
        const cv::Size size = c.text_size(q.name, quadrant);
        const cv::Point tl(q.right ? a.x + a.width - pad - size.width : a.x + pad,
                           q.bottom ? a.y + a.height - pad - size.height : a.y + pad);
        c.text(q.name, tl, quadrant, kQuadrant, true);
        placer.occupy(cv::Rect(tl, size), LabelPlacer::kText / 2);
    }
}

struct LegendItem {
    enum Kind { Point, Ring, Song, Other, Density } kind;
    std::string text;
};

void draw_legend_symbol(Canvas& c, LegendItem::Kind kind, cv::Point centre) {
    const Colour& colour = kPalette[0];
    switch (kind) {
        case LegendItem::Point:
            cv::circle(c.img, centre, c.px(8), colour, cv::FILLED, cv::LINE_AA);
            cv::circle(c.img, centre, c.px(8), kWhite, c.px(2), cv::LINE_AA);
            break;
        case LegendItem::Ring: cv::circle(c.img, centre, c.px(8), colour, c.px(2.5), cv::LINE_AA); break;
        case LegendItem::Song: c.diamond(centre, c.px(6), colour, kWhite); break;
        case LegendItem::Other: cv::circle(c.img, centre, c.px(4.5), kOther, cv::FILLED, cv::LINE_AA); break;
        case LegendItem::Density: {
            const int w = c.px(22);
            const int h = c.px(14);
            for (int x = 0; x < w; ++x) {
                const cv::Point top(centre.x - w / 2 + x, centre.y - h / 2);
                cv::line(c.img, top, top + cv::Point(0, h), density_colour((x + 0.5) / w), 1);
            }
            cv::rectangle(c.img, cv::Rect(centre.x - w / 2, centre.y - h / 2, w, h), kGrid, 1);
            break;
        }
    }
}

// One or more centred rows of (symbol, text) pairs in the band [top, ...) of the image.
void draw_legend(Canvas& c, const std::vector<LegendItem>& items, int top, int max_width) {
    const Font f = c.font(cv::FONT_HERSHEY_SIMPLEX, 0.55, 1);
    const int symbol = c.px(26);
    const int spacing = c.px(26);
    std::vector<std::vector<const LegendItem*>> rows(1);
    int row_width = 0;
    for (const LegendItem& item : items) {
        const int w = symbol + c.text_size(item.text, f).width;
        if (!rows.back().empty() && row_width + spacing + w > max_width) {
            rows.emplace_back();
            row_width = 0;
        }
        row_width += (rows.back().empty() ? 0 : spacing) + w;
        rows.back().push_back(&item);
    }
    const int line = c.px(28);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        int width = 0;
        for (const LegendItem* item : rows[r]) width += (width == 0 ? 0 : spacing) + symbol + c.text_size(item->text, f).width;
        int x = (c.img.cols - width) / 2;
        const int y = top + static_cast<int>(r) * line;
        for (const LegendItem* item : rows[r]) {
            const cv::Size size = c.text_size(item->text, f);
            draw_legend_symbol(c, item->kind, cv::Point(x + symbol / 2 - c.px(2), y + size.height / 2));
            c.text(item->text, cv::Point(x + symbol, y), f, kInk);
            x += symbol + size.width + spacing;
        }
    }
}

// A label: one or more lines, near `anchor`. Boxed labels (song lists) get a translucent box with
// a border in the input's colour; the others (names) a white halo.
struct Label {
    cv::Point anchor;
    int gap = 0;  // from the anchor to the nearest edge, when nothing is in the way
    std::vector<std::string> lines;
    Font font;
    Colour colour;  // border and leader line
    Colour text_colour;
    bool boxed = false;
    cv::Rect rect;  // where it went
};

int line_height(const Canvas& c, const Font& f) { return c.text_size("Ag", f).height + c.px(5); }
int label_padding(const Canvas& c, const Label& l) { return l.boxed ? c.px(5) : c.px(1); }

void place(const Canvas& c, LabelPlacer& placer, Label& l) {
    const int pad = label_padding(c, l);
    int width = 0;
    for (const std::string& s : l.lines) width = std::max(width, c.text_size(s, l.font).width);
    const int height = static_cast<int>(l.lines.size()) * line_height(c, l.font) - c.px(5);
    l.rect = placer.place(l.anchor, cv::Size(width + 2 * pad + (l.boxed ? c.px(3) : 0), height + 2 * pad), l.gap);
}

// A leader line from the anchor when the label had to move away from it.
void draw_leader(Canvas& c, const Label& l) {
    const cv::Point end = nearest_on(l.rect, l.anchor);
    if (distance(l.anchor, end) > l.gap + c.px(3)) cv::line(c.img, l.anchor, end, l.colour, c.px(1.2), cv::LINE_AA);
}

void draw_label(Canvas& c, const Label& l) {
    const cv::Rect& r = l.rect;
    if (l.boxed) {
        c.veil(r, 0.85);
        cv::rectangle(c.img, r, l.colour, 1, cv::LINE_AA);
        cv::rectangle(c.img, cv::Rect(r.x, r.y, c.px(3), r.height), l.colour, cv::FILLED);
    }
    const int pad = label_padding(c, l);
    for (std::size_t i = 0; i < l.lines.size(); ++i) {
        const cv::Point at(r.x + pad + (l.boxed ? c.px(3) : 0), r.y + pad + static_cast<int>(i) * line_height(c, l.font));
        c.text(l.lines[i], at, l.font, l.text_colour, !l.boxed);
    }
}

cv::Mat draw_va_plot(const SongTable& songs, const std::vector<Record>& records, const PlotOptions& options) {
    const int size = std::clamp(options.size, 800, 8000);
    Canvas c(size, size, size / 1000.0);
    // A 790-pixel square (in the 1000-pixel design) with room for the ticks and the axis label on
    // the left, the title above, and the ticks, axis label and two rows of legend below.
    const int left = c.px(140);
    const int top = c.px(64);
    const int side = c.px(790);
    const Axes axes{cv::Rect(left, top, side, side)};
    LabelPlacer placer(axes.area, size / 1000.0);

    std::vector<const Record*> shown;
    for (const Record& r : records) {
        if (r.error || !finite(r.va)) continue;
        check_song_indices(r, songs.size());  // refuse a foreign record before drawing anything
        shown.push_back(&r);
    }
    const std::size_t labelled = std::min(options.max_labelled_inputs, shown.size());

    draw_density(c, axes, songs);
    draw_axes(c, axes, placer);

    std::string heading = "Valence and arousal: " + thousands(shown.size()) + (shown.size() == 1 ? " input" : " inputs");
    if (labelled < shown.size()) heading += " (" + std::to_string(labelled) + " labelled)";
    heading += ", " + thousands(songs.size()) + (songs.size() == 1 ? " song" : " songs");
    Font title = c.font(cv::FONT_HERSHEY_DUPLEX, 0.8, 1);
    const int room = size - left - c.px(20);
    if (c.text_size(heading, title).width > room) title.scale *= static_cast<double>(room) / c.text_size(heading, title).width;
    c.text(heading, cv::Point(left, c.px(22)), title, kInk);

    // Unlabelled inputs first, underneath: where they fall is what matters, not which is which.
    for (std::size_t i = labelled; i < shown.size(); ++i) {
        const cv::Point at = axes.at(shown[i]->va);
        cv::circle(c.img, at, c.px(4.5), kOther, cv::FILLED, cv::LINE_AA);
        placer.occupy(cv::Rect(at - cv::Point(c.px(5), c.px(5)), cv::Size(c.px(10), c.px(10))), LabelPlacer::kMarker);
    }
    bool any_aligned = false;
    for (std::size_t i = 0; i < labelled; ++i) {
        const Record& r = *shown[i];
        const Colour& colour = kPalette[i % kPalette.size()];
        const cv::Point point = axes.at(r.va);
        const cv::Point query = axes.at(r.aligned && finite(*r.aligned) ? *r.aligned : r.va);
        for (const Match& m : r.songs) {
            const cv::Point at = axes.at(songs[m.index].va);
            c.diamond(at, c.px(5), colour, kWhite);
            placer.occupy(cv::Rect(at - cv::Point(c.px(5), c.px(5)), cv::Size(c.px(10), c.px(10))), LabelPlacer::kMarker);
        }
        if (r.aligned && finite(*r.aligned)) {
            any_aligned = true;
            cv::line(c.img, point, query, colour, c.px(1.5), cv::LINE_AA);
            // Drawn after the songs, which crowd around it, and wide enough to show among them.
            cv::circle(c.img, query, c.px(9), colour, c.px(2.5), cv::LINE_AA);
            placer.occupy(cv::Rect(query - cv::Point(c.px(10), c.px(10)), cv::Size(c.px(20), c.px(20))), LabelPlacer::kPoint);
        }
        cv::circle(c.img, point, c.px(8), colour, cv::FILLED, cv::LINE_AA);
        cv::circle(c.img, point, c.px(8), kWhite, c.px(2), cv::LINE_AA);
        placer.occupy(cv::Rect(point - cv::Point(c.px(9), c.px(9)), cv::Size(c.px(18), c.px(18))), LabelPlacer::kPoint);
    }

    // Labels go on top of every marker. Names are placed first, in input order, so that they sit
    // right by their points; the song lists, larger, find room after them. Leader lines are drawn
    // before any label, so that none crosses a label's text.
    const Font name_font = c.font(cv::FONT_HERSHEY_SIMPLEX, 0.6, 2);
    const Font song_font = c.font(cv::FONT_HERSHEY_SIMPLEX, 0.5, 1);
    std::vector<Label> labels;
    for (std::size_t i = 0; i < labelled; ++i) {
        const Record& r = *shown[i];
        const Colour& colour = kPalette[i % kPalette.size()];
        labels.push_back(Label{axes.at(r.va),
                               c.px(12),
                               {shorten_middle(ascii(record_label(r)), 30)},
                               name_font,
                               colour,
                               mix(colour, kBlack, 0.25),
                               false,
                               {}});
    }
    for (std::size_t i = 0; i < labelled; ++i) {
        const Record& r = *shown[i];
        std::vector<std::string> lines;
        for (std::size_t j = 0; j < r.songs.size() && j < options.max_labelled_songs; ++j) {
            const Song& s = songs[r.songs[j].index];
            lines.push_back(std::to_string(j + 1) + ". " + shorten_end(ascii(s.artist) + " - " + ascii(s.track), 36));
        }
        if (lines.empty()) continue;
        if (r.songs.size() > lines.size()) lines.back() += "  (+" + std::to_string(r.songs.size() - lines.size()) + " more)";
        const bool aligned = r.aligned && finite(*r.aligned);
        labels.push_back(Label{axes.at(aligned ? *r.aligned : r.va),
                               c.px(aligned ? 14 : 16),
                               std::move(lines),
                               song_font,
                               kPalette[i % kPalette.size()],
                               kInk,
                               true,
                               {}});
    }
    for (Label& l : labels) place(c, placer, l);
    for (const Label& l : labels) draw_leader(c, l);
    for (const Label& l : labels) draw_label(c, l);

    std::vector<LegendItem> legend = {{LegendItem::Point, "input (the model's valence, arousal)"}};
    if (any_aligned) legend.push_back({LegendItem::Ring, "matched at (aligned to the songs)"});
    if (labelled > 0) legend.push_back({LegendItem::Song, "recommended song"});
    if (labelled < shown.size()) legend.push_back({LegendItem::Other, "other inputs"});
    legend.push_back({LegendItem::Density, "song catalogue (density)"});
    draw_legend(c, legend, axes.area.y + axes.area.height + c.px(80), size - c.px(40));
    return c.img;
}

// The timeline's top band: the video's name and length, and the legend. They share one row when
// they fit, the name shortened as needed; otherwise the legend goes on a second row.
struct TimelineKey {
    const char* text;
    Colour colour;
    int thickness;
};

struct TimelineHeader {
    std::string title;
    Font title_font;
    std::array<TimelineKey, 4> keys;
    Font key_font;
    int keys_y;
    int height;  // where the plot area starts
};

TimelineHeader timeline_header(const Canvas& c, const Soundtrack& soundtrack, double duration) {
    TimelineHeader h{{},
                     c.font(cv::FONT_HERSHEY_DUPLEX, 0.62, 1),
                     {TimelineKey{"valence", kValenceColour, c.px(2.5)}, TimelineKey{"arousal", kArousalColour, c.px(2.5)},
                      TimelineKey{"per frame", Colour{175, 175, 175}, 1}, TimelineKey{"smoothed", Colour{110, 110, 110}, c.px(2.5)}},
                     c.font(cv::FONT_HERSHEY_SIMPLEX, 0.5, 1),
                     c.px(14),
                     c.px(64)};
    int keys_width = 0;
    for (const TimelineKey& k : h.keys) keys_width += c.px(48) + c.text_size(k.text, h.key_font).width;
    const int full = c.img.cols - c.px(62) - c.px(28);
    const std::string name = ascii(base_name(soundtrack.input));
    const std::string facts = "   " + clock_time(duration) + ", " + std::to_string(soundtrack.segments.size()) +
                              (soundtrack.segments.size() == 1 ? " segment" : " segments");
    auto fit = [&](int room) {
        std::string title = name + facts;
        for (std::size_t max = name.size(); max > 12 && c.text_size(title, h.title_font).width > room; --max)
            title = shorten_middle(name, max) + facts;
        return title;
    };
    h.title = fit(full - keys_width - c.px(24));
    if (c.text_size(h.title, h.title_font).width > full - keys_width - c.px(24)) {
        h.title = fit(full);
        h.keys_y = c.px(40);
        h.height = c.px(88);
    }
    return h;
}

// A step between time ticks that people read easily, giving at most `max_ticks` ticks.
double tick_step(double duration, int max_ticks) {
    for (const double step : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0}) {
        if (duration / step <= max_ticks) return step;
    }
    return std::ceil(duration / max_ticks / 3600.0) * 3600.0;
}

}  // namespace

std::string clock_time(double seconds) {
    const long total = std::isfinite(seconds) && seconds > 0.0 ? std::lround(seconds) : 0;
    char buf[32];
    if (total >= 3600) {
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%ld:%02ld", total / 60, total % 60);
    }
    return buf;
}

std::vector<std::uint8_t> render_va_plot_png(const SongTable& songs, const std::vector<Record>& records, const PlotOptions& options) {
    return encode_png(draw_va_plot(songs, records, options));
}

void write_va_plot(const std::string& path, const SongTable& songs, const std::vector<Record>& records, const PlotOptions& options) {
    const std::vector<std::uint8_t> png = render_va_plot_png(songs, records, options);
    write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
}

std::vector<std::uint8_t> render_timeline_png(const Soundtrack& soundtrack, int width, int height) {
    width = std::clamp(width, 400, 8000);
    height = std::clamp(height, 200, 4000);
    Canvas c(width, height, std::clamp(std::min(width / 1200.0, height / 360.0), 0.75, 4.0));
    const std::vector<TimedVA>& line = soundtrack.timeline;
    double duration = soundtrack.duration;
    if (!line.empty()) duration = std::max(duration, line.back().frame.time);
    if (!(duration > 0.0) || !std::isfinite(duration)) duration = 1.0;
    const TimelineHeader header = timeline_header(c, soundtrack, duration);
    const cv::Rect area(c.px(62), header.height, width - c.px(62) - c.px(28), height - header.height - c.px(46));
    auto x_at = [&](double t) { return area.x + static_cast<int>(std::lround(std::clamp(t / duration, 0.0, 1.0) * (area.width - 1))); };
    auto y_at = [&](double v) {
        const double clamped = std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : 0.5;
        return area.y + static_cast<int>(std::lround((1.0 - clamped) * (area.height - 1)));
    };

    // Segments: alternate ones shaded, boundaries dashed, numbers (from 1) along the top.
    const Font small = c.font(cv::FONT_HERSHEY_SIMPLEX, 0.5, 1);
    for (const Record& s : soundtrack.segments) {
        if (!s.segment) continue;
        const int x0 = x_at(s.segment->start);
        const int x1 = x_at(s.segment->end);
        if (s.segment->index % 2 == 1)
            cv::rectangle(c.img, cv::Rect(x0, area.y, std::max(1, x1 - x0), area.height), Colour{246, 244, 242}, cv::FILLED);
    }
    for (int i = 1; i < 4; ++i) cv::line(c.img, cv::Point(area.x, y_at(i / 4.0)), cv::Point(area.x + area.width, y_at(i / 4.0)), kGrid, 1);
    for (const Record& s : soundtrack.segments) {
        if (!s.segment) continue;
        const int x0 = x_at(s.segment->start);
        const int x1 = x_at(s.segment->end);
        // Many segments: thin light lines, or the boundaries would hide the series.
        const bool dense = soundtrack.segments.size() > 12;
        if (s.segment->index > 0) {
            c.dashed_line(cv::Point(x0, area.y), cv::Point(x0, area.y + area.height), dense ? Colour{175, 175, 175} : Colour{120, 120, 120},
                          dense ? 1 : c.px(1.5), c.px(6), c.px(4));
        }
        const std::string number = std::to_string(s.segment->index + 1);
        const cv::Size size = c.text_size(number, small);
        if (size.width + c.px(6) <= x1 - x0)
            c.text(number, cv::Point((x0 + x1 - size.width) / 2, area.y - size.height - c.px(5)), small, kMuted);
    }
    cv::rectangle(c.img, area, kFrame, 1);

    for (const double v : {0.0, 0.5, 1.0}) {
        char label[8];
        std::snprintf(label, sizeof label, "%.1f", v);
        const cv::Size size = c.text_size(label, small);
        c.text(label, cv::Point(area.x - c.px(10) - size.width, y_at(v) - size.height / 2), small, kMuted);
    }
    const double step = tick_step(duration, std::max(2, area.width / c.px(95)));
    for (int i = 0; i * step <= duration + 1e-9; ++i) {
        const double t = i * step;
        const int x = x_at(t);
        cv::line(c.img, cv::Point(x, area.y + area.height), cv::Point(x, area.y + area.height + c.px(6)), kFrame, 1);
        const std::string label = clock_time(t);
        const cv::Size size = c.text_size(label, small);
        c.text(label, cv::Point(std::clamp(x - size.width / 2, 0, width - size.width), area.y + area.height + c.px(11)), small, kMuted);
    }

    // Raw predictions thin and faint, the smoothed series (what the cuts follow) bold on top.
    std::vector<cv::Point> raw_v;
    std::vector<cv::Point> raw_a;
    std::vector<cv::Point> smooth_v;
    std::vector<cv::Point> smooth_a;
    for (const TimedVA& t : line) {
        const int x = x_at(t.frame.time);
        raw_v.emplace_back(x, y_at(t.va.valence));
        raw_a.emplace_back(x, y_at(t.va.arousal));
        smooth_v.emplace_back(x, y_at(t.smoothed.valence));
        smooth_a.emplace_back(x, y_at(t.smoothed.arousal));
    }
    auto series = [&](const std::vector<cv::Point>& points, const Colour& colour, int thickness) {
        if (points.size() == 1) cv::circle(c.img, points[0], thickness + c.px(2), colour, cv::FILLED, cv::LINE_AA);
        if (points.size() > 1) cv::polylines(c.img, points, false, colour, thickness, cv::LINE_AA);
    };
    series(raw_a, mix(kArousalColour, kWhite, 0.55), 1);
    series(raw_v, mix(kValenceColour, kWhite, 0.55), 1);
    series(smooth_a, kArousalColour, c.px(2.5));
    series(smooth_v, kValenceColour, c.px(2.5));
    if (line.empty()) {
        const Font f = c.font(cv::FONT_HERSHEY_SIMPLEX, 0.6, 1);
        const std::string none = "no frames";
        const cv::Size size = c.text_size(none, f);
        c.text(none, cv::Point(area.x + (area.width - size.width) / 2, area.y + (area.height - size.height) / 2), f, kMuted);
    }

    // Title on the left, legend on the right of the top band.
    c.text(header.title, cv::Point(area.x, c.px(12)), header.title_font, kInk);
    int x = width - c.px(28);
    for (auto it = header.keys.rbegin(); it != header.keys.rend(); ++it) {
        const cv::Size size = c.text_size(it->text, header.key_font);
        x -= size.width;
        c.text(it->text, cv::Point(x, header.keys_y), header.key_font, kInk);
        x -= c.px(30);
        const int y = header.keys_y + size.height / 2;
        cv::line(c.img, cv::Point(x, y), cv::Point(x + c.px(24), y), it->colour, it->thickness, cv::LINE_AA);
        x -= c.px(18);
    }
    return encode_png(c.img);
}

}  // namespace img2music
