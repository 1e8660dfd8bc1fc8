#include "img2music/output_format.hpp"

#include "img2music/error.hpp"
#include "img2music/explain.hpp"
#include "img2music/output_sink.hpp"
#include "img2music/song_table.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace img2music {
namespace {

// Four decimals everywhere: stable golden files, and more precision than the models have.
double round4(double x) { return std::round(x * 1e4) / 1e4; }

std::string fixed4(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", x);
    return buf;
}

// Seconds with millisecond precision: frame times are exact to the container's clock.
double round3(double x) { return std::round(x * 1e3) / 1e3; }

std::string fixed3(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", x);
    return buf;
}

// The point songs were matched from.
VA query_of(const Record& r) { return r.aligned ? *r.aligned : r.va; }

// The image's mood in words, with its top emotions when the model has them.
std::string mood_line(const Record& r) {
    const std::string emotions = emotion_words(r.emotions);
    return mood_words(r.va) + (emotions.empty() ? "" : ", feels like " + emotions);
}

nlohmann::ordered_json record_json(const Record& r, const SongTable& songs, const RecordWriterOptions& options) {
    nlohmann::ordered_json j;
    j["input"] = r.input;
    if (r.frame) {
        j["frame"] = r.frame->index;
        j["time"] = round3(r.frame->time);
    }
    if (r.segment) {
        j["segment"] = r.segment->index;
        j["start"] = round3(r.segment->start);
        j["end"] = round3(r.segment->end);
    }
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
    if (!r.emotions.empty()) {
        nlohmann::ordered_json emotions = nlohmann::ordered_json::object();
        for (const EmotionScore& e : r.emotions) emotions[e.name] = round4(e.probability);
        j["emotions"] = std::move(emotions);
    }
    if (options.explain && !r.emotions.empty()) j["mood"] = mood_line(r);  // names the top emotions
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
        if (options.explain) o["why"] = explain_match(query_of(r), s.va);
        list.push_back(std::move(o));
    }
    j["songs"] = std::move(list);
    return j;
}

// Inputs may carry any bytes (file names are not UTF-8 by law): replace invalid sequences.
std::string dump(const nlohmann::ordered_json& j) { return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace); }

class JsonlWriter : public RecordWriter {
public:
    JsonlWriter(OutputSink& sink, const SongTable& songs, RecordWriterOptions options) : sink_(sink), songs_(songs), options_(options) {}
    void write(const Record& r) override {
        sink_.append(dump(record_json(r, songs_, options_)));
        sink_.append("\n");
        sink_.flush();
    }
    void finish() override {}

private:
    OutputSink& sink_;
    const SongTable& songs_;
    RecordWriterOptions options_;
};

class JsonWriter : public RecordWriter {
public:
    JsonWriter(OutputSink& sink, const SongTable& songs, RecordWriterOptions options) : sink_(sink), songs_(songs), options_(options) {}
    void write(const Record& r) override {
        sink_.append(first_ ? "[\n" : ",\n");
        first_ = false;
        sink_.append(dump(record_json(r, songs_, options_)));
        sink_.flush();
    }
    void finish() override {
        sink_.append(first_ ? "[]\n" : "\n]\n");
        sink_.flush();
    }

private:
    OutputSink& sink_;
    const SongTable& songs_;
    RecordWriterOptions options_;
    bool first_ = true;
};

