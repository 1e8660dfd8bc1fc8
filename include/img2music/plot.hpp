// Pictures of results, as PNG bytes: the valence-arousal plane (the song catalogue as a density,
// each input's point, the point its songs were matched from, and its songs), and a video's mood
// over time. OpenCV stays in src/plot.cpp.
//
// Conventions: valence runs left (0, unpleasant) to right (1, pleasant), arousal bottom (0, calm)
// to top (1, excited); the quadrants carry the names of Russell's circumplex. Records with
// `error` set are skipped. Text is drawn with OpenCV's built-in (ASCII) fonts: accented Latin
// letters lose their accents, other scripts show as '?'; the HTML report has the exact text.
// Segments are numbered from 1 and times shown as m:ss (h:mm:ss from an hour).
#pragma once

#include "img2music/record.hpp"
#include "img2music/soundtrack.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace img2music {

class SongTable;

struct PlotOptions {
    int size = 1000;                      // width = height in pixels; clamped to [800, 8000]
    std::size_t max_labelled_inputs = 6;  // the first this many inputs get a colour, their songs and labels;
                                          // the rest are grey points, so that many inputs stay readable
    std::size_t max_labelled_songs = 3;   // songs named per labelled input (all of its songs are marked)
};

// The valence-arousal plot of `records` over the catalogue `songs`, PNG-encoded.
// Throws Error when a record names a song that is not in `songs`.
std::vector<std::uint8_t> render_va_plot_png(const SongTable& songs, const std::vector<Record>& records, const PlotOptions& options = {});

// The same plot, written to `path` atomically (a temporary file beside it, renamed over it).
// Throws ResourceError naming the path and the reason.
void write_va_plot(const std::string& path, const SongTable& songs, const std::vector<Record>& records, const PlotOptions& options = {});

// A video's valence and arousal over time, PNG-encoded: per-frame predictions as faint lines,
// the smoothed series as bold ones, segment boundaries as vertical lines with segment numbers.
// `width` is clamped to [400, 8000], `height` to [200, 4000].
std::vector<std::uint8_t> render_timeline_png(const Soundtrack& soundtrack, int width = 1200, int height = 360);

// "m:ss", or "h:mm:ss" from an hour, rounded to the nearest second: how plots and reports show times.
std::string clock_time(double seconds);

}  // namespace img2music
