#include "img2music/segmentation.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

using namespace img2music;

namespace {

struct Series {
    std::vector<double> times;
    std::vector<VA> va;
};

// Piecewise-constant VA sampled every `step` seconds: plateaus {until_seconds, valence, arousal}.
Series plateaus(std::initializer_list<std::array<double, 3>> parts, double step) {
    Series s;
    double t = 0.0;
    for (const auto& p : parts) {
        for (; t < p[0] - 1e-9; t += step) {
            s.times.push_back(t);
            s.va.push_back(VA{static_cast<float>(p[1]), static_cast<float>(p[2])});
        }
    }
    return s;
}

std::vector<double> cut_times(const Series& s, const std::vector<SampleRange>& ranges) {
    std::vector<double> cuts;
    for (std::size_t i = 1; i < ranges.size(); ++i) cuts.push_back(s.times[ranges[i].begin]);
    return cuts;
}

// The objective segment_by_mood minimises, computed directly.
double objective(const Series& s, double duration, const std::vector<SampleRange>& ranges, const SegmentationOptions& o) {
    double total = 0.0;
    const std::size_t n = s.va.size();
    auto start = [&](std::size_t k) { return k == 0 ? 0.0 : k == n ? duration : s.times[k]; };
    for (const SampleRange& r : ranges) {
        double w = 0, mv = 0, ma = 0;
        for (std::size_t i = r.begin; i < r.end; ++i) {
            const double dt = start(i + 1) - start(i);
            w += dt;
            mv += dt * s.va[i].valence;
            ma += dt * s.va[i].arousal;
        }
        mv /= w;
        ma /= w;
        for (std::size_t i = r.begin; i < r.end; ++i) {
            const double dt = start(i + 1) - start(i);
            total += dt * (std::pow(s.va[i].valence - mv, 2) + std::pow(s.va[i].arousal - ma, 2));
        }
    }
    return total + static_cast<double>(ranges.size() - 1) * std::max(o.min_seconds, 1.0) * o.mood_change * o.mood_change / 2.0;
}

double length(const Series& s, double duration, const SampleRange& r) {
    const double b = r.begin == 0 ? 0.0 : s.times[r.begin];
    const double e = r.end == s.va.size() ? duration : s.times[r.end];
    return e - b;
}

}  // namespace

TEST_CASE("Segmentation: a steady mood is one segment") {
    const Series s = plateaus({{120, 0.6, 0.4}}, 1.0);
    const auto ranges = segment_by_mood(s.times, s.va, 120.0, SegmentationOptions{});
    REQUIRE(ranges.size() == 1);
    CHECK(ranges[0].begin == 0);
    CHECK(ranges[0].end == s.va.size());
}

TEST_CASE("Segmentation: cuts exactly where the mood steps, at any sampling rate") {
    for (const double step : {1.0, 0.5, 2.0}) {
        INFO("sampled every " << step << " s");
        const Series s = plateaus({{40, 0.2, 0.2}, {100, 0.8, 0.7}, {150, 0.5, 0.9}}, step);
        const auto ranges = segment_by_mood(s.times, s.va, 150.0, SegmentationOptions{});
        CHECK(cut_times(s, ranges) == std::vector<double>{40.0, 100.0});
    }
}

TEST_CASE("Segmentation: a change smaller than mood_change between short stretches is not cut") {
    const Series s = plateaus({{20, 0.50, 0.5}, {40, 0.55, 0.5}}, 1.0);
    CHECK(segment_by_mood(s.times, s.va, 40.0, SegmentationOptions{}).size() == 1);
    const Series big = plateaus({{20, 0.30, 0.5}, {40, 0.70, 0.5}}, 1.0);
    CHECK(segment_by_mood(big.times, big.va, 40.0, SegmentationOptions{}).size() == 2);
}

TEST_CASE("Segmentation: no segment shorter than the minimum, except a short video") {
    // A 5-second flash in the middle must not become its own segment.
    const Series s = plateaus({{30, 0.2, 0.2}, {35, 0.9, 0.9}, {70, 0.2, 0.2}}, 1.0);
    for (const auto& r : segment_by_mood(s.times, s.va, 70.0, SegmentationOptions{})) CHECK(length(s, 70.0, r) >= 20.0);

    const Series short_video = plateaus({{5, 0.1, 0.1}, {10, 0.9, 0.9}}, 1.0);
    const auto ranges = segment_by_mood(short_video.times, short_video.va, 10.0, SegmentationOptions{});
    REQUIRE(ranges.size() == 1);
    CHECK(ranges[0].end == short_video.va.size());

    CHECK(segment_by_mood({}, {}, 0.0, SegmentationOptions{}).empty());
}

TEST_CASE("Segmentation: the dynamic programme finds the optimum (against brute force on seeded series)") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    std::uniform_int_distribution<int> plateau_count(1, 4);
    for (int trial = 0; trial < 60; ++trial) {
        // Up to 13 samples, 1 s apart: all 2^12 partitions can be checked.
        Series s;
        const int parts = plateau_count(rng);
        for (int p = 0; p < parts; ++p) {
            const VA level{unit(rng), unit(rng)};
            const int len = 1 + static_cast<int>(rng() % 4);
            for (int i = 0; i < len; ++i) {
                s.times.push_back(static_cast<double>(s.times.size()));
                s.va.push_back(VA{std::clamp(level.valence + 0.05F * (unit(rng) - 0.5F), 0.0F, 1.0F), level.arousal});
            }
        }
        const std::size_t n = s.va.size();
        const double duration = static_cast<double>(n);
        SegmentationOptions o;
        o.min_seconds = 2.0 + static_cast<double>(trial % 3);
        o.mood_change = 0.1 + 0.05 * static_cast<double>(trial % 4);

        double best = std::numeric_limits<double>::infinity();
        bool any_feasible = false;
        for (std::uint32_t mask = 0; mask < (1U << (n - 1)); ++mask) {
            std::vector<SampleRange> ranges;
            std::size_t begin = 0;
            for (std::size_t i = 1; i < n; ++i) {
                if ((mask >> (i - 1)) & 1U) {
                    ranges.push_back({begin, i});
                    begin = i;
                }
            }
            ranges.push_back({begin, n});
            bool feasible = true;
            for (const SampleRange& r : ranges) feasible = feasible && length(s, duration, r) + 1e-9 >= o.min_seconds;
            if (!feasible) continue;
            any_feasible = true;
            best = std::min(best, objective(s, duration, ranges, o));
        }
        const auto found = segment_by_mood(s.times, s.va, duration, o);
        INFO("trial " << trial << ", " << n << " samples");
        if (!any_feasible) {
            CHECK(found.size() == 1);
            continue;
        }
        for (const SampleRange& r : found) CHECK(length(s, duration, r) + 1e-9 >= o.min_seconds);
        CHECK(objective(s, duration, found, o) == Approx(best).margin(1e-9));
    }
}

TEST_CASE("Smoothing: a running median removes a one-frame outlier and keeps a step") {
    Series s = plateaus({{30, 0.2, 0.3}, {60, 0.8, 0.6}}, 1.0);
    s.va[10] = VA{1.0F, 1.0F};  // a flash
    const std::vector<VA> smooth = smooth_va(s.times, s.va, 5.0);
    CHECK(smooth[10].valence == Approx(0.2));
    CHECK(smooth[10].arousal == Approx(0.3));
    CHECK(smooth[27].valence == Approx(0.2));
    CHECK(smooth[32].valence == Approx(0.8));
    CHECK(smooth_va(s.times, s.va, 0.0)[10].valence == Approx(1.0));  // no window: unchanged
}
