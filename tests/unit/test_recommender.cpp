#include "img2music/recommender.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace img2music;

namespace {

void check_same(const std::vector<Match>& fast, const std::vector<Match>& slow) {
    REQUIRE(fast.size() == slow.size());
    for (std::size_t i = 0; i < fast.size(); ++i) {
        CHECK(fast[i].index == slow[i].index);
        CHECK(fast[i].distance == slow[i].distance);
    }
}

}  // namespace

TEST_CASE("Grid search equals brute force on seeded random data") {
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    std::normal_distribution<float> cluster(0.5F, 0.05F);
    for (const std::size_t n : {1U, 7U, 100U, 5000U, 50000U}) {
        for (const bool clustered : {false, true}) {
            std::vector<VA> points(n);
            for (VA& p : points) {
                p = clustered ? VA{std::clamp(cluster(rng), 0.0F, 1.0F), std::clamp(cluster(rng), 0.0F, 1.0F)} : VA{unit(rng), unit(rng)};
            }
            const Recommender rec(points);
            for (int q = 0; q < 200; ++q) {
                // Queries inside and outside the points' bounding box.
                const VA query{unit(rng) * 1.4F - 0.2F, unit(rng) * 1.4F - 0.2F};
                for (const std::size_t k : {1U, 10U, 64U}) {
                    INFO("n=" << n << " clustered=" << clustered << " k=" << k);
                    check_same(rec.search(query, k), rec.search_brute_force(query, k));
                }
            }
        }
    }
}

TEST_CASE("Ties are broken by table order") {
    // Duplicated points and points on a grid: many exact ties.
    std::vector<VA> points;
    for (int rep = 0; rep < 3; ++rep) {
        for (int i = 0; i < 10; ++i) {
            for (int j = 0; j < 10; ++j) points.push_back(VA{static_cast<float>(i) / 9.0F, static_cast<float>(j) / 9.0F});
        }
    }
    const Recommender rec(points);
    const std::vector<Match> m = rec.search(VA{0.0F, 0.0F}, 3);
    REQUIRE(m.size() == 3);
    CHECK(m[0].index == 0);
    CHECK(m[1].index == 100);
    CHECK(m[2].index == 200);
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> cell(0, 9);
    for (int q = 0; q < 300; ++q) {
        const VA query{static_cast<float>(cell(rng)) / 9.0F, static_cast<float>(cell(rng)) / 9.0F};
        check_same(rec.search(query, 17), rec.search_brute_force(query, 17));
    }
}

TEST_CASE("Filters, k larger than the table, empty index") {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    std::vector<VA> points(2000);
    for (VA& p : points) p = VA{unit(rng), unit(rng)};
    const Recommender rec(points);
    SongFilter allowed(points.size(), false);
    for (std::size_t i = 0; i < points.size(); i += 37) allowed[i] = true;
    for (int q = 0; q < 100; ++q) {
        const VA query{unit(rng), unit(rng)};
        const auto fast = rec.search(query, 10, allowed);
        check_same(fast, rec.search_brute_force(query, 10, allowed));
        for (const Match& m : fast) CHECK(allowed[m.index]);
    }
    CHECK(rec.search(VA{0.5F, 0.5F}, 5000).size() == 2000);
    CHECK(rec.search(VA{0.5F, 0.5F}, 0).empty());
    const Recommender empty(std::vector<VA>{});
    CHECK(empty.search(VA{0.5F, 0.5F}, 3).empty());
}

TEST_CASE("Distances are Euclidean in VA space") {
    const Recommender rec(std::vector<VA>{{0.0F, 0.0F}, {0.3F, 0.4F}});
    const auto m = rec.search(VA{0.0F, 0.0F}, 2);
    CHECK(m[1].index == 1);
    CHECK(m[1].distance == Approx(0.5));
}
