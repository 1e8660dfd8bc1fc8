// Exact k-nearest songs in valence-arousal space by Euclidean distance.
//
// The index is a uniform grid over the songs' bounding box; a query visits cells ring by ring
// until no unvisited cell can hold anything closer than the current k-th best, so results are
// exact. Ties in distance are broken by table order (lower index first).
#pragma once

#include "img2music/types.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace img2music {

class SongTable;

struct Match {
    std::size_t index = 0;  // row in the song table
    float distance = 0.0F;  // Euclidean, in VA space
};

// Which songs may be returned: allowed[i] == false removes song i. Empty means all allowed.
using SongFilter = std::vector<bool>;

class Recommender {
public:
    // Builds the index over points[i] (size n). Points are copied.
    explicit Recommender(const std::vector<VA>& points);
    explicit Recommender(const SongTable& table);
    ~Recommender();
    Recommender(Recommender&&) noexcept;
    Recommender& operator=(Recommender&&) noexcept;

    std::size_t size() const;

    // The min(k, allowed) nearest points to `query`, closest first.
    std::vector<Match> search(VA query, std::size_t k, const SongFilter& allowed = {}) const;

    // Reference implementation: scans every point. For tests and benchmarks.
    std::vector<Match> search_brute_force(VA query, std::size_t k, const SongFilter& allowed = {}) const;

private:
    struct Index;
    std::unique_ptr<Index> index_;
};

}  // namespace img2music