// CSV (RFC 4180 quoting) and TSV (no quoting; tabs and newlines become spaces).
class DelimitedWriter : public RecordWriter {
public:
    DelimitedWriter(OutputSink& sink, const SongTable& songs, char delimiter, RecordWriterOptions options)
        : sink_(sink), songs_(songs), delim_(delimiter), options_(options) {}
    void write(const Record& r) override {
        if (!header_written_) {
            std::vector<std::string> header = {
                "input",           "frame", "time", "segment", "start", "end",   "valence",      "arousal",      "aligned_valence",
                "aligned_arousal", "rank",  "id",   "artist",  "track", "album", "song_valence", "song_arousal", "distance"};
            if (options_.explain) header.emplace_back("why");
            header.emplace_back("error");
            for (const std::string& name : options_.emotions) header.push_back("emotion_" + name);
            row(header);
            header_written_ = true;
        }
        std::vector<std::string> position = {r.frame ? std::to_string(r.frame->index) : "", r.frame ? fixed3(r.frame->time) : "",
                                             r.segment ? std::to_string(r.segment->index) : "", r.segment ? fixed3(r.segment->start) : "",
                                             r.segment ? fixed3(r.segment->end) : ""};
        if (r.error) {
            std::vector<std::string> fields = {r.input};
            fields.insert(fields.end(), position.begin(), position.end());
            fields.resize(fields.size() + 12 + (options_.explain ? 1 : 0));
            fields.push_back(*r.error);
            fields.resize(fields.size() + options_.emotions.size());
            row(fields);
        } else {
            const std::string v = fixed4(r.va.valence);
            const std::string a = fixed4(r.va.arousal);
            const std::string av = r.aligned ? fixed4(r.aligned->valence) : "";
            const std::string aa = r.aligned ? fixed4(r.aligned->arousal) : "";
            for (std::size_t rank = 0; rank < r.songs.size(); ++rank) {
                const Song& s = songs_[r.songs[rank].index];
                std::vector<std::string> fields = {r.input};
                fields.insert(fields.end(), position.begin(), position.end());
                for (std::string f : {v, a, av, aa, std::to_string(rank + 1), s.id, s.artist, s.track, s.album, fixed4(s.va.valence),
                                      fixed4(s.va.arousal), fixed4(r.songs[rank].distance)})
                    fields.push_back(std::move(f));
                if (options_.explain) fields.push_back(explain_match(query_of(r), s.va));
                fields.emplace_back();
                append_emotions(r, fields);
                row(fields);
            }
        }
        sink_.flush();
    }
    void finish() override {}

private:
    // One column per name the writer was given, matched by name (a record without emotions, or
    // from another model, leaves them empty).
    void append_emotions(const Record& r, std::vector<std::string>& fields) const {
        for (const std::string& name : options_.emotions) {
            const auto it = std::find_if(r.emotions.begin(), r.emotions.end(), [&name](const EmotionScore& e) { return e.name == name; });
            fields.push_back(it == r.emotions.end() ? std::string() : fixed4(it->probability));
        }
    }
    void row(const std::vector<std::string>& fields) {
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
    RecordWriterOptions options_;
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
    TableWriter(OutputSink& sink, const SongTable& songs, RecordWriterOptions options) : sink_(sink), songs_(songs), options_(options) {}
    void write(const Record& r) override {
        if (!first_) sink_.append("\n");
        first_ = false;
        std::string title = one_line(r.input);
        if (r.frame) title += "  frame " + std::to_string(r.frame->index) + " at " + clock_time(r.frame->time);
        if (r.segment)
            title += "  segment " + std::to_string(r.segment->index + 1) + "  " + clock_time(r.segment->start) + "-" +
                     clock_time(r.segment->end);
        if (r.error) {
            sink_.append(title + "\n  error: " + *r.error + "\n");
            sink_.flush();
            return;
        }
        std::string head = title + "\n  valence " + fixed4(r.va.valence) + "  arousal " + fixed4(r.va.arousal);
        if (r.aligned) head += "  (matched at " + fixed4(r.aligned->valence) + ", " + fixed4(r.aligned->arousal) + ")";
        if (!r.emotions.empty()) head += "\n  feels like " + emotion_words(r.emotions);
        sink_.append(head + "\n");
        for (std::size_t rank = 0; rank < r.songs.size(); ++rank) {
            const Song& s = songs_[r.songs[rank].index];
            char num[32];
            std::snprintf(num, sizeof num, "%4zu. ", rank + 1);
            std::string line = std::string(num) + one_line(s.artist) + " - " + one_line(s.track);
            line += "  [v " + fixed4(s.va.valence).substr(0, 4) + " a " + fixed4(s.va.arousal).substr(0, 4) + "  d " +
                    fixed4(r.songs[rank].distance) + "]";
            sink_.append(line + "\n");
            if (options_.explain) sink_.append("        why: " + explain_match(query_of(r), s.va) + "\n");
        }
        sink_.flush();
    }
    void finish() override {}

private:
    // m:ss.s (h:mm:ss.s past an hour), for people reading video positions.
    static std::string clock_time(double seconds) {
        const auto tenths = static_cast<long long>(std::llround(seconds * 10.0));
        const long long h = tenths / 36000;
        const long long m = tenths / 600 % 60;
        const double s = static_cast<double>(tenths % 600) / 10.0;
        char buf[48];
        if (h > 0)
            std::snprintf(buf, sizeof buf, "%lld:%02lld:%04.1f", h, m, s);
        else
            std::snprintf(buf, sizeof buf, "%lld:%04.1f", m, s);
        return buf;
    }

    OutputSink& sink_;
    const SongTable& songs_;
    RecordWriterOptions options_;
    bool first_ = true;
};

// One line per song, for piping onward: the song id, or its Spotify link.
class SongLineWriter : public RecordWriter {
public:
    SongLineWriter(OutputSink& sink, const SongTable& songs, bool links) : sink_(sink), songs_(songs), links_(links) {}
    void write(const Record& r) override {
        for (const Match& m : r.songs) {
            const Song& s = songs_[m.index];
            const std::string line = links_ ? spotify_track_url(s.spotify_id) : one_line(s.id);
            if (!line.empty()) sink_.append(line + "\n");
        }
        sink_.flush();
    }
    void finish() override {}

private:
    OutputSink& sink_;
    const SongTable& songs_;
    bool links_;
};

}  // namespace

