#include "img2music/alignment.hpp"
#include "img2music/error.hpp"
#include "img2music/model_metadata.hpp"

#include <catch2/catch.hpp>

using namespace img2music;

namespace {

ReferenceDistribution uniform_reference(float lo, float hi) {
    ReferenceDistribution r;
    for (int i = 0; i <= 100; ++i) {
        r.valence.push_back(lo + (hi - lo) * static_cast<float>(i) / 100.0F);
        r.arousal.push_back(lo + (hi - lo) * static_cast<float>(i) / 100.0F);
    }
    return r;
}

}  // namespace

TEST_CASE("Alignment none is the identity") {
    const Alignment a = Alignment::fit(AlignMode::None, nullptr, {});
    CHECK(a.apply(VA{0.3F, 0.7F}) == VA{0.3F, 0.7F});
}

TEST_CASE("Alignment minmax maps the reference range onto the catalogue range") {
    const ReferenceDistribution ref = uniform_reference(0.2F, 0.6F);
    const std::vector<VA> catalogue = {{0.1F, 0.0F}, {0.9F, 1.0F}, {0.5F, 0.5F}};
    const Alignment a = Alignment::fit(AlignMode::MinMax, &ref, catalogue);
    CHECK(a.apply(VA{0.2F, 0.2F}).valence == Approx(0.1));
    CHECK(a.apply(VA{0.6F, 0.6F}).valence == Approx(0.9));
    CHECK(a.apply(VA{0.4F, 0.4F}).arousal == Approx(0.5));
    CHECK(a.apply(VA{0.0F, 1.0F}).valence == Approx(0.1));  // clamped outside the reference
}

TEST_CASE("Alignment quantile maps reference quantiles onto catalogue quantiles") {
    const ReferenceDistribution ref = uniform_reference(0.4F, 0.6F);
    // Catalogue skewed: values x^2 for x uniform on [0, 1].
    std::vector<VA> catalogue;
    for (int i = 0; i <= 1000; ++i) {
        const float x = static_cast<float>(i) / 1000.0F;
        catalogue.push_back(VA{x * x, 1.0F - x * x});
    }
    const Alignment a = Alignment::fit(AlignMode::Quantile, &ref, catalogue);
    // The reference median 0.5 goes to the catalogue median 0.25; its 90th percentile to 0.81.
    CHECK(a.apply(VA{0.5F, 0.5F}).valence == Approx(0.25).margin(1e-3));
    CHECK(a.apply(VA{0.58F, 0.5F}).valence == Approx(0.81).margin(1e-3));
    CHECK(a.apply(VA{0.5F, 0.5F}).arousal == Approx(0.75).margin(1e-3));
    // Monotone.
    float last = -1.0F;
    for (int i = 0; i <= 100; ++i) {
        const float y = a.apply(VA{static_cast<float>(i) / 100.0F, 0.5F}).valence;
        CHECK(y >= last);
        last = y;
    }
}

TEST_CASE("Alignment needs a reference distribution") {
    CHECK_THROWS_AS(Alignment::fit(AlignMode::Quantile, nullptr, {{0.5F, 0.5F}}), ResourceError);
    CHECK(parse_align_mode("minmax") == AlignMode::MinMax);
    CHECK_THROWS_AS(parse_align_mode("zscore"), Error);
}

TEST_CASE("Alignment quantile merges tied reference knots into their mean") {
    ReferenceDistribution ref;
    // Half the reference sits exactly at 0.5: knots 0..50 are 0.5, then rising to 1.
    for (int i = 0; i <= 100; ++i) {
        const float x = i <= 50 ? 0.5F : 0.5F + 0.5F * static_cast<float>(i - 50) / 50.0F;
        ref.valence.push_back(x);
        ref.arousal.push_back(x);
    }
    std::vector<VA> catalogue;
    for (int i = 0; i <= 1000; ++i) catalogue.push_back(VA{static_cast<float>(i) / 1000.0F, static_cast<float>(i) / 1000.0F});
    const Alignment a = Alignment::fit(AlignMode::Quantile, &ref, catalogue);
    // The tied knot 0.5 stands for catalogue quantiles 0..0.5: their mean is 0.25.
    CHECK(a.apply(VA{0.5F, 0.5F}).valence == Approx(0.25).margin(1e-4));
    CHECK(a.apply(VA{0.2F, 0.2F}).valence == Approx(0.25).margin(1e-4));  // clamped below
    CHECK(a.apply(VA{1.0F, 1.0F}).valence == Approx(1.0).margin(1e-4));
}
