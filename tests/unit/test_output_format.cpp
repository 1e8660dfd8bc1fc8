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
          "input,valence,arousal,aligned_valence,aligned_arousal,rank,id,artist,track,album,song_valence,song_arousal,distance,error\n"
          "a.jpg,0.2500,0.5000,0.3000,0.6000,1,s1,\"A, B\",\"Say \"\"x\"\"\",Al\tbum,0.1000,0.2000,0.1250,\n"
          "a.jpg,0.2500,0.5000,0.3000,0.6000,2,s2,C,D,,0.9000,0.8000,0.7500,\n"
          "b.jpg,,,,,,,,,,,,,\"not a supported image, or corrupt\"\n");
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

TEST_CASE("Format names") {
    CHECK(parse_output_format("tsv") == OutputFormat::Tsv);
    CHECK_THROWS_AS(parse_output_format("xml"), Error);
}
