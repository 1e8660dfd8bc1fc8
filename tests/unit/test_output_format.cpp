#include "img2music/error.hpp"
#include "img2music/output_format.hpp"
#include "img2music/output_sink.hpp"
#include "img2music/song_table.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace img2music;

namespace {

SongTable two_songs() {
    return SongTable::parse_csv(
        "id,artist,track,album,valence,arousal\ns1,\"A, B\",\"Say \"\"x\"\"\",\"Al\tbum\",0.1,0.2\ns2,C,D,,0.9,0.8\n", "t.csv");
}

std::vector<Record> records() {
    Record ok;
    ok.input = "a.jpg";
    ok.va = VA{0.25F, 0.5F};
    ok.aligned = VA{0.3F, 0.6F};
    ok.songs = {Match{0, 0.125F}, Match{1, 0.75F}};
    Record bad;
    bad.input = "b.jpg";
    bad.error = "not a supported image, or corrupt";
    return {ok, bad};
}

std::string format(OutputFormat f) {
    const SongTable songs = two_songs();
    StringSink sink;
    auto writer = make_record_writer(f, sink, songs);
    for (const Record& r : records()) writer->write(r);
    writer->finish();
    return sink.str();
}

}  // namespace

TEST_CASE("JSONL: one object per input, errors in place") {
    CHECK(format(OutputFormat::Jsonl) ==
          R"({"input":"a.jpg","valence":0.25,"arousal":0.5,"aligned_valence":0.3,"aligned_arousal":0.6,"songs":[)"
          R"({"rank":1,"id":"s1","artist":"A, B","track":"Say \"x\"","album":"Al\tbum","valence":0.1,"arousal":0.2,"distance":0.125},)"
          R"({"rank":2,"id":"s2","artist":"C","track":"D","album":"","valence":0.9,"arousal":0.8,"distance":0.75}]})"
          "\n"
          R"({"input":"b.jpg","error":"not a supported image, or corrupt"})"
          "\n");
}

TEST_CASE("JSON: one array with the same records") {
    const auto doc = nlohmann::json::parse(format(OutputFormat::Json));
    REQUIRE(doc.is_array());
    REQUIRE(doc.size() == 2);
    CHECK(doc[0]["songs"][1]["id"] == "s2");
    CHECK(doc[1]["error"] == "not a supported image, or corrupt");
    const SongTable songs = two_songs();
    StringSink empty;
    make_record_writer(OutputFormat::Json, empty, songs)->finish();
    CHECK(empty.str() == "[]\n");
}

TEST_CASE("CSV: header, one row per (input, rank), RFC 4180 quoting") {
    CHECK(format(OutputFormat::Csv) ==
          "input,frame,time,segment,start,end,valence,arousal,aligned_valence,aligned_arousal,rank,id,artist,track,album,"
          "song_valence,song_arousal,distance,error\n"
          "a.jpg,,,,,,0.2500,0.5000,0.3000,0.6000,1,s1,\"A, B\",\"Say \"\"x\"\"\",Al\tbum,0.1000,0.2000,0.1250,\n"
          "a.jpg,,,,,,0.2500,0.5000,0.3000,0.6000,2,s2,C,D,,0.9000,0.8000,0.7500,\n"
          "b.jpg,,,,,,,,,,,,,,,,,,\"not a supported image, or corrupt\"\n");
}

TEST_CASE("TSV: tabs inside fields become spaces") {
    const std::string tsv = format(OutputFormat::Tsv);
    CHECK(tsv.find("A, B\tSay \"x\"\tAl bum\t") != std::string::npos);
}

TEST_CASE("Table: readable blocks") {
    const std::string t = format(OutputFormat::Table);
    CHECK(t.find("a.jpg\n  valence 0.2500  arousal 0.5000  (matched at 0.3000, 0.6000)\n") == 0);
    CHECK(t.find("   1. A, B - Say \"x\"") != std::string::npos);
    CHECK(t.find("b.jpg\n  error: not a supported image, or corrupt\n") != std::string::npos);
}

