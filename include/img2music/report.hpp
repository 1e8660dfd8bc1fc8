// A self-contained HTML report of a run, for people to look at the answers and judge them: each
// image with its thumbnail, its valence-arousal and its songs; each video with its mood over time
// and its segments; and the valence-arousal plot of everything over the song catalogue.
//
// What `dir` holds after finish():
//   index.html       the report: inline CSS, no scripts, no fonts or images from elsewhere; every
//                    link is relative, except song titles, which link to open.spotify.com when the
//                    song's spotify_id is a valid one (22 letters and digits)
//   plot.png         the valence-arousal plot of every image and video segment (plot.hpp)
//   timeline-N.png   the N-th video's valence and arousal over time (N from 1)
//   thumbs/*.jpg     thumbnails, longest side at most 240 px, named by a hash of their content
//
// Thumbnails are written as inputs are added, so no decoded image is kept; everything else is
// written by finish(), index.html last and atomically (a temporary file renamed over it). A
// report that fails, or is destroyed without finish(), leaves any previous index.html as it was,
// and its thumbnails stay valid: a new thumbnail never overwrites another picture. finish()
// removes the thumbnails under thumbs/ that the new index.html no longer uses.
// Segments are numbered from 1 and times shown as m:ss, as in the plots. Not thread-safe: add
// inputs from one thread at a time.
#pragma once

#include "img2music/image.hpp"
#include "img2music/plot.hpp"
#include "img2music/record.hpp"
#include "img2music/soundtrack.hpp"

#include <memory>
#include <string>

namespace img2music {

class SongTable;

class HtmlReport {
public:
    // Creates `dir` (and its parents) when missing. Throws ResourceError naming it when it
    // exists and is not a directory, or cannot be created or written to. `songs` must outlive
    // the report; every record's songs index it.
    HtmlReport(std::string dir, const SongTable& songs, PlotOptions plot = {});
    ~HtmlReport();
    HtmlReport(const HtmlReport&) = delete;
    HtmlReport& operator=(const HtmlReport&) = delete;

    // One input's record (an image, or an input that failed: it is listed with its error), with
    // the image's picture (the decoded image or its thumbnail, image.hpp); an empty one means no
    // picture. Throws Error when a song index is not in the table, ResourceError when a
    // thumbnail cannot be written.
    void add_image(const Record& record, const Image& picture);

    // A video's soundtrack: its timeline, its segments and their keyframes (one per segment,
    // when present; an empty Image means no picture for that segment).
    void add_video(const Soundtrack& soundtrack);

    // Writes plot.png, the timelines and index.html. Throws ResourceError naming the file that
    // could not be written. Adding to a finished report, or finishing it twice, throws Error.
    void finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace img2music
