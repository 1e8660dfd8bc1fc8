#include "img2music/soundtrack.hpp"

#include "img2music/song_selector.hpp"

#include <algorithm>

namespace img2music {
namespace {

// The mean distribution of the frames in `range`, when they all carry the same emotions.
std::vector<EmotionScore> mean_emotions(const std::vector<TimedVA>& timeline, const SampleRange& range) {
    std::vector<EmotionScore> mean = timeline[range.begin].emotions;
    for (EmotionScore& e : mean) e.probability = 0.0F;
    for (std::size_t i = range.begin; i < range.end; ++i) {
        const std::vector<EmotionScore>& frame = timeline[i].emotions;
        if (frame.size() != mean.size()) return {};
        for (std::size_t k = 0; k < mean.size(); ++k) mean[k].probability += frame[k].probability;
    }
    const auto count = static_cast<float>(range.end - range.begin);
    for (EmotionScore& e : mean) e.probability /= count;
    return mean;
}

}  // namespace

Soundtrack make_soundtrack(std::string input, double duration, std::vector<TimedVA> timeline, const SongSelector& selector,
                           const Alignment& alignment, const SegmentationOptions& options) {
    Soundtrack out;
    out.input = std::move(input);
    out.timeline = std::move(timeline);
    const std::size_t n = out.timeline.size();
    if (n > 0) duration = std::max(duration, out.timeline.back().frame.time);
    out.duration = duration;

    std::vector<double> times(n);
    std::vector<VA> raw(n);
    for (std::size_t i = 0; i < n; ++i) {
        times[i] = out.timeline[i].frame.time;
        raw[i] = out.timeline[i].va;
    }
    const std::vector<VA> smoothed = smooth_va(times, raw, options.smoothing_seconds);
    for (std::size_t i = 0; i < n; ++i) out.timeline[i].smoothed = smoothed[i];

    SongFilter allowed = selector.allowed();
    if (allowed.empty()) allowed.assign(selector.allowed_count(), true);
    const std::vector<SampleRange> ranges = segment_by_mood(times, smoothed, duration, options);
    for (std::size_t j = 0; j < ranges.size(); ++j) {
        const SampleRange& r = ranges[j];
        // The segment's mood is the mean of its frames' own predictions: smoothing only decides where to cut.
        double valence = 0.0;
        double arousal = 0.0;
        for (std::size_t i = r.begin; i < r.end; ++i) {
            valence += raw[i].valence;
            arousal += raw[i].arousal;
        }
        const auto count = static_cast<double>(r.end - r.begin);
        Record record;
        record.input = out.input;
        record.segment = SegmentPosition{j, j == 0 ? 0.0 : times[r.begin], r.end == n ? duration : times[r.end]};
        record.va = VA{static_cast<float>(valence / count), static_cast<float>(arousal / count)};
        record.emotions = mean_emotions(out.timeline, r);
        match_songs(record, alignment, selector, allowed);
        for (const Match& m : record.songs) allowed[m.index] = false;
        out.segments.push_back(std::move(record));
    }
    return out;
}

}  // namespace img2music
