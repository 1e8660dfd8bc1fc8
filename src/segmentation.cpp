#include "img2music/segmentation.hpp"

#include "img2music/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace img2music {
namespace {

float median_of(std::vector<float>& values) {
    const std::size_t mid = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
    float upper = values[mid];
    if (values.size() % 2 == 1) return upper;
    const float lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
    return (lower + upper) / 2.0F;
}

// Prefix sums of dt, dt*x and dt*|x|^2 so any range's weighted squared error is O(1).
struct PrefixSums {
    std::vector<double> weight, valence, arousal, square;

    PrefixSums(const std::vector<double>& dt, const std::vector<VA>& va)
        : weight(va.size() + 1), valence(va.size() + 1), arousal(va.size() + 1), square(va.size() + 1) {
        for (std::size_t i = 0; i < va.size(); ++i) {
            const double v = va[i].valence;
            const double a = va[i].arousal;
            weight[i + 1] = weight[i] + dt[i];
            valence[i + 1] = valence[i] + dt[i] * v;
            arousal[i + 1] = arousal[i] + dt[i] * a;
            square[i + 1] = square[i] + dt[i] * (v * v + a * a);
        }
    }
    // sum over [b, e) of dt_i * |va_i - weighted mean|^2
    double cost(std::size_t b, std::size_t e) const {
        const double w = weight[e] - weight[b];
        if (w <= 0.0) return 0.0;
        const double sv = valence[e] - valence[b];
        const double sa = arousal[e] - arousal[b];
        return std::max(0.0, square[e] - square[b] - (sv * sv + sa * sa) / w);
    }
};

}  // namespace

std::vector<VA> smooth_va(const std::vector<double>& times, const std::vector<VA>& va, double window_seconds) {
    if (times.size() != va.size()) throw Error("smooth_va: times and values differ in length");
    if (!(window_seconds > 0.0)) return va;
    const double half = window_seconds / 2.0;
    std::vector<VA> out(va.size());
    std::vector<float> v;
    std::vector<float> a;
    std::size_t lo = 0;
    std::size_t hi = 0;  // window is [lo, hi)
    for (std::size_t i = 0; i < va.size(); ++i) {
        while (times[lo] < times[i] - half) ++lo;
        hi = std::max(hi, i + 1);
        while (hi < va.size() && times[hi] <= times[i] + half) ++hi;
        v.clear();
        a.clear();
        for (std::size_t j = lo; j < hi; ++j) {
            v.push_back(va[j].valence);
            a.push_back(va[j].arousal);
        }
        out[i] = VA{median_of(v), median_of(a)};
    }
    return out;
}

std::vector<SampleRange> segment_by_mood(const std::vector<double>& times, const std::vector<VA>& va, double duration,
                                         const SegmentationOptions& options) {
    const std::size_t n = va.size();
    if (times.size() != n) throw Error("segment_by_mood: times and values differ in length");
    if (n == 0) return {};
    // Boundary k (0..n) sits at start[k]: the first segment starts at 0, the last ends at `duration`.
    std::vector<double> start(n + 1);
    start[0] = 0.0;
    for (std::size_t i = 1; i < n; ++i) start[i] = times[i];
    start[n] = std::max(duration, times[n - 1]);
    std::vector<double> dt(n);
    for (std::size_t i = 0; i < n; ++i) dt[i] = start[i + 1] - start[i];
    const PrefixSums sums(dt, va);

    const double min_seconds = std::max(0.0, options.min_seconds);
    // Two halves of min_seconds each, means `mood_change` apart: the split saves
    // 2*min_seconds * (mood_change/2)^2 = min_seconds * mood_change^2 / 2.
    const double penalty = std::max(min_seconds, 1.0) * options.mood_change * options.mood_change / 2.0;
    const double infinity = std::numeric_limits<double>::infinity();
    // A small tolerance so a 20 s segment sampled at 1 s passes a 20 s minimum despite rounding.
    const double slack = 1e-9;

    std::vector<double> best(n + 1, infinity);
    std::vector<std::size_t> from(n + 1, 0);
    best[0] = 0.0;
    for (std::size_t e = 1; e <= n; ++e) {
        for (std::size_t b = 0; b < e; ++b) {
            if (best[b] == infinity) continue;
            if (start[e] - start[b] + slack < min_seconds) break;  // later b only shorten the segment
            const double c = best[b] + sums.cost(b, e) + (b > 0 ? penalty : 0.0);
            if (c < best[e]) {
                best[e] = c;
                from[e] = b;
            }
        }
    }
    if (best[n] == infinity) return {SampleRange{0, n}};  // shorter than one minimum segment
    std::vector<SampleRange> ranges;
    for (std::size_t e = n; e > 0; e = from[e]) ranges.push_back(SampleRange{from[e], e});
    std::reverse(ranges.begin(), ranges.end());
    return ranges;
}

}  // namespace img2music
