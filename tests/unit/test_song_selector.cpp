#include "img2music/alignment.hpp"
#include "img2music/explain.hpp"
#include "img2music/recommender.hpp"
#include "img2music/song_selector.hpp"
#include "img2music/song_table.hpp"
#include "img2music/soundtrack.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

using namespace img2music;

namespace {

const std::string kData = std::string(IMG2MUSIC_TEST_DATA);

std::set<std::string> artists_of(const SongTable& songs, const std::vector<Match>& list) {
    std::set<std::string> out;
    for (const Match& m : list) out.insert(songs[m.index].artist);
    return out;
}

// Seeded random catalogue: few artists, so one-per-artist has work to do.
SongTable random_table(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    std::vector<Song> songs(n);
    for (std::size_t i = 0; i < n; ++i) {
        songs[i].id = "s" + std::to_string(i);
        songs[i].artist = "Artist " + std::to_string(rng() % 12);
        songs[i].track = "Track " + std::to_string(i);
        songs[i].va = VA{unit(rng), unit(rng)};
    }
    return SongTable(std::move(songs));
}

}  // namespace

TEST_CASE("Filters: each criterion on the small table") {
    const SongTable songs = SongTable::load(kData + "/songs_small.csv");
    auto count = [&](const SongCriteria& c) {
        const SongFilter f = make_song_filter(songs, c);
        REQUIRE(f.size() == songs.size());
        return static_cast<std::size_t>(std::count(f.begin(), f.end(), true));
    };
    auto passes = [&](const SongCriteria& c, const std::function<bool(const Song&)>& expected) {
        const SongFilter f = make_song_filter(songs, c);
        for (std::size_t i = 0; i < songs.size(); ++i) {
            INFO(songs[i].id);
            CHECK(f[i] == expected(songs[i]));
        }
    };
    SongCriteria none;
    CHECK(none.empty());
    CHECK(count(none) == songs.size());

    SongCriteria genre;
    genre.genres = {"POP", "rock"};
    passes(genre, [](const Song& s) { return s.genre == "pop" || s.genre == "rock"; });
    CHECK(count(genre) > 0);
    CHECK(genre.describe() == "genre POP,rock");

    SongCriteria popular;
    popular.min_popularity = 50;
    passes(popular, [](const Song& s) { return s.popularity && *s.popularity >= 50; });

    SongCriteria years;
    years.year_from = 1995;
    years.year_to = 2000;
    passes(years, [](const Song& s) { return s.year && *s.year >= 1995 && *s.year <= 2000; });
    CHECK(years.describe() == "year 1995-2000");

    SongCriteria open_ended;
    open_ended.year_to = 1991;
    passes(open_ended, [](const Song& s) { return s.year && *s.year <= 1991; });

    SongCriteria exclude;
    exclude.exclude_artists = {"neon harbor"};
    passes(exclude, [](const Song& s) { return s.artist != "Neon Harbor"; });
    CHECK(count(exclude) == songs.size() - 1);

    SongCriteria nothing;
    nothing.genres = {"no such genre"};
    CHECK(count(nothing) == 0);
}

TEST_CASE("Selector: filtered lists are the nearest allowed songs (brute force)") {
    const SongTable songs = random_table(3000, 3);
    const Recommender rec(songs);
    SongFilter allowed(songs.size());
    std::mt19937 rng(5);
    for (std::size_t i = 0; i < allowed.size(); ++i) allowed[i] = rng() % 3 == 0;
    SelectionOptions o;
    o.top_k = 10;
    const SongSelector selector(rec, songs, o, allowed);
    for (int q = 0; q < 50; ++q) {
        const VA query{static_cast<float>(rng() % 1000) / 1000.0F, static_cast<float>(rng() % 1000) / 1000.0F};
        const auto got = selector.select(query);
        const auto expected = rec.search_brute_force(query, 10, allowed);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i].index == expected[i].index);
    }
}

