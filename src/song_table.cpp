#include "img2music/song_table.hpp"

#include "csv_reader.hpp"
#include "file_util.hpp"
#include "img2music/error.hpp"
#include "utf8.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <utility>

namespace img2music {
namespace {

// Columns the loader understands; anything else in a table is ignored.
enum Column {
    kId,
    kSpotifyId,
    kArtist,
    kTrack,
    kAlbum,
    kGenre,
    kSubgenre,
    kYear,
    kPopularity,
    kValence,
    kArousal,
    kVaSource,
    kColumnCount
};
constexpr std::array<const char*, kColumnCount> kColumnNames = {"id",       "spotify_id", "artist",     "track",   "album",   "genre",
                                                                "subgenre", "year",       "popularity", "valence", "arousal", "va_source"};
constexpr std::array<Column, 4> kRequired = {kArtist, kTrack, kValence, kArousal};

// One row's raw text per known column (absent columns stay nullptr).
using RawRow = std::array<const std::string*, kColumnCount>;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    return s;
}

float parse_unit_interval(std::string_view text, const char* column) {
    const std::string_view t = trim(text);
    if (t.empty()) throw Error(std::string(column) + " is empty");
    double value = 0.0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc() || end != t.data() + t.size()) throw Error(std::string(column) + " is not a number: '" + std::string(t) + "'");
    if (!std::isfinite(value)) throw Error(std::string(column) + " is not finite: '" + std::string(t) + "'");
    if (value < 0.0 || value > 1.0) throw Error(std::string(column) + " " + std::string(t) + " is outside [0, 1]");
    return static_cast<float>(value);
}

std::optional<int> parse_optional_int(std::string_view text, const char* column, int lo, int hi) {
    const std::string_view t = trim(text);
    if (t.empty()) return std::nullopt;
    // Tables exported by pandas write integers with missing values as floats ("1999.0").
    double value = 0.0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(value) || value != std::floor(value)) {
        throw Error(std::string(column) + " is not an integer: '" + std::string(t) + "'");
    }
    if (value < lo || value > hi)
        throw Error(std::string(column) + " " + std::string(t) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<int>(value);
}

bool is_spotify_id(const std::string& s) {
    if (s.size() != 22) return false;
    for (char c : s) {
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum) return false;
    }
    return true;
}

// Validates one row and turns it into a Song; throws Error with the reason (no location).
Song make_song(const RawRow& raw, std::size_t row_number) {
    for (std::size_t c = 0; c < kColumnCount; ++c) {
        if (raw[c] != nullptr && !is_valid_utf8(*raw[c])) throw Error(std::string(kColumnNames[c]) + " is not valid UTF-8");
    }
    auto text = [&](Column c) { return raw[c] != nullptr ? trim(*raw[c]) : std::string_view(); };
    Song song;
    song.id = text(kId);
    if (raw[kId] != nullptr && song.id.empty()) throw Error("id is empty");
    if (raw[kId] == nullptr) song.id = std::to_string(row_number);
    song.spotify_id = text(kSpotifyId);
    if (!song.spotify_id.empty() && !is_spotify_id(song.spotify_id))
        throw Error("spotify_id '" + song.spotify_id + "' is not a 22-character Spotify id");
    song.artist = text(kArtist);
    if (song.artist.empty()) throw Error("artist is empty");
    song.track = text(kTrack);
    if (song.track.empty()) throw Error("track is empty");
    song.album = text(kAlbum);
    song.genre = text(kGenre);
    song.subgenre = text(kSubgenre);
    song.va_source = text(kVaSource);
    song.va.valence = parse_unit_interval(*raw[kValence], "valence");
    song.va.arousal = parse_unit_interval(*raw[kArousal], "arousal");
    if (raw[kYear] != nullptr) song.year = parse_optional_int(*raw[kYear], "year", 0, 9999);
    if (raw[kPopularity] != nullptr) song.popularity = parse_optional_int(*raw[kPopularity], "popularity", 0, 100);
    return song;
}

// Throws on duplicate ids, naming the first repeated row and where its id first appeared.
// Sorting (hash, row) pairs beats a hash map of a million nodes by a wide margin.
void check_unique_ids(const std::vector<Song>& songs, const std::vector<std::size_t>& where, const std::string& source, const char* unit) {
    std::vector<std::pair<std::size_t, std::size_t>> keyed(songs.size());
    const std::hash<std::string_view> hash;
    for (std::size_t i = 0; i < songs.size(); ++i) keyed[i] = {hash(songs[i].id), i};
    std::sort(keyed.begin(), keyed.end());
    std::size_t repeat = songs.size();
    std::size_t original = 0;
    for (std::size_t g = 0; g < keyed.size();) {
        std::size_t end = g + 1;
        while (end < keyed.size() && keyed[end].first == keyed[g].first) ++end;
        // Within a group rows ascend; compare each with the earlier ones (groups are tiny).
        for (std::size_t j = g + 1; j < end; ++j) {
            for (std::size_t i = g; i < j; ++i) {
                if (songs[keyed[i].second].id == songs[keyed[j].second].id && keyed[j].second < repeat) {
                    repeat = keyed[j].second;
                    original = keyed[i].second;
                    break;
                }
            }
        }
        g = end;
    }
    if (repeat < songs.size()) {
        throw ResourceError(source + ":" + std::string(unit) + std::to_string(where[repeat]),
                            "duplicate id '" + songs[repeat].id + "' (first at " + unit + std::to_string(where[original]) + ")");
    }
}

}  // namespace

