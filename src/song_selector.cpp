#include "img2music/song_selector.hpp"

#include "img2music/alignment.hpp"
#include "img2music/song_table.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace img2music {
namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

float distance(VA a, VA b) { return std::hypot(a.valence - b.valence, a.arousal - b.arousal); }

}  // namespace

bool SongCriteria::empty() const { return genres.empty() && !min_popularity && !year_from && !year_to && exclude_artists.empty(); }

std::string SongCriteria::describe() const {
    std::string out;
    auto add = [&out](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
    if (!genres.empty()) add("genre " + join(genres));
    if (min_popularity) add("popularity at least " + std::to_string(*min_popularity));
    if (year_from || year_to)
        add("year " + (year_from ? std::to_string(*year_from) : std::string()) + "-" +
            (year_to ? std::to_string(*year_to) : std::string()));
    if (!exclude_artists.empty()) add("artist not " + join(exclude_artists));
    return out;
}

SongFilter make_song_filter(const SongTable& songs, const SongCriteria& criteria) {
    std::unordered_set<std::string> genres;
    for (const std::string& g : criteria.genres) genres.insert(lower(g));
    std::unordered_set<std::string> excluded;
    for (const std::string& a : criteria.exclude_artists) excluded.insert(lower(a));
    SongFilter allowed(songs.size(), true);
    for (std::size_t i = 0; i < songs.size(); ++i) {
        const Song& s = songs[i];
        bool ok = true;
        if (!genres.empty()) ok = genres.count(lower(s.genre)) > 0 || genres.count(lower(s.subgenre)) > 0;
        if (ok && criteria.min_popularity) ok = s.popularity && *s.popularity >= *criteria.min_popularity;
        if (ok && criteria.year_from) ok = s.year && *s.year >= *criteria.year_from;
        if (ok && criteria.year_to) ok = s.year && *s.year <= *criteria.year_to;
        if (ok && !excluded.empty()) ok = excluded.count(lower(s.artist)) == 0;
        allowed[i] = ok;
    }
    return allowed;
}

SongSelector::SongSelector(const Recommender& recommender, const SongTable& songs, SelectionOptions options, SongFilter allowed)
    : recommender_(recommender), songs_(songs), options_(options), allowed_(std::move(allowed)) {
    options_.diversity = std::clamp(options_.diversity, 0.0, 1.0);
    allowed_count_ = allowed_.empty() ? songs.size() : static_cast<std::size_t>(std::count(allowed_.begin(), allowed_.end(), true));
    if (options_.one_per_artist) {
        artist_keys_.reserve(songs.size());
        for (const Song& s : songs.songs()) artist_keys_.push_back(lower(s.artist));
    }
}

std::vector<Match> SongSelector::select(VA query, const SongFilter& allowed) const {
    const std::size_t k = options_.top_k;
    if (options_.diversity == 0.0 && !options_.one_per_artist) return recommender_.search(query, k, allowed);

    // Candidates: the nearest allowed songs, widened until the list can be filled or no song is left.
    const std::size_t available =
        allowed.empty() ? recommender_.size() : static_cast<std::size_t>(std::count(allowed.begin(), allowed.end(), true));
    std::size_t pool_size = std::max<std::size_t>(64, 8 * k);
    for (;;) {
        const std::vector<Match> pool = recommender_.search(query, std::min(pool_size, available), allowed);
        std::vector<Match> chosen;
        std::unordered_set<std::string> artists;
        std::vector<bool> used(pool.size(), false);
        while (chosen.size() < k) {
            std::size_t best = pool.size();
            double best_score = -std::numeric_limits<double>::infinity();
            for (std::size_t c = 0; c < pool.size(); ++c) {
                if (used[c]) continue;
                if (options_.one_per_artist && artists.count(artist_keys_[pool[c].index]) > 0) continue;
                double spread = 0.0;
                if (!chosen.empty() && options_.diversity > 0.0) {
                    spread = std::numeric_limits<double>::infinity();
                    const VA here = songs_[pool[c].index].va;
                    for (const Match& m : chosen) spread = std::min(spread, static_cast<double>(distance(here, songs_[m.index].va)));
                }
                const double score = (1.0 - options_.diversity) * -static_cast<double>(pool[c].distance) + options_.diversity * spread;
                // Pool order is (distance, row), so the first of equal scores is the nearer / lower row.
                if (score > best_score) {
                    best_score = score;
                    best = c;
                }
            }
            if (best == pool.size()) break;
            used[best] = true;
            if (options_.one_per_artist) artists.insert(artist_keys_[pool[best].index]);
            chosen.push_back(pool[best]);
        }
        if (chosen.size() == k || pool.size() >= available) return chosen;
        pool_size *= 4;
    }
}

void match_songs(Record& record, const Alignment& alignment, const SongSelector& selector, const SongFilter& allowed) {
    VA query = record.va;
    if (!alignment.is_identity()) {
        query = alignment.apply(record.va);
        record.aligned = query;
    }
    record.songs = selector.select(query, allowed);
}

}  // namespace img2music