TEST_CASE("Selector: one per artist, and diversity spreads the list, deterministically") {
    const SongTable songs = random_table(5000, 11);
    const Recommender rec(songs);
    const VA query{0.5F, 0.5F};
    SelectionOptions plain;
    plain.top_k = 10;
    const auto nearest = SongSelector(rec, songs, plain).select(query);
    CHECK(artists_of(songs, nearest).size() < 10);  // with 12 artists, the 10 nearest repeat some

    SelectionOptions one = plain;
    one.one_per_artist = true;
    const auto unique = SongSelector(rec, songs, one).select(query);
    REQUIRE(unique.size() == 10);
    CHECK(artists_of(songs, unique).size() == 10);
    for (std::size_t i = 1; i < unique.size(); ++i) CHECK(unique[i - 1].distance <= unique[i].distance);

    // More than there are artists: the list stops at one song per artist.
    SelectionOptions many = one;
    many.top_k = 20;
    CHECK(SongSelector(rec, songs, many).select(query).size() == 12);

    auto min_pairwise = [&](const std::vector<Match>& list) {
        float best = 10.0F;
        for (std::size_t i = 0; i < list.size(); ++i)
            for (std::size_t j = i + 1; j < list.size(); ++j)
                best = std::min(best, std::hypot(songs[list[i].index].va.valence - songs[list[j].index].va.valence,
                                                 songs[list[i].index].va.arousal - songs[list[j].index].va.arousal));
        return best;
    };
    auto mean_distance = [](const std::vector<Match>& list) {
        double sum = 0;
        for (const Match& m : list) sum += m.distance;
        return sum / static_cast<double>(list.size());
    };
    SelectionOptions varied = plain;
    varied.diversity = 0.7;
    const auto spread = SongSelector(rec, songs, varied).select(query);
    REQUIRE(spread.size() == 10);
    CHECK(spread[0].index == nearest[0].index);  // the first pick is always the nearest
    CHECK(min_pairwise(spread) > min_pairwise(nearest));
    CHECK(mean_distance(spread) > mean_distance(nearest));  // the price: further from the query
    CHECK(SongSelector(rec, songs, varied).select(query)[5].index == spread[5].index);

    SelectionOptions zero = plain;
    zero.diversity = 0.0;
    const auto same = SongSelector(rec, songs, zero).select(query);
    for (std::size_t i = 0; i < 10; ++i) CHECK(same[i].index == nearest[i].index);
}

TEST_CASE("Soundtrack: no song repeats across segments, each list the nearest of what is left") {
    const SongTable songs = random_table(400, 2);
    const Recommender rec(songs);
    SelectionOptions o;
    o.top_k = 15;
    const SongSelector selector(rec, songs, o);
    std::vector<TimedVA> timeline;
    // Four 30-second moods; the 2nd and 4th are the same, so they compete for the same songs.
    const VA moods[] = {{0.2F, 0.2F}, {0.8F, 0.8F}, {0.2F, 0.8F}, {0.8F, 0.8F}};
    for (std::size_t i = 0; i < 120; ++i) timeline.push_back(TimedVA{FramePosition{i * 24, static_cast<double>(i)}, moods[i / 30], {}});
    const Soundtrack st = make_soundtrack("v.mp4", 120.0, timeline, selector, Alignment(), SegmentationOptions{});
    REQUIRE(st.segments.size() == 4);
    std::set<std::size_t> used;
    SongFilter left(songs.size(), true);
    for (std::size_t j = 0; j < st.segments.size(); ++j) {
        const Record& r = st.segments[j];
        REQUIRE(r.segment);
        CHECK(r.segment->index == j);
        CHECK(r.segment->start == Approx(30.0 * static_cast<double>(j)));
        CHECK(r.segment->end == Approx(30.0 * static_cast<double>(j + 1)));
        CHECK(r.va.valence == Approx(moods[j].valence));
        CHECK(r.songs.size() == 15);
        const auto expected = rec.search_brute_force(r.va, 15, left);
        for (std::size_t i = 0; i < r.songs.size(); ++i) {
            CHECK(r.songs[i].index == expected[i].index);
            CHECK(used.insert(r.songs[i].index).second);
            left[r.songs[i].index] = false;
        }
    }
    CHECK(st.timeline.size() == 120);
    CHECK(st.duration == 120.0);
}

TEST_CASE("Explanations: mood words and a sentence consistent with the distance") {
    CHECK(mood_words(VA{0.8F, 0.2F}) == "calm and pleasant");
    CHECK(mood_words(VA{0.1F, 0.9F}) == "energetic and unpleasant");
    CHECK(mood_words(VA{0.5F, 0.5F}) == "moderate and neutral");

    CHECK(explain_match(VA{0.8F, 0.2F}, VA{0.82F, 0.28F}) ==
          "both calm and pleasant; the song is slightly more energetic (distance 0.082, mostly arousal)");
    CHECK(explain_match(VA{0.7F, 0.7F}, VA{0.3F, 0.75F}) ==
          "image energetic and pleasant, song energetic and unpleasant; the song is much less pleasant and slightly more energetic "
          "(distance 0.403, mostly valence)");
    CHECK(explain_match(VA{0.5F, 0.5F}, VA{0.51F, 0.5F}).rfind("both moderate and neutral; a close match", 0) == 0);

    std::mt19937 rng(1);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    for (int i = 0; i < 200; ++i) {
        const VA a{unit(rng), unit(rng)};
        const VA b{unit(rng), unit(rng)};
        const std::string why = explain_match(a, b);
        const auto at = why.find("(distance ");
        REQUIRE(at != std::string::npos);
        CHECK(std::stod(why.substr(at + 10)) == Approx(std::hypot(a.valence - b.valence, a.arousal - b.arousal)).margin(6e-4));
    }
}
