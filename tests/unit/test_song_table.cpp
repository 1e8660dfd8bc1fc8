#include "img2music/error.hpp"
#include "img2music/song_table.hpp"

#include <catch2/catch.hpp>

using namespace img2music;

namespace {

const char* kHeader = "id,artist,track,valence,arousal\n";

std::string error_of(const std::string& text, bool json = false) {
    try {
        if (json) {
            SongTable::parse_json(text, "t.json");
        } else {
            SongTable::parse_csv(text, "t.csv");
        }
    } catch (const ResourceError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("CSV song table: basic rows, optional columns, ignored extras") {
    const SongTable t = SongTable::parse_csv(
        "id,spotify_id,artist,track,album,genre,subgenre,year,popularity,valence,arousal,va_source,extra\n"
        "a1,4uLU6hMCjMI75M1A2tKUQC,Artist,Song,Album,pop,dance pop,1999,55,0.25,0.75,spotify,x\n"
        "a2,,Other,Tune,,,,,,1,0,,y\n",
        "t.csv");
    REQUIRE(t.size() == 2);
    CHECK(t[0].id == "a1");
    CHECK(t[0].spotify_id == "4uLU6hMCjMI75M1A2tKUQC");
    CHECK(t[0].year == 1999);
    CHECK(t[0].popularity == 55);
    CHECK(t[0].va.valence == Approx(0.25));
    CHECK(t[0].va.arousal == Approx(0.75));
    CHECK_FALSE(t[1].year.has_value());
    CHECK(t[1].va.valence == 1.0F);
}

TEST_CASE("CSV song table: RFC 4180 quoting, BOM, CRLF, UTF-8") {
    const SongTable t = SongTable::parse_csv(
        "\xEF\xBB\xBFid,artist,track,valence,arousal\r\n"
        "1,\"Crosby, Stills\",\"Say \"\"Hi\"\"\",0.5,0.5\r\n"
        "2,Sigur R\xC3\xB3s,\"two\nlines\",0.1,0.2\r\n",
        "t.csv");
    REQUIRE(t.size() == 2);
    CHECK(t[0].artist == "Crosby, Stills");
    CHECK(t[0].track == "Say \"Hi\"");
    CHECK(t[1].artist == "Sigur R\xC3\xB3s");
    CHECK(t[1].track == "two\nlines");
}

TEST_CASE("CSV song table: no id column numbers the rows") {
    const SongTable t = SongTable::parse_csv("artist,track,valence,arousal\nA,B,0.1,0.1\nC,D,0.2,0.2\n", "t.csv");
    CHECK(t[0].id == "1");
    CHECK(t[1].id == "2");
}

TEST_CASE("CSV song table: bad tables are refused with file:line: reason") {
    CHECK(error_of("") == "t.csv: empty song table (no header)");
    CHECK(error_of(kHeader) == "t.csv: song table has a header but no songs");
    CHECK(error_of("id,artist,track,valence\n1,a,b,0.5\n") == "t.csv:1: missing required column 'arousal'");
    CHECK(error_of(std::string(kHeader) + "1,a,b,high,0.5\n") == "t.csv:2: valence is not a number: 'high'");
    CHECK(error_of(std::string(kHeader) + "1,a,b,nan,0.5\n") == "t.csv:2: valence is not finite: 'nan'");
    CHECK(error_of(std::string(kHeader) + "1,a,b,0.5,inf\n") == "t.csv:2: arousal is not finite: 'inf'");
    CHECK(error_of(std::string(kHeader) + "1,a,b,0.5,1.5\n") == "t.csv:2: arousal 1.5 is outside [0, 1]");
    CHECK(error_of(std::string(kHeader) + "1,a,b,-0.1,0.5\n") == "t.csv:2: valence -0.1 is outside [0, 1]");
    CHECK(error_of(std::string(kHeader) + "1,a,b,,0.5\n") == "t.csv:2: valence is empty");
    CHECK(error_of(std::string(kHeader) + "1,,b,0.5,0.5\n") == "t.csv:2: artist is empty");
    CHECK(error_of(std::string(kHeader) + "1,a,b,0.5\n") == "t.csv:2: expected 5 fields as in the header, found 4");
    CHECK(error_of(std::string(kHeader) + "1,a,b,0.5,0.5\n1,c,d,0.5,0.5\n") == "t.csv:3: duplicate id '1' (first at 2)");
    CHECK(error_of(std::string(kHeader) + "1,a,\"open,0.5,0.5\n") == "t.csv:2: unterminated quoted field");
    CHECK(error_of(std::string(kHeader) + "1,a,b\"c,0.5,0.5\n").rfind("t.csv:2: malformed CSV", 0) == 0);
    CHECK(error_of(std::string(kHeader) + "1,a,\xFF\xFE,0.5,0.5\n") == "t.csv:2: track is not valid UTF-8");
    CHECK(error_of("id,spotify_id,artist,track,valence,arousal\n1,nope,a,b,0.5,0.5\n") ==
          "t.csv:2: spotify_id 'nope' is not a 22-character Spotify id");
    CHECK(error_of("id,artist,track,valence,arousal,year\n1,a,b,0.5,0.5,19x9\n") == "t.csv:2: year is not an integer: '19x9'");
}

TEST_CASE("CSV song table: the line of an error counts quoted newlines") {
    CHECK(error_of(std::string(kHeader) + "1,a,\"x\ny\",0.5,0.5\n2,a,b,0.5,9\n") == "t.csv:4: arousal 9 is outside [0, 1]");
}

TEST_CASE("JSON song table: array or {songs: [...]}, numbers or strings") {
    const SongTable a =
        SongTable::parse_json(R"([{"id":"x","artist":"A","track":"T","valence":0.5,"arousal":"0.25","year":2001}])", "t.json");
    REQUIRE(a.size() == 1);
    CHECK(a[0].va.arousal == Approx(0.25));
    CHECK(a[0].year == 2001);
    const SongTable b = SongTable::parse_json(R"({"songs":[{"artist":"A","track":"T","valence":0,"arousal":1}]})", "t.json");
    CHECK(b[0].id == "1");
}

TEST_CASE("JSON song table: errors name the song") {
    CHECK(error_of("{", true).rfind("t.json: invalid JSON:", 0) == 0);
    CHECK(error_of("[]", true) == "t.json: song table has no songs");
    CHECK(error_of("{\"a\":1}", true) == "t.json: expected a JSON array of songs or {\"songs\": [...]}");
    CHECK(error_of(R"([{"artist":"A","track":"T","valence":0.5}])", true) == "t.json: song #1: missing required field 'arousal'");
    CHECK(error_of(R"([{"artist":"A","track":"T","valence":2,"arousal":0}])", true) == "t.json: song #1: valence 2 is outside [0, 1]");
    CHECK(error_of(R"([{"artist":"A","track":["T"],"valence":0,"arousal":0}])", true) ==
          "t.json: song #1: track must be a string or a number");
}

TEST_CASE("Song table files: missing file and directory are refused") {
    CHECK_THROWS_WITH(SongTable::load("/nonexistent/songs.csv"), "/nonexistent/songs.csv: No such file or directory");
    CHECK_THROWS_WITH(SongTable::load("/tmp"), "/tmp: is a directory");
}
