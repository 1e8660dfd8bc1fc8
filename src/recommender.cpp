#include "img2music/recommender.hpp"

#include "img2music/song_table.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <queue>

namespace img2music {
namespace {

// One definition of the distance, so the grid and the brute-force scan agree bit for bit.
inline float squared_distance(float dv, float da) { return dv * dv + da * da; }

struct Candidate {
    float d2;
    std::size_t index;
    bool operator<(const Candidate& o) const { return d2 < o.d2 || (d2 == o.d2 && index < o.index); }
};

// Keeps the k best candidates seen; the worst sits on top.
class BestK {
public:
    explicit BestK(std::size_t k) : k_(k) {}
    void offer(float d2, std::size_t index) {
        const Candidate c{d2, index};
        if (heap_.size() < k_) {
            heap_.push(c);
        } else if (c < heap_.top()) {
            heap_.pop();
            heap_.push(c);
        }
    }
    bool full() const { return heap_.size() >= k_; }
    float worst_d2() const { return heap_.top().d2; }
    std::vector<Match> sorted() {
        std::vector<Candidate> all;
        all.reserve(heap_.size());
        while (!heap_.empty()) {
            all.push_back(heap_.top());
            heap_.pop();
        }
        std::sort(all.begin(), all.end());
        std::vector<Match> out;
        out.reserve(all.size());
        for (const Candidate& c : all) out.push_back(Match{c.index, std::sqrt(c.d2)});
        return out;
    }

private:
    std::size_t k_;
    std::priority_queue<Candidate> heap_;
};

}  // namespace

// Points bucketed into a uniform grid over their bounding box (CSR layout: the points of cell
// c are rows cell_start[c] .. cell_start[c+1] of the reordered arrays, in table order).
struct Recommender::Index {
    Eigen::VectorXf valence;  // table order, for the brute-force scan
    Eigen::VectorXf arousal;
    int cells = 1;  // per axis
    float min_v = 0, min_a = 0, cell_w = 1, cell_h = 1;
    std::vector<std::size_t> cell_start;
    std::vector<float> cell_v;
    std::vector<float> cell_a;
    std::vector<std::size_t> cell_index;

    int cell_x(float v) const { return std::clamp(static_cast<int>(std::floor((v - min_v) / cell_w)), 0, cells - 1); }
    int cell_y(float a) const { return std::clamp(static_cast<int>(std::floor((a - min_a) / cell_h)), 0, cells - 1); }
};

Recommender::Recommender(const SongTable& table) : Recommender(points_of(table)) {}

Recommender::Recommender(const std::vector<VA>& points) : index_(std::make_unique<Index>()) {
    Index& ix = *index_;
    const std::size_t n = points.size();
    ix.valence.resize(static_cast<Eigen::Index>(n));
    ix.arousal.resize(static_cast<Eigen::Index>(n));
    float max_v = 0, max_a = 0;
    for (std::size_t i = 0; i < n; ++i) {
        ix.valence[static_cast<Eigen::Index>(i)] = points[i].valence;
        ix.arousal[static_cast<Eigen::Index>(i)] = points[i].arousal;
    }
    if (n > 0) {
        ix.min_v = ix.valence.minCoeff();
        max_v = ix.valence.maxCoeff();
        ix.min_a = ix.arousal.minCoeff();
        max_a = ix.arousal.maxCoeff();
    }
    // About 8 points per cell; at most 2048 x 2048 cells.
    ix.cells = static_cast<int>(std::clamp(std::ceil(std::sqrt(static_cast<double>(n) / 8.0)), 1.0, 2048.0));
    ix.cell_w = std::max((max_v - ix.min_v) / static_cast<float>(ix.cells), 1e-6F);
    ix.cell_h = std::max((max_a - ix.min_a) / static_cast<float>(ix.cells), 1e-6F);

    const std::size_t cell_count = static_cast<std::size_t>(ix.cells) * static_cast<std::size_t>(ix.cells);
    std::vector<std::size_t> cell_of(n);
    ix.cell_start.assign(cell_count + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        cell_of[i] = static_cast<std::size_t>(ix.cell_y(points[i].arousal)) * static_cast<std::size_t>(ix.cells) +
                     static_cast<std::size_t>(ix.cell_x(points[i].valence));
        ++ix.cell_start[cell_of[i] + 1];
    }
    for (std::size_t c = 0; c < cell_count; ++c) ix.cell_start[c + 1] += ix.cell_start[c];
    std::vector<std::size_t> fill(ix.cell_start.begin(), ix.cell_start.end() - 1);
    ix.cell_v.resize(n);
    ix.cell_a.resize(n);
    ix.cell_index.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t slot = fill[cell_of[i]]++;
        ix.cell_v[slot] = points[i].valence;
        ix.cell_a[slot] = points[i].arousal;
        ix.cell_index[slot] = i;
    }
}