std::string spotify_track_url(const std::string& spotify_id) {
    const bool valid = spotify_id.size() == 22 && std::all_of(spotify_id.begin(), spotify_id.end(), [](char c) {
                           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                       });
    return valid ? "https://open.spotify.com/track/" + spotify_id : std::string();
}

const NameTable<OutputFormat>& output_format_names() {
    static const NameTable<OutputFormat> table("format", {{"table", OutputFormat::Table},
                                                          {"jsonl", OutputFormat::Jsonl},
                                                          {"json", OutputFormat::Json},
                                                          {"csv", OutputFormat::Csv},
                                                          {"tsv", OutputFormat::Tsv},
                                                          {"ids", OutputFormat::Ids},
                                                          {"links", OutputFormat::Links}});
    return table;
}

OutputFormat parse_output_format(const std::string& name) { return output_format_names().parse(name); }

const char* output_format_name(OutputFormat format) { return output_format_names().name(format); }

std::unique_ptr<RecordWriter> make_record_writer(OutputFormat format, OutputSink& sink, const SongTable& songs,
                                                 RecordWriterOptions options) {
    switch (format) {
        case OutputFormat::Table: return std::make_unique<TableWriter>(sink, songs, options);
        case OutputFormat::Jsonl: return std::make_unique<JsonlWriter>(sink, songs, options);
        case OutputFormat::Json: return std::make_unique<JsonWriter>(sink, songs, options);
        case OutputFormat::Csv: return std::make_unique<DelimitedWriter>(sink, songs, ',', options);
        case OutputFormat::Tsv: return std::make_unique<DelimitedWriter>(sink, songs, '\t', options);
        case OutputFormat::Ids: return std::make_unique<SongLineWriter>(sink, songs, false);
        case OutputFormat::Links: return std::make_unique<SongLineWriter>(sink, songs, true);
    }
    return std::make_unique<JsonlWriter>(sink, songs, options);
}

}  // namespace img2music
