#include "img2music/alignment.hpp"

#include "img2music/error.hpp"
#include "img2music/model_metadata.hpp"

#include <algorithm>
#include <cmath>

namespace img2music {
namespace {

constexpr int kCatalogueQuantiles = 101;

// Value at quantile q (0..1) of sorted data, linear between order statistics (numpy's default).
float quantile_of_sorted(const std::vector<float>& sorted, double q) {
    if (sorted.size() == 1) return sorted.front();
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return static_cast<float>(sorted[lo] + frac * (sorted[hi] - sorted[lo]));
}

std::vector<float> catalogue_quantiles(std::vector<float> values, int count) {
    std::sort(values.begin(), values.end());
    std::vector<float> q(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) q[static_cast<std::size_t>(i)] = quantile_of_sorted(values, static_cast<double>(i) / (count - 1));
    return q;
}

}  // namespace

const NameTable<AlignMode>& align_mode_names() {
    static const NameTable<AlignMode> table("alignment",
                                            {{"none", AlignMode::None}, {"minmax", AlignMode::MinMax}, {"quantile", AlignMode::Quantile}});
    return table;
}

AlignMode parse_align_mode(const std::string& name) { return align_mode_names().parse(name); }

const char* align_mode_name(AlignMode mode) { return align_mode_names().name(mode); }

float Alignment::AxisMap::apply(float x) const {
    if (from.empty()) return x;
    if (from.size() == 1) return to.front();  // a constant reference says nothing about x
    // Clamp outside the reference range: extrapolating would leave the catalogue's range.
    if (x <= from.front()) return to.front();  // also covers a single knot
    if (x >= from.back()) return to.back();
    const auto it = std::upper_bound(from.begin(), from.end(), x);
    const std::size_t hi = static_cast<std::size_t>(it - from.begin());
    const std::size_t lo = hi - 1;
    const float span = from[hi] - from[lo];  // > 0: upper_bound skips repeated knots
    const float t = (x - from[lo]) / span;
    return to[lo] + t * (to[hi] - to[lo]);
}

Alignment Alignment::fit(AlignMode mode, const ReferenceDistribution* reference, const std::vector<VA>& catalogue) {
    Alignment a;
    a.mode_ = mode;
    if (mode == AlignMode::None) return a;
    if (reference == nullptr) {
        throw ResourceError(std::string("alignment ") + align_mode_name(mode),
                            "needs the model's reference_distribution metadata, which this model lacks");
    }
    if (catalogue.empty()) throw ResourceError(std::string("alignment ") + align_mode_name(mode), "the song table is empty");
    std::vector<float> cat_v, cat_a;
    cat_v.reserve(catalogue.size());
    cat_a.reserve(catalogue.size());
    for (const VA& p : catalogue) {
        cat_v.push_back(p.valence);
        cat_a.push_back(p.arousal);
    }
    auto fit_axis = [mode](const std::vector<float>& ref, std::vector<float> cat) {
        AxisMap m;
        if (mode == AlignMode::MinMax) {
            const auto [cmin, cmax] = std::minmax_element(cat.begin(), cat.end());
            m.from = {ref.front(), ref.back()};
            m.to = {*cmin, *cmax};
        } else {
            // Equal-quantile knots: the reference's i-th quantile maps to the catalogue's. Tied
            // reference knots merge into one whose target is the mean of theirs, so the map stays
            // a function (scripts/img2music_songs/matching.py is the reference implementation).
            const std::vector<float> cq = catalogue_quantiles(std::move(cat), kCatalogueQuantiles);
            for (std::size_t i = 0; i < ref.size();) {
                std::size_t j = i;
                double sum = 0.0;
                for (; j < ref.size() && ref[j] == ref[i]; ++j)
                    sum += quantile_of_sorted(cq, static_cast<double>(j) / static_cast<double>(ref.size() - 1));
                m.from.push_back(ref[i]);
                m.to.push_back(static_cast<float>(sum / static_cast<double>(j - i)));
                i = j;
            }
        }
        if (mode == AlignMode::MinMax && m.from[0] >= m.from[1]) {  // a constant reference: the catalogue's middle
            m.from = {m.from[0]};
            m.to = {(m.to[0] + m.to[1]) / 2};
        }
        return m;
    };
    a.valence_ = fit_axis(reference->valence, std::move(cat_v));
    a.arousal_ = fit_axis(reference->arousal, std::move(cat_a));
    return a;
}

VA Alignment::apply(VA va) const {
    if (mode_ == AlignMode::None) return va;
    return VA{valence_.apply(va.valence), arousal_.apply(va.arousal)};
}

}  // namespace img2music
