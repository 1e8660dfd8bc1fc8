// Cutting a valence-arousal time series into stretches of one mood.
//
// Inputs are parallel arrays of size n, in time order: times[i] (seconds, increasing) and
// va[i]. A segment is a half-open range of samples [begin, end); segment j covers the time
// from times[begin] (0 for the first) to times[end] (the series' duration for the last).
//
// segment_by_mood finds the partition minimising
//     sum over segments of  sum_i dt_i * |va_i - mean(segment)|^2   +   penalty * (segments - 1)
// exactly (dynamic programming, O(n^2)), subject to every segment lasting >= min_seconds.
// dt_i is the time sample i stands for, so the cost does not depend on the sampling rate.
// The penalty is set from `mood_change`: a step of that size between two halves each
// min_seconds long is just worth a cut; smaller or shorter changes are not.
#pragma once

#include "img2music/types.hpp"

#include <cstddef>
#include <vector>

namespace img2music {

struct SampleRange {
    std::size_t begin = 0;
    std::size_t end = 0;  // exclusive
};

struct SegmentationOptions {
    double min_seconds = 20.0;     // no segment shorter, unless the whole series is
    double mood_change = 0.12;     // Euclidean VA step that is worth a cut (see above)
    double smoothing_seconds = 5;  // window of the running median applied first (0: none)
};

// Running median of each axis over a centred window of `window_seconds` (samples whose time
// lies within half the window either side). Robust to single outlier frames (a flash, a cut).
std::vector<VA> smooth_va(const std::vector<double>& times, const std::vector<VA>& va, double window_seconds);

// The optimal partition of `va` (already smoothed) as described above. `duration` >= the last
// time: the end of the last segment. Returns at least one range when n > 0, covering [0, n).
std::vector<SampleRange> segment_by_mood(const std::vector<double>& times, const std::vector<VA>& va, double duration,
                                         const SegmentationOptions& options);

}  // namespace img2music
