// Formatting records for people (table) and machines (jsonl, json, csv, tsv).
// The schema is documented in README.md; json/csv/tsv carry the same fields as jsonl.
//
//   jsonl  {"input",["frame","time" | "segment","start","end"],"valence","arousal",
//          ["aligned_valence","aligned_arousal"],["emotions":{NAME: probability...}],["mood"],
//          "songs":[{"rank","id","artist","track","album",
//          "valence","arousal","distance",["why"]}...]}, one per line; a failed input is
//          {"input",["frame","time"],"error"}. "frame"/"time" appear on records of one video
//          frame, "segment"/"start"/"end" (seconds) on records of a video segment.
//   json   one array of those records
//   csv    header, then one row per (input, rank); a failed input is one row with "error" set;
//          the frame and segment columns are always present (empty for images); a model with
//          emotions adds one "emotion_NAME" column each, after "error"
//   "emotions" appear when the model predicts them; with explain such a record also gains
//   "mood" (its mood words and top emotions). The table names the top one or two emotions.
//   tsv    as csv, tab separated, tabs and newlines in fields replaced by spaces
//   ids    one song id per line, every record's songs in order: for piping onward
//   links   one https://open.spotify.com/track/ID per line, for songs that have a Spotify id
#pragma once

#include "img2music/names.hpp"
#include "img2music/record.hpp"

#include <memory>
#include <string>
#include <vector>

namespace img2music {

class SongTable;
class OutputSink;

enum class OutputFormat { Table, Jsonl, Json, Csv, Tsv, Ids, Links };

struct RecordWriterOptions {
    bool explain = false;               // each song gains "why" (explain.hpp); table and csv/tsv show it too
    std::vector<std::string> emotions;  // the model's emotion names (csv/tsv columns); empty: none
};

// "table", "jsonl", "json", "csv", "tsv", "ids", "links".
const NameTable<OutputFormat>& output_format_names();
OutputFormat parse_output_format(const std::string& name);  // throws Error on an unknown name
const char* output_format_name(OutputFormat format);

class RecordWriter {
public:
    virtual ~RecordWriter() = default;
    virtual void write(const Record& record) = 0;
    // Completes the document (closing bracket for json). Call once, after the last record.
    virtual void finish() = 0;
};

// The writer sends each record to `sink` as soon as it is written. `songs` must outlive it.
std::unique_ptr<RecordWriter> make_record_writer(OutputFormat format, OutputSink& sink, const SongTable& songs,
                                                 RecordWriterOptions options = {});

// "https://open.spotify.com/track/ID" when `spotify_id` looks like one (22 base-62 characters), else "".
std::string spotify_track_url(const std::string& spotify_id);

}  // namespace img2music
