// One result record: an input (an image, a video frame, or a video segment) and its
// recommended songs, or the reason it failed.
#pragma once

#include "img2music/recommender.hpp"
#include "img2music/types.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace img2music {

// Where a frame sits in its video (or frame sequence).
struct FramePosition {
    std::size_t index = 0;  // 0-based frame number in the video, or position in the sequence
    double time = 0.0;      // seconds from the start
};

// A stretch of a video with one mood: [start, end) in seconds.
struct SegmentPosition {
    std::size_t index = 0;  // 0-based, in time order
    double start = 0.0;
    double end = 0.0;
};

// One emotion of a model's distribution (docs/model-contract.md, "emotions").
struct EmotionScore {
    std::string name;
    float probability = 0.0F;
};

struct Record {
    std::string input;
    std::optional<std::string> error;        // set: the input failed, the fields below are unset
    std::optional<FramePosition> frame;      // set for a record of one video frame (--frames)
    std::optional<SegmentPosition> segment;  // set for a record of one video segment
    VA va;                                   // the model's own prediction (a segment: its mean)
    std::vector<EmotionScore> emotions;      // the model's emotion distribution in its order (a segment:
                                             // the mean); empty when the model predicts none
    std::optional<VA> aligned;               // the point distances are measured from, when aligned
    std::vector<Match> songs;                // closest first
};

}  // namespace img2music
