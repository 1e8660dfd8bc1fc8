// Maps the model's valence-arousal (the image-rating scale it was trained on) into the song
// table's space before matching, per axis.
//
//   none      identity
//   minmax    [ref min, ref max] -> [catalogue min, catalogue max], linearly
//   quantile  a value's quantile in the model's reference distribution (its metadata) ->
//             the value at that quantile in the catalogue: both distributions then match
#pragma once

#include "img2music/names.hpp"
#include "img2music/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace img2music {

struct ReferenceDistribution;

enum class AlignMode { None, MinMax, Quantile };

// "none", "minmax", "quantile".
const NameTable<AlignMode>& align_mode_names();
AlignMode parse_align_mode(const std::string& name);  // throws Error on an unknown name
const char* align_mode_name(AlignMode mode);

class Alignment {
public:
    Alignment() = default;  // identity
    // Needs `reference` for minmax and quantile; throws ResourceError when it is missing.
    static Alignment fit(AlignMode mode, const ReferenceDistribution* reference, const std::vector<VA>& catalogue);

    AlignMode mode() const { return mode_; }
    bool is_identity() const { return mode_ == AlignMode::None; }
    VA apply(VA va) const;

private:
    // Piecewise-linear maps per axis: knots_from ascending, knots_to the images of the knots.
    struct AxisMap {
        std::vector<float> from;
        std::vector<float> to;
        float apply(float x) const;
    };
    AlignMode mode_ = AlignMode::None;
    AxisMap valence_;
    AxisMap arousal_;
};

}  // namespace img2music
