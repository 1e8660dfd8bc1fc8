// Plain-words explanations of a match: the mood words of a point in valence-arousal space and a
// sentence saying why a song was picked for an image.
//
// Words per axis (both axes in [0, 1], thresholds at 0.4 and 0.6):
//   valence  < 0.4 "unpleasant"   0.4..0.6 "neutral"    > 0.6 "pleasant"
//   arousal  < 0.4 "calm"         0.4..0.6 "moderate"   > 0.6 "energetic"
// The sentence compares the point songs were matched from (the aligned point when aligned)
// with the song's point, e.g.
//   "both calm and pleasant; the song is slightly more energetic (distance 0.061, mostly arousal)"
// Emotions (a model's distribution, record.hpp) are named by their top one or two:
//   "joy (61%)", or "joy (45%) and surprise (30%)" when the second has at least half the first's share.
#pragma once

#include "img2music/record.hpp"
#include "img2music/types.hpp"

#include <string>
#include <vector>

namespace img2music {

// "calm and pleasant", "energetic and unpleasant", "moderate and neutral", ...
std::string mood_words(VA va);

// Why `song` suits an image matched at `query`. The distance it states is |song - query|.
std::string explain_match(VA query, VA song);

// The top one or two emotions in words (see above); "" for an empty distribution.
std::string emotion_words(const std::vector<EmotionScore>& emotions);

// The emotions largest first; equal shares keep the model's order, so the result is deterministic.
std::vector<const EmotionScore*> by_probability(const std::vector<EmotionScore>& emotions);

}  // namespace img2music
