// The valence/arousal regressor: a TorchScript module run through LibTorch (pimpl).
//
// Contract (docs/model-contract.md): forward takes float32 [N, 3, H, W] RGB batches,
// normalised as metadata().preprocess says, and returns [N, 2 + k]: (valence, arousal) in
// [0, 1], then, when the metadata names k emotions, a probability distribution over them.
#pragma once

#include "img2music/model_metadata.hpp"
#include "img2music/precision.hpp"
#include "img2music/types.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace img2music {

// What the model says about one image.
struct Prediction {
    VA va;
    std::vector<float> emotions;  // one probability per metadata().emotions name (sum 1); empty without
};

// When a loaded model's output shape is checked against its contract: at load, with a probe
// batch, or by the first batch it runs (which saves a forward pass at start-up; check() then
// makes sure before results are given out).
enum class ModelCheck { AtLoad, FirstBatch };

class VaModel {
public:
    // Loads the model and its metadata and checks the output shape as `when` says.
    // A TorchScript file is a program: with `expected_sha256` (64 hex digits) the file must
    // hash to it before anything in it is parsed. Throws ResourceError naming `path` and the reason.
    // `precision`: what the convolutions run in (precision.hpp); precision() says what was chosen.
    static VaModel load(const std::string& path, const std::string& expected_sha256 = "", Precision precision = Precision::automatic,
                        ModelCheck when = ModelCheck::AtLoad);

    // Runs the probe batch unless the shape was checked already (at load, or by a batch);
    // throws ResourceError as load does. Thread-safe.
    void check() const;

    VaModel(VaModel&&) noexcept;
    VaModel& operator=(VaModel&&) noexcept;
    ~VaModel();

    const ModelMetadata& metadata() const;
    const std::string& path() const;
    // What the convolutions run in: float32 or bfloat16, never automatic.
    Precision precision() const;

    // `batch` holds n preprocessed images back to back: n * metadata().preprocess.tensor_size()
    // floats. Returns n results; an entry is empty when the model produced a non-finite value
    // for that image. Finite values are clamped to [0, 1]. Throws ResourceError when the model
    // breaks its contract (wrong output shape).
    std::vector<std::optional<VA>> predict(const float* batch, std::size_t n) const;

    // The same with the emotion distribution too (empty when the model has none). Negative
    // probabilities are clamped to 0 and the rest renormalised; an entry is empty when any value
    // is non-finite or no probability is left.
    std::vector<std::optional<Prediction>> predict_outputs(const float* batch, std::size_t n) const;

private:
    struct Impl;
    explicit VaModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Sets LibTorch's intra-op thread count (process-wide) and pins inter-op work to one thread.
// Call once, before the first predict. n <= 0 means usable_cores() (process_settings.hpp).
void set_inference_threads(int n);

// Sets the intra-op threads of forward passes called from the calling thread only (OpenMP's
// per-thread setting; other threads keep theirs). The pipeline's model lanes use it: on few
// cores, two single-threaded passes side by side do about 1.75x the work of one two-threaded
// pass, whose threads wait for each other at every layer (docs/performance.md). Returns the
// count before; n <= 0 changes nothing (reads it).
int set_inference_threads_of_this_thread(int n);

// "LibTorch X.Y.Z", for --version.
std::string inference_backend_version();

}  // namespace img2music
