// Choosing the songs for a point: which songs may be picked (filters) and how the nearest
// candidates become the list (plain nearest, one per artist, or MMR-style variety).
//
// Filters (SongCriteria) are fixed for a run and become a SongFilter over the table's rows.
// A song with no genre, year or popularity never passes a filter on that field.
//
// Diversity (lambda in [0, 1]) is Maximal Marginal Relevance over the nearest candidates:
// songs are taken one at a time, each maximising
//     (1 - lambda) * (-distance to the query) + lambda * (distance to the closest song taken)
// so lambda = 0 is plain nearest-first and larger lambdas spread the list over the plane. The
// candidates are the nearest max(64, 8k) allowed songs. Ties go to the lower table row, so the
// same inputs always give the same list.
#pragma once

#include "img2music/recommender.hpp"
#include "img2music/record.hpp"
#include "img2music/types.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace img2music {

class SongTable;
class Alignment;

struct SongCriteria {
    std::vector<std::string> genres;           // any of these, case-insensitive, against genre or subgenre
    std::optional<int> min_popularity;         // popularity >= this (0..100)
    std::optional<int> year_from;              // year >= this
    std::optional<int> year_to;                // year <= this
    std::vector<std::string> exclude_artists;  // case-insensitive exact artist names

    bool empty() const;
    // "genre rock, year 1990-1999", for messages.
    std::string describe() const;
};

// allowed[i] == criteria accepts songs[i]; size songs.size().
SongFilter make_song_filter(const SongTable& songs, const SongCriteria& criteria);

struct SelectionOptions {
    std::size_t top_k = 10;
    double diversity = 0.0;       // lambda, see above
    bool one_per_artist = false;  // at most one song by each artist in a list
};

class SongSelector {
public:
    // Keeps references: both must outlive the selector.
    SongSelector(const Recommender& recommender, const SongTable& songs, SelectionOptions options, SongFilter allowed = {});

    // The list for `query`, best first (Match::distance is always the distance to the query).
    std::vector<Match> select(VA query) const { return select(query, allowed_); }
    // The same with another filter (e.g. the run's filter minus songs already used).
    std::vector<Match> select(VA query, const SongFilter& allowed) const;

    const SongFilter& allowed() const { return allowed_; }
    std::size_t allowed_count() const { return allowed_count_; }
    const SelectionOptions& options() const { return options_; }

private:
    const Recommender& recommender_;
    const SongTable& songs_;
    SelectionOptions options_;
    SongFilter allowed_;
    std::size_t allowed_count_ = 0;
    std::vector<std::string> artist_keys_;  // lower-cased artist per row, for one_per_artist
};

// The one way a record's point becomes its songs: `aligned` = alignment.apply(record.va) unless
// the alignment is the identity, then `songs` = the selector's list for that point among `allowed`.
void match_songs(Record& record, const Alignment& alignment, const SongSelector& selector, const SongFilter& allowed);

}  // namespace img2music
