// What one run is asked to do: the typed options every front end (the command line, a server)
// fills in and hands to an Engine (engine.hpp) together with the inputs.
//
//   Request r;
//   r.top_k = 5;
//   r.align = align_mode_names().parse("minmax");
//   r.songs.genres = {"pop"};
//   validate(r);                   // throws RequestError naming the field and the fact
//
// Values are checked here, against the rules alone (top_k >= 1, diversity in [0, 1], ...);
// Engine::prepare checks them against the loaded model and song table (top_k against the
// number of songs that pass the filters, an alignment against the model's metadata).
#pragma once

#include "img2music/alignment.hpp"
#include "img2music/error.hpp"
#include "img2music/names.hpp"
#include "img2music/output_format.hpp"
#include "img2music/song_selector.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace img2music {

// Videos and frame sequences (video.hpp, segmentation.hpp).
struct VideoRequest {
    double every = 1.0;         // seconds between sampled frames (video.hpp: the sampling rule)
    bool frames = false;        // one record per sampled frame instead of one per segment
    double min_segment = 20.0;  // seconds: no segment shorter (a shorter video is one segment)
    bool sequence = false;      // a directory input is the frames of one video, in natural name order
    double fps = 1.0;           // frame rate of such a sequence
};

struct Request {
    std::size_t top_k = 10;  // songs per record
    AlignMode align = AlignMode::Quantile;
    // false: a model without a reference distribution is matched without alignment (a Note says
    // so); true: such a model refuses the request (the mode was asked for, not defaulted).
    bool align_required = false;
    SongCriteria songs;           // which songs may be picked (song_selector.hpp)
    double diversity = 0.0;       // MMR lambda in [0, 1] (song_selector.hpp)
    bool one_per_artist = false;  // at most one song by each artist in a list
    bool explain = false;         // each song gets a "why" (explain.hpp)
    OutputFormat format = OutputFormat::Jsonl;
    VideoRequest video;
    bool recursive = false;  // directories (a frame sequence's) are walked into their subdirectories
    // Hand the sink each image's thumbnail and each video's keyframes (for a report), made from
    // the decode the prediction used.
    bool thumbnails = false;
};

// The field of a Request a RequestError is about.
enum class RequestField { TopK, Align, Songs, Popularity, Years, Diversity, Every, MinSegment, Fps };

// "top_k", "align", "songs", "popularity", "years", "diversity", "every", "min_segment", "fps".
const NameTable<RequestField>& request_field_names();

// A request that cannot be run: which field, with what value, and the fact that rules it out.
// what() is "<field> <value>: <reason>", e.g. "top_k 25: more than the 24 songs in songs.csv".
// Front ends that know the field by another name (a flag) build their own message from the parts.
class RequestError : public Error {
public:
    RequestError(RequestField field, std::string value, std::string reason)
        : Error(std::string(request_field_names().name(field)) + " " + value + ": " + reason),
          field_(field),
          value_(std::move(value)),
          reason_(std::move(reason)) {}
    RequestField field() const { return field_; }
    const std::string& value() const { return value_; }
    const std::string& reason() const { return reason_; }

private:
    RequestField field_;
    std::string value_;
    std::string reason_;
};

// Checks every field against its rules. Throws RequestError on the first that breaks one.
void validate(const Request& request);

// "1990-1999" -> {1990, 1999}; "1990-" and "-1999" are open-ended; "1995" is one year.
// Throws Error stating what is wrong with `text`.
std::pair<std::optional<int>, std::optional<int>> parse_year_range(const std::string& text);

}  // namespace img2music
