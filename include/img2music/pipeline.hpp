// Runs inputs through decode -> preprocess -> model -> alignment -> nearest songs, and hands
// each finished Record to a callback in input order.
#pragma once

#include "img2music/record.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace img2music {

class VaModel;
class Recommender;
class Alignment;

// A stream of input paths. next() returns nullopt at the end.
class InputSource {
public:
    virtual ~InputSource() = default;
    virtual std::optional<std::string> next() = 0;
};

struct PipelineOptions {
    std::size_t top_k = 10;
    std::size_t batch_size = 16;  // images per forward pass
    int decode_threads = 2;       // images decoded at once within a batch
};

class Pipeline {
public:
    // Keeps references: all four must outlive the pipeline.
    Pipeline(const VaModel& model, const Recommender& recommender, const Alignment& alignment, PipelineOptions options);

    // Calls `emit` once per input, in input order; a failed input yields a Record with error set.
    // Returns the number of failed inputs. Exceptions thrown by `emit` propagate.
    std::size_t run(InputSource& inputs, const std::function<void(const Record&)>& emit) const;

    // Recommends for a known VA (no image): fills aligned and songs.
    Record recommend(const std::string& input, VA va) const;

private:
    const VaModel& model_;
    const Recommender& recommender_;
    const Alignment& alignment_;
    PipelineOptions options_;
};

}  // namespace img2music
