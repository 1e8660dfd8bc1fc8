// Formatting records for people (table) and machines (jsonl, json, csv, tsv).
// The schema is documented in README.md; json/csv/tsv carry the same fields as jsonl.
//
//   jsonl  {"input","valence","arousal",["aligned_valence","aligned_arousal"],"songs":[{"rank",
//          "id","artist","track","album","valence","arousal","distance"}...]}, one per line;
//          a failed input is {"input","error"}
//   json   one array of those records
//   csv    header, then one row per (input, rank); a failed input is one row with "error" set
//   tsv    as csv, tab separated, tabs and newlines in fields replaced by spaces
#pragma once

#include "img2music/record.hpp"

#include <memory>
#include <string>

namespace img2music {

class SongTable;
class OutputSink;

enum class OutputFormat { Table, Jsonl, Json, Csv, Tsv };

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
std::unique_ptr<RecordWriter> make_record_writer(OutputFormat format, OutputSink& sink, const SongTable& songs);

}  // namespace img2music
