// The song catalogue: songs with a (valence, arousal) each. Schema: docs/song-table.md.
//
// CSV (RFC 4180, UTF-8, BOM and CRLF tolerated) or JSON (an array of objects, or
// {"songs": [...]}). Required: artist, track, valence, arousal (numbers in [0, 1]).
// A row that breaks a rule refuses the whole table: ResourceError "file:line: reason".
#pragma once

#include "img2music/types.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace img2music {

struct Song {
    std::string id;  // unique; the 1-based row number when the table has no id column
    std::string spotify_id;
    std::string artist;
    std::string track;
    std::string album;
    std::string genre;
    std::string subgenre;
    std::string va_source;
    std::optional<int> year;
    std::optional<int> popularity;
    VA va;
};

class SongTable {
public:
    SongTable() = default;
    explicit SongTable(std::vector<Song> songs, std::string source = "<memory>");

    // By extension: .json is JSON, anything else CSV.
    static SongTable load(const std::string& path);
    static SongTable parse_csv(std::string_view text, const std::string& source);
    static SongTable parse_json(std::string_view text, const std::string& source);

    std::size_t size() const { return songs_.size(); }
    bool empty() const { return songs_.empty(); }
    const Song& operator[](std::size_t i) const { return songs_[i]; }
    const std::vector<Song>& songs() const { return songs_; }
    const std::string& source() const { return source_; }

private:
    std::vector<Song> songs_;
    std::string source_;
};

// The (valence, arousal) of every song, in table order.
std::vector<VA> points_of(const SongTable& songs);

}  // namespace img2music