Recommender::~Recommender() = default;
Recommender::Recommender(Recommender&&) noexcept = default;
Recommender& Recommender::operator=(Recommender&&) noexcept = default;

std::size_t Recommender::size() const { return static_cast<std::size_t>(index_->valence.size()); }

std::vector<Match> Recommender::search(VA query, std::size_t k, const SongFilter& allowed) const {
    const Index& ix = *index_;
    if (k == 0 || size() == 0) return {};
    BestK best(k);
    const int cx = ix.cell_x(query.valence);
    const int cy = ix.cell_y(query.arousal);
    const float grid_x0 = ix.min_v;
    const float grid_y0 = ix.min_a;

    for (int r = 0;; ++r) {
        // Every point outside the (2r-1)^2 block of cells already visited is at least `bound` away.
        if (r > 0 && best.full()) {
            float bound = INFINITY;
            const float left = grid_x0 + static_cast<float>(cx - r + 1) * ix.cell_w;
            const float right = grid_x0 + static_cast<float>(cx + r) * ix.cell_w;
            const float bottom = grid_y0 + static_cast<float>(cy - r + 1) * ix.cell_h;
            const float top = grid_y0 + static_cast<float>(cy + r) * ix.cell_h;
            if (cx - r + 1 > 0) bound = std::min(bound, std::max(0.0F, query.valence - left));
            if (cx + r - 1 < ix.cells - 1) bound = std::min(bound, std::max(0.0F, right - query.valence));
            if (cy - r + 1 > 0) bound = std::min(bound, std::max(0.0F, query.arousal - bottom));
            if (cy + r - 1 < ix.cells - 1) bound = std::min(bound, std::max(0.0F, top - query.arousal));
            // Slack for rounding in the cell assignment; strictly greater because a point at
            // exactly the k-th distance may still win on table order.
            bound = std::max(0.0F, bound - 1e-5F);
            if (bound * bound > best.worst_d2()) break;
        }
        if (cx - r < 0 && cy - r < 0 && cx + r >= ix.cells && cy + r >= ix.cells) break;  // ring is off the grid
        for (int y = cy - r; y <= cy + r; ++y) {
            if (y < 0 || y >= ix.cells) continue;
            const bool edge_row = (y == cy - r || y == cy + r);
            for (int x = cx - r; x <= cx + r; x += (edge_row || r == 0) ? 1 : 2 * r) {
                if (x < 0 || x >= ix.cells) continue;
                const std::size_t cell = static_cast<std::size_t>(y) * static_cast<std::size_t>(ix.cells) + static_cast<std::size_t>(x);
                for (std::size_t s = ix.cell_start[cell]; s < ix.cell_start[cell + 1]; ++s) {
                    const std::size_t i = ix.cell_index[s];
                    if (!allowed.empty() && !allowed[i]) continue;
                    best.offer(squared_distance(ix.cell_v[s] - query.valence, ix.cell_a[s] - query.arousal), i);
                }
            }
        }
    }
    return best.sorted();
}

std::vector<Match> Recommender::search_brute_force(VA query, std::size_t k, const SongFilter& allowed) const {
    const Index& ix = *index_;
    const Eigen::ArrayXf dv = ix.valence.array() - query.valence;
    const Eigen::ArrayXf da = ix.arousal.array() - query.arousal;
    BestK best(k);
    if (k == 0) return {};
    for (Eigen::Index i = 0; i < dv.size(); ++i) {
        if (!allowed.empty() && !allowed[static_cast<std::size_t>(i)]) continue;
        best.offer(squared_distance(dv[i], da[i]), static_cast<std::size_t>(i));
    }
    return best.sorted();
}

}  // namespace img2music
