// A video's soundtrack: its sampled frames' valence-arousal over time, cut into segments of one
// mood, each with its own songs (no song repeated across the segments of one video).
#pragma once

#include "img2music/image.hpp"
#include "img2music/record.hpp"
#include "img2music/segmentation.hpp"

#include <string>
#include <vector>

namespace img2music {

// One sampled frame's prediction.
struct TimedVA {
    FramePosition frame;
    VA va;                                 // the model's prediction for this frame
    VA smoothed;                           // after temporal smoothing (what segmentation cuts)
    std::vector<EmotionScore> emotions{};  // the model's emotion distribution for this frame (may be empty)
};

struct Soundtrack {
    std::string input;              // the video (or frame folder) as the user named it
    double duration = 0.0;          // seconds
    std::vector<TimedVA> timeline;  // in time order
    std::vector<Record> segments;   // in time order; each has `segment` set
    std::vector<Image> keyframes;   // one per segment (its middle sampled frame), may be empty
};

class SongSelector;
class Alignment;

// Smooths `timeline` (its `va` set, in time order), cuts it into segments (segmentation.hpp),
// gives each segment the mean VA and the mean emotion distribution of its frames,
// and gives each segment the songs `selector` picks for its mean VA (aligned), skipping every
// song an earlier segment of this video already has: no song repeats within one soundtrack. A
// segment gets fewer songs only when the table runs out. `duration`: the video's length in seconds.
Soundtrack make_soundtrack(std::string input, double duration, std::vector<TimedVA> timeline, const SongSelector& selector,
                           const Alignment& alignment, const SegmentationOptions& options);

}  // namespace img2music
