// Small value types shared by the library's components.
#pragma once

namespace img2music {

// A point in valence-arousal space. Both axes in [0, 1]:
// valence 0 = unpleasant .. 1 = pleasant; arousal 0 = calm .. 1 = excited.
struct VA {
    float valence = 0.0F;
    float arousal = 0.0F;
};

inline bool operator==(const VA& a, const VA& b) { return a.valence == b.valence && a.arousal == b.arousal; }

}  // namespace img2music