SongTable::SongTable(std::vector<Song> songs, std::string source) : songs_(std::move(songs)), source_(std::move(source)) {}

SongTable SongTable::load(const std::string& path) {
    const std::string text = read_file_or_throw_resource(path);
    return lower_extension(path) == ".json" ? parse_json(text, path) : parse_csv(text, path);
}

SongTable SongTable::parse_csv(std::string_view text, const std::string& source) {
    std::array<int, kColumnCount> position{};
    position.fill(-1);
    std::size_t header_fields = 0;
    bool have_header = false;
    std::vector<Song> songs;
    std::vector<std::size_t> lines;
    const auto rows = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    songs.reserve(rows);
    lines.reserve(rows);

    read_csv_records(text, source, ',', [&](const std::vector<std::string>& fields, std::size_t count, std::size_t line) {
        const auto where = [&] { return source + ":" + std::to_string(line); };
        if (!have_header) {
            have_header = true;
            header_fields = count;
            for (std::size_t i = 0; i < count; ++i) {
                const std::string name = lower(std::string(trim(fields[i])));
                for (std::size_t c = 0; c < kColumnCount; ++c) {
                    if (name != kColumnNames[c]) continue;
                    if (position[c] >= 0) throw ResourceError(where(), "column '" + name + "' appears twice in the header");
                    position[c] = static_cast<int>(i);
                }
            }
            for (Column c : kRequired) {
                if (position[c] < 0) throw ResourceError(where(), std::string("missing required column '") + kColumnNames[c] + "'");
            }
            return;
        }
        if (count != header_fields) {
            throw ResourceError(where(),
                                "expected " + std::to_string(header_fields) + " fields as in the header, found " + std::to_string(count));
        }
        RawRow raw{};
        for (std::size_t c = 0; c < kColumnCount; ++c) raw[c] = position[c] >= 0 ? &fields[static_cast<std::size_t>(position[c])] : nullptr;
        try {
            songs.push_back(make_song(raw, songs.size() + 1));
        } catch (const ResourceError&) {
            throw;
        } catch (const Error& e) {
            throw ResourceError(where(), e.what());
        }
        lines.push_back(line);
    });
    if (!have_header) throw ResourceError(source, "empty song table (no header)");
    if (songs.empty()) throw ResourceError(source, "song table has a header but no songs");
    check_unique_ids(songs, lines, source, "");
    return SongTable(std::move(songs), source);
}

SongTable SongTable::parse_json(std::string_view text, const std::string& source) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        throw ResourceError(source, "invalid JSON: " + first_line(e.what()));
    }
    const nlohmann::json* list = &doc;
    if (doc.is_object() && doc.contains("songs")) list = &doc["songs"];
    if (!list->is_array()) throw ResourceError(source, "expected a JSON array of songs or {\"songs\": [...]}");
    if (list->empty()) throw ResourceError(source, "song table has no songs");

    std::vector<Song> songs;
    std::vector<std::size_t> numbers;
    songs.reserve(list->size());
    std::array<std::string, kColumnCount> values;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string where = source + ": song #" + std::to_string(i + 1);
        const nlohmann::json& item = (*list)[i];
        if (!item.is_object()) throw ResourceError(where, "expected an object");
        RawRow raw{};
        for (std::size_t c = 0; c < kColumnCount; ++c) {
            const auto it = item.find(kColumnNames[c]);
            if (it == item.end() || it->is_null()) continue;
            if (it->is_string()) {
                values[c] = it->get<std::string>();
            } else if (it->is_number()) {
                values[c] = it->dump();
            } else {
                throw ResourceError(where, std::string(kColumnNames[c]) + " must be a string or a number");
            }
            raw[c] = &values[c];
        }
        for (Column c : kRequired) {
            if (raw[c] == nullptr) throw ResourceError(where, std::string("missing required field '") + kColumnNames[c] + "'");
        }
        try {
            songs.push_back(make_song(raw, i + 1));
        } catch (const Error& e) {
            throw ResourceError(where, e.what());
        }
        numbers.push_back(i + 1);
    }
    check_unique_ids(songs, numbers, source, " song #");
    return SongTable(std::move(songs), source);
}

std::vector<VA> points_of(const SongTable& songs) {
    std::vector<VA> points;
    points.reserve(songs.size());
    for (const Song& s : songs.songs()) points.push_back(s.va);
    return points;
}

}  // namespace img2music