TEST_CASE("Frames and segments carry their positions in every format") {
    const SongTable songs = two_songs();
    Record frame;
    frame.input = "v.mp4";
    frame.frame = FramePosition{48, 2.0};
    frame.va = VA{0.5F, 0.5F};
    frame.songs = {Match{1, 0.5F}};
    Record segment = frame;
    segment.frame.reset();
    segment.segment = SegmentPosition{1, 20.0, 61.5};
    for (const OutputFormat f : {OutputFormat::Jsonl, OutputFormat::Csv, OutputFormat::Table}) {
        StringSink sink;
        auto writer = make_record_writer(f, sink, songs);
        writer->write(frame);
        writer->write(segment);
        writer->finish();
        const std::string out = sink.str();
        INFO(out);
        if (f == OutputFormat::Jsonl) {
            const auto first = nlohmann::json::parse(out.substr(0, out.find('\n')));
            CHECK(first["frame"] == 48);
            CHECK(first["time"] == 2.0);
            CHECK_FALSE(first.contains("segment"));
            const auto second = nlohmann::json::parse(out.substr(out.find('\n') + 1));
            CHECK(second["segment"] == 1);
            CHECK(second["start"] == 20.0);
            CHECK(second["end"] == 61.5);
            CHECK_FALSE(second.contains("frame"));
        } else if (f == OutputFormat::Csv) {
            CHECK(out.find("\nv.mp4,48,2.000,,,,0.5000,") != std::string::npos);
            CHECK(out.find("\nv.mp4,,,1,20.000,61.500,0.5000,") != std::string::npos);
        } else {
            CHECK(out.find("v.mp4  frame 48 at 0:02.0\n") == 0);
            CHECK(out.find("v.mp4  segment 2  0:20.0-1:01.5\n") != std::string::npos);
        }
    }
}

TEST_CASE("Explanations in records: each song gets a why consistent with its distance") {
    const SongTable songs = two_songs();
    RecordWriterOptions explain;
    explain.explain = true;
    StringSink jsonl;
    auto writer = make_record_writer(OutputFormat::Jsonl, jsonl, songs, explain);
    writer->write(records()[0]);
    const auto doc = nlohmann::json::parse(jsonl.str());
    // Matched at the aligned point (0.3, 0.6); s1 is (0.1, 0.2).
    CHECK(doc["songs"][0]["why"] ==
          "image moderate and unpleasant, song calm and unpleasant; the song is much less energetic and "
          "much less pleasant (distance 0.447, mostly arousal)");
    StringSink table;
    make_record_writer(OutputFormat::Table, table, songs, explain)->write(records()[0]);
    CHECK(table.str().find("        why: image moderate and unpleasant") != std::string::npos);
    StringSink csv;
    make_record_writer(OutputFormat::Csv, csv, songs, explain)->write(records()[0]);
    CHECK(csv.str().find(",distance,why,error\n") != std::string::npos);
    StringSink plain;
    make_record_writer(OutputFormat::Jsonl, plain, songs)->write(records()[0]);
    CHECK(plain.str().find("why") == std::string::npos);
}

TEST_CASE("ids and links: one song per line for piping onward") {
    const SongTable songs = SongTable::parse_csv(
        "id,spotify_id,artist,track,valence,arousal\ns1,4uLU6hMCjMI75M1A2tKUQC,A,B,0.1,0.2\ns2,,C,D,0.9,0.8\ns3,,E,F,0.5,0.5\n", "t.csv");
    Record r;
    r.input = "a.jpg";
    r.songs = {Match{0, 0.1F}, Match{1, 0.2F}, Match{2, 0.3F}};
    StringSink ids;
    make_record_writer(OutputFormat::Ids, ids, songs)->write(r);
    CHECK(ids.str() == "s1\ns2\ns3\n");
    StringSink links;
    make_record_writer(OutputFormat::Links, links, songs)->write(r);
    CHECK(links.str() == "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC\n");
    CHECK(spotify_track_url("short").empty());
}

TEST_CASE("Format names: every format has one name, and it parses back") {
    const std::vector<std::pair<OutputFormat, std::string>> all = {
        {OutputFormat::Table, "table"}, {OutputFormat::Jsonl, "jsonl"}, {OutputFormat::Json, "json"},  {OutputFormat::Csv, "csv"},
        {OutputFormat::Tsv, "tsv"},     {OutputFormat::Ids, "ids"},     {OutputFormat::Links, "links"}};
    REQUIRE(output_format_names().entries().size() == all.size());
    for (const auto& [format, name] : all) {
        CHECK(output_format_name(format) == name);
        CHECK(parse_output_format(name) == format);
    }
    CHECK(output_format_names().list(" ") == "table jsonl json csv tsv ids links");
    CHECK_THROWS_WITH(parse_output_format("xml"), "unknown format 'xml' (expected table, jsonl, json, csv, tsv, ids or links)");
    CHECK_THROWS_AS(parse_output_format("JSON"), Error);  // names are exact
}
