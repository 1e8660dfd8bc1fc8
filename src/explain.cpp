#include "img2music/explain.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace img2music {
namespace {

constexpr float kLow = 0.4F;
constexpr float kHigh = 0.6F;

const char* valence_word(float v) { return v < kLow ? "unpleasant" : v > kHigh ? "pleasant" : "neutral"; }
const char* arousal_word(float a) { return a < kLow ? "calm" : a > kHigh ? "energetic" : "moderate"; }

// How big a difference along one axis feels; below kSame it is not worth a word.
constexpr float kSame = 0.03F;
const char* amount(float d) {
    d = std::fabs(d);
    return d < 0.1F ? "slightly" : d < 0.2F ? "somewhat" : "much";
}

}  // namespace

std::string mood_words(VA va) { return std::string(arousal_word(va.arousal)) + " and " + valence_word(va.valence); }

std::string explain_match(VA query, VA song) {
    const std::string image_mood = mood_words(query);
    const std::string song_mood = mood_words(song);
    std::string out = image_mood == song_mood ? "both " + image_mood : "image " + image_mood + ", song " + song_mood;

    const float dv = song.valence - query.valence;
    const float da = song.arousal - query.arousal;
    const bool arousal_dominates = std::fabs(da) >= std::fabs(dv);
    const float main = arousal_dominates ? da : dv;
    if (std::fabs(main) < kSame) {
        out += "; a close match";
    } else {
        out += std::string("; the song is ") + amount(main) + (main > 0 ? " more " : " less ") +
               (arousal_dominates ? "energetic" : "pleasant");
        const float other = arousal_dominates ? dv : da;
        if (std::fabs(other) >= kSame)
            out +=
                std::string(" and ") + amount(other) + (other > 0 ? " more " : " less ") + (arousal_dominates ? "pleasant" : "energetic");
    }
    const double distance = std::hypot(static_cast<double>(dv), static_cast<double>(da));
    char tail[96];
    // Which axis contributes more of the squared distance.
    std::snprintf(tail, sizeof tail, " (distance %.3f, mostly %s)", distance, arousal_dominates ? "arousal" : "valence");
    return out + tail;
}

std::vector<const EmotionScore*> by_probability(const std::vector<EmotionScore>& emotions) {
    std::vector<const EmotionScore*> order;
    order.reserve(emotions.size());
    for (const EmotionScore& e : emotions) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(),
                     [](const EmotionScore* a, const EmotionScore* b) { return a->probability > b->probability; });
    return order;
}

std::string emotion_words(const std::vector<EmotionScore>& emotions) {
    if (emotions.empty()) return "";
    const std::vector<const EmotionScore*> order = by_probability(emotions);
    const auto percent = [](const EmotionScore& e) { return e.name + " (" + std::to_string(std::lround(e.probability * 100.0F)) + "%)"; };
    std::string out = percent(*order[0]);
    if (order.size() > 1 && order[1]->probability > 0.0F && order[1]->probability >= 0.5F * order[0]->probability)
        out += " and " + percent(*order[1]);
    return out;
}

}  // namespace img2music
