#include "img2music/output_format.hpp"

#include "img2music/error.hpp"
#include "img2music/output_sink.hpp"
#include "img2music/song_table.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace img2music {
namespace {

// Four decimals everywhere: stable golden files, and more precision than the models have.
double round4(double x) { return std::round(x * 1e4) / 1e4; }

std::string fixed4(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", x);
    return buf;
}

nlohmann::ordered_json record_json(const Record& r, const SongTable& songs) {
    nlohmann::ordered_json j;
    j["input"] = r.input;
    if (r.error) {
        j["error"] = *r.error;
        return j;
    }
    j["valence"] = round4(r.va.valence);
    j["arousal"] = round4(r.va.arousal);
    if (r.aligned) {
        j["aligned_valence"] = round4(r.aligned->valence);
        j["aligned_arousal"] = round4(r.aligned->arousal);
    }
    auto list = nlohmann::ordered_json::array();
    for (std::size_t rank = 0; rank < r.songs.size(); ++rank) {
        const Song& s = songs[r.songs[rank].index];
        nlohmann::ordered_json o;
        o["rank"] = rank + 1;
        o["id"] = s.id;
        o["artist"] = s.artist;
        o["track"] = s.track;
        o["album"] = s.album;
        o["valence"] = round4(s.va.valence);
        o["arousal"] = round4(s.va.arousal);
        o["distance"] = round4(r.songs[rank].distance);
        list.push_back(std::move(o));
    }
    j["songs"] = std::move(list);
    return j;
}

// Inputs may carry any bytes (file names are not UTF-8 by law): replace invalid sequences.
std::string dump(const nlohmann::ordered_json& j) { return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace); }

class JsonlWriter : public RecordWriter {
public:
    JsonlWriter(OutputSink& sink, const SongTable& songs) : sink_(sink), songs_(songs) {}
    void write(const Record& r) override {
        sink_.append(dump(record_json(r, songs_)));
        sink_.append("\n");
        sink_.flush();
    }
    void finish() override {}

private:
    OutputSink& sink_;
    const SongTable& songs_;
};

class JsonWriter : public RecordWriter {
public:
    JsonWriter(OutputSink& sink, const SongTable& songs) : sink_(sink), songs_(songs) {}
    void write(const Record& r) override {
        sink_.append(first_ ? "[\n" : ",\n");
        first_ = false;
        sink_.append(dump(record_json(r, songs_)));
        sink_.flush();
    }
    void finish() override {
        sink_.append(first_ ? "[]\n" : "\n]\n");
        sink_.flush();
    }

private:
    OutputSink& sink_;
    const SongTable& songs_;
    bool first_ = true;
};

// CSV (RFC 4180 quoting) and TSV (no quoting; tabs and newlines become spaces).
class DelimitedWriter : public RecordWriter {
public:
    DelimitedWriter(OutputSink& sink, const SongTable& songs, char delimiter) : sink_(sink), songs_(songs), delim_(delimiter) {}
    void write(const Record& r) override {
        if (!header_written_) {
            row({"input", "valence", "arousal", "aligned_valence", "aligned_arousal", "rank", "id", "artist", "track", "album",
                 "song_valence", "song_arousal", "distance", "error"});
            header_written_ = true;
        }
        if (r.error) {
            row({r.input, "", "", "", "", "", "", "", "", "", "", "", "", *r.error});
        } else {
            const std::string v = fixed4(r.va.valence);
            const std::string a = fixed4(r.va.arousal);
            const std::string av = r.aligned ? fixed4(r.aligned->valence) : "";
            const std::string aa = r.aligned ? fixed4(r.aligned->arousal) : "";
            for (std::size_t rank = 0; rank < r.songs.size(); ++rank) {
                const Song& s = songs_[r.songs[rank].index];
                row({r.input, v, a, av, aa, std::to_string(rank + 1), s.id, s.artist, s.track, s.album, fixed4(s.va.valence),
                     fixed4(s.va.arousal), fixed4(r.songs[rank].distance), ""});
            }
        }
        sink_.flush();
    }
    void finish() override {}

private:
    void row(std::initializer_list<std::string> fields) {
        bool first = true;
        for (const std::string& f : fields) {
            if (!first) sink_.append(std::string_view(&delim_, 1));
            first = false;
            sink_.append(delim_ == ',' ? csv_field(f) : tsv_field(f));
        }
        sink_.append("\n");
    }
    static std::string csv_field(const std::string& f) {
        if (f.find_first_of(",\"\r\n") == std::string::npos) return f;
        std::string q = "\"";
        for (char c : f) {
            if (c == '"') q += '"';
            q += c;
        }
        return q + "\"";
    }
    static std::string tsv_field(std::string f) {
        for (char& c : f) {
            if (c == '\t' || c == '\n' || c == '\r') c = ' ';
        }
        return f;
    }

