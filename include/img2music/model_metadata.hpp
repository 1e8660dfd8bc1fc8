// The metadata stored inside every model file as the extra file `img2music.json`.
// Schema and rules: docs/model-contract.md. Parsing is separate from LibTorch so it can be
// tested and fuzzed on its own.
#pragma once

#include "img2music/preprocess_spec.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace img2music {

// Ascending quantiles (q0..q100 or any length >= 2) of the model's predictions on its
// reference data, per axis: what `--align quantile` maps from.
struct ReferenceDistribution {
    std::string description;
    std::vector<float> valence;
    std::vector<float> arousal;
};

struct ModelMetadata {
    std::string name;
    std::string arch;
    PreprocessSpec preprocess;
    std::optional<ReferenceDistribution> reference;
    // Names of the optional emotion outputs: a model with k names returns [N, 2 + k], the k
    // columns after (valence, arousal) being a probability distribution over these emotions
    // (e.g. Emotion6's anger, disgust, fear, joy, sadness, surprise, neutral). Empty: [N, 2].
    std::vector<std::string> emotions;
    std::string provenance_json;  // compact JSON of "provenance" ({} when absent)
    std::string metrics_json;     // compact JSON of "metrics" ({} when absent)
};

inline constexpr const char* kModelMetadataFile = "img2music.json";

// Parses and validates the metadata text. `source` (usually the model path) prefixes every
// error message. Throws ResourceError.
ModelMetadata parse_model_metadata(std::string_view json_text, const std::string& source);

}  // namespace img2music
