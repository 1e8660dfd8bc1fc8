// A video's soundtrack: its sampled frames' valence-arousal over time, cut into segments of one
// mood, each with its own songs (no song repeated across the segments of one video).
#pragma once

#include "img2music/image.hpp"
#include "img2music/record.hpp"

#include <string>
#include <vector>

namespace img2music {

// One sampled frame's prediction.
struct TimedVA {
    FramePosition frame;
    VA va;        // the model's prediction for this frame
    VA smoothed;  // after temporal smoothing (what segmentation cuts)
};

struct Soundtrack {
    std::string input;               // the video (or frame folder) as the user named it
    double duration = 0.0;           // seconds
    std::vector<TimedVA> timeline;   // in time order
    std::vector<Record> segments;    // in time order; each has `segment` set
    std::vector<Image> keyframes;    // one per segment (its middle sampled frame), may be empty
};

}  // namespace img2music
