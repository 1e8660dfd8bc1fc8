#include "img2music/alignment.hpp"
#include "img2music/request.hpp"
#include "img2music/video.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include <vector>

using namespace img2music;

TEST_CASE("Request: the defaults are valid, and each rule names its field and the fact") {
    CHECK_NOTHROW(validate(Request{}));
    auto field_of = [](const Request& r) {
        try {
            validate(r);
        } catch (const RequestError& e) {
            return std::string(request_field_names().name(e.field()));
        }
        return std::string("valid");
    };
    Request r;
    r.top_k = 0;
    CHECK(field_of(r) == "top_k");
    CHECK_THROWS_WITH(validate(r), "top_k 0: a list needs at least one song");
    r = Request{};
    r.diversity = 1.5;
    CHECK(field_of(r) == "diversity");
    r = Request{};
    r.songs.min_popularity = 101;
    CHECK(field_of(r) == "popularity");
    r = Request{};
    r.songs.year_from = 2000;
    r.songs.year_to = 1990;
    CHECK(field_of(r) == "years");
    r = Request{};
    r.video.every = 0;
    CHECK(field_of(r) == "every");
    r = Request{};
    r.video.fps = -1;
    CHECK(field_of(r) == "fps");
    r = Request{};
    r.video.min_segment = 0;  // allowed: no minimum
    CHECK(field_of(r) == "valid");
    r.video.min_segment = -1;
    CHECK(field_of(r) == "min_segment");
}

TEST_CASE("Request: year ranges parse in all four forms and refuse the rest") {
    using Range = std::pair<std::optional<int>, std::optional<int>>;
    CHECK(parse_year_range("1990-1999") == Range{1990, 1999});
    CHECK(parse_year_range("1990-") == Range{1990, std::nullopt});
    CHECK(parse_year_range("-1999") == Range{std::nullopt, 1999});
    CHECK(parse_year_range("1995") == Range{1995, 1995});
    CHECK_THROWS_WITH(parse_year_range("2000-1990"), "the range 2000-1990 is empty (FROM is after TO)");
    CHECK_THROWS_AS(parse_year_range("nineties"), Error);
    CHECK_THROWS_AS(parse_year_range("-"), Error);
    CHECK_THROWS_AS(parse_year_range("19900-"), Error);
}

TEST_CASE("Name tables: every alignment has one name, and it parses back") {
    const std::vector<std::pair<AlignMode, std::string>> all = {
        {AlignMode::None, "none"}, {AlignMode::MinMax, "minmax"}, {AlignMode::Quantile, "quantile"}};
    REQUIRE(align_mode_names().entries().size() == all.size());
    for (const auto& [mode, name] : all) {
        CHECK(align_mode_name(mode) == name);
        CHECK(parse_align_mode(name) == mode);
    }
    CHECK(align_mode_names().list(", ", " or ") == "none, minmax or quantile");
    CHECK_THROWS_WITH(parse_align_mode("zscore"), "unknown alignment 'zscore' (expected none, minmax or quantile)");
    for (const auto& [name, field] : request_field_names().entries()) CHECK(request_field_names().parse(name) == field);
}

TEST_CASE("Frame sampling: the first frame at or after each k * interval, each frame at most once") {
    auto sampled = [](const std::vector<double>& times, double interval) {
        FrameSampler sampler(interval);
        std::vector<double> out;
        for (const double t : times) {
            if (sampler.take(t)) out.push_back(t);
        }
        return out;
    };
    // 4 fps sampled every 0.5 s: every other frame.
    CHECK(sampled({0.0, 0.25, 0.5, 0.75, 1.0, 1.25}, 0.5) == std::vector<double>{0.0, 0.5, 1.0});
    // A timestamp a hair before its sampling time counts as on it.
    CHECK(sampled({0.0, 0.49999999, 0.75, 1.0}, 0.5) == std::vector<double>{0.0, 0.49999999, 1.0});
    // Sampling faster than the frames: each frame once, the sampling times it covers skipped.
    CHECK(sampled({0.0, 1.0, 2.0}, 0.25) == std::vector<double>{0.0, 1.0, 2.0});
    // A gap: the first frame after it stands for the missed sampling times.
    CHECK(sampled({0.0, 0.1, 3.3, 3.4, 4.0}, 1.0) == std::vector<double>{0.0, 3.3, 4.0});
}

TEST_CASE("Frame sampling: the next mark in one step agrees with counting marks one by one, and a huge time is cheap") {
    // The rule written the slow way: step k until its mark lies past the time.
    auto counted = [](double time, double interval, std::size_t k) {
        while (static_cast<double>(k) * interval <= time + 1e-6) ++k;
        return k;
    };
    std::mt19937 random(2026);
    std::uniform_real_distribution<double> interval_of(0.01, 10.0);
    std::uniform_int_distribution<int> mark_of(0, 5000);
    std::uniform_int_distribution<int> offset_of(-2, 2);
    for (int trial = 0; trial < 20000; ++trial) {
        const double interval = trial % 3 == 0 ? 0.1 * (1 + trial % 7) : interval_of(random);
        const std::size_t at_least = static_cast<std::size_t>(mark_of(random));
        // Times on a mark, a hair either side of one (within and beyond the tolerance), and between.
        const double on = mark_of(random) * interval;
        const double time = on + offset_of(random) * (trial % 2 == 0 ? 4e-7 : 3e-6) + (trial % 5 == 0 ? 0.37 * interval : 0.0);
        INFO("time " << time << " interval " << interval << " at_least " << at_least);
        CHECK(FrameSampler::mark_after(time, interval, at_least) == counted(time, interval, at_least));
    }
    CHECK(FrameSampler::mark_after(-5.0, 1.0, 3) == 3);
    CHECK(FrameSampler::mark_after(std::nan(""), 1.0, 3) == 3);
    // A damaged file's timestamp 10^12 s in: one step, not 10^13 (the fuzzer's timeout).
    CHECK(FrameSampler::mark_after(1e12, 0.1, 0) == counted(1e12, 0.1, static_cast<std::size_t>(1e13) - 5));
    CHECK(FrameSampler::mark_after(std::numeric_limits<double>::infinity(), 0.1, 0) > 0);
    FrameSampler sampler(0.05);
    CHECK(sampler.take(0.0));
    CHECK(sampler.take(1e12));
    CHECK_FALSE(sampler.take(1e12 + 0.01));
    CHECK(sampler.take(1e12 + 0.06));
}