    OutputSink& sink_;
    const SongTable& songs_;
    char delim_;
    bool header_written_ = false;
};

// Control characters (newlines in a title) would break a table's layout.
std::string one_line(std::string s) {
    for (char& c : s) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return s;
}

// For people: one block per input.
class TableWriter : public RecordWriter {
public:
    TableWriter(OutputSink& sink, const SongTable& songs) : sink_(sink), songs_(songs) {}
    void write(const Record& r) override {
        if (!first_) sink_.append("\n");
        first_ = false;
        if (r.error) {
            sink_.append(one_line(r.input) + "\n  error: " + *r.error + "\n");
            sink_.flush();
            return;
        }
        std::string head = one_line(r.input) + "\n  valence " + fixed4(r.va.valence) + "  arousal " + fixed4(r.va.arousal);
        if (r.aligned) head += "  (matched at " + fixed4(r.aligned->valence) + ", " + fixed4(r.aligned->arousal) + ")";
        sink_.append(head + "\n");
        for (std::size_t rank = 0; rank < r.songs.size(); ++rank) {
            const Song& s = songs_[r.songs[rank].index];
            char num[32];
            std::snprintf(num, sizeof num, "%4zu. ", rank + 1);
            std::string line = std::string(num) + one_line(s.artist) + " - " + one_line(s.track);
            line += "  [v " + fixed4(s.va.valence).substr(0, 4) + " a " + fixed4(s.va.arousal).substr(0, 4) + "  d " +
                    fixed4(r.songs[rank].distance) + "]";
            sink_.append(line + "\n");
        }
        sink_.flush();
    }
    void finish() override {}

private:
    OutputSink& sink_;
    const SongTable& songs_;
    bool first_ = true;
};

}  // namespace

OutputFormat parse_output_format(const std::string& name) {
    if (name == "table") return OutputFormat::Table;
    if (name == "jsonl") return OutputFormat::Jsonl;
    if (name == "json") return OutputFormat::Json;
    if (name == "csv") return OutputFormat::Csv;
    if (name == "tsv") return OutputFormat::Tsv;
    throw Error("unknown format '" + name + "' (expected table, jsonl, json, csv or tsv)");
}

const char* output_format_name(OutputFormat format) {
    switch (format) {
        case OutputFormat::Table: return "table";
        case OutputFormat::Jsonl: return "jsonl";
        case OutputFormat::Json: return "json";
        case OutputFormat::Csv: return "csv";
        case OutputFormat::Tsv: return "tsv";
    }
    return "jsonl";
}

std::unique_ptr<RecordWriter> make_record_writer(OutputFormat format, OutputSink& sink, const SongTable& songs) {
    switch (format) {
        case OutputFormat::Table: return std::make_unique<TableWriter>(sink, songs);
        case OutputFormat::Jsonl: return std::make_unique<JsonlWriter>(sink, songs);
        case OutputFormat::Json: return std::make_unique<JsonWriter>(sink, songs);
        case OutputFormat::Csv: return std::make_unique<DelimitedWriter>(sink, songs, ',');
        case OutputFormat::Tsv: return std::make_unique<DelimitedWriter>(sink, songs, '\t');
    }
    return std::make_unique<JsonlWriter>(sink, songs);
}

}  // namespace img2music
