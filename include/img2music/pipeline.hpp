// Runs inputs through decode -> preprocess -> model -> alignment -> nearest songs, and hands
// each finished Record to a callback in input order, as soon as it and all before it are done.
//
// Decoding runs on `decode_threads` worker threads into a bounded ring of tensor slots
// ((model_lanes + 1) * batch_size + decode_threads), overlapping the model's batched forward
// passes; memory does not grow with the number of inputs. The passes run in `model_lanes`
// lanes, one batch each at a time, emitting in input order: the first on the calling thread,
// with the caller's intra-op threads until there is work for a second lane (one image, a slow
// pipe), then with `threads_per_lane`; the others on threads of their own, started then, with
// `threads_per_lane`, taking batches only while the first is busy. A batch is forwarded when it
// is full, when the inputs have ended, or when the only thing pending is a slow input source (a
// pipe), so streaming use sees each record promptly. Answers do not depend on the lanes (nor on
// how the inputs fall into batches).
#pragma once

#include "img2music/image.hpp"
#include "img2music/input_source.hpp"
#include "img2music/record.hpp"

#include <cstddef>
#include <functional>
#include <string>

namespace img2music {

class VaModel;
struct Prediction;
class SongSelector;
class Alignment;

struct PipelineOptions {
    std::size_t batch_size = 8;  // images per forward pass
    int decode_threads = 1;      // images decoded at once, beside the forward pass
    int thumbnail_side = 0;      // > 0: each record of an image or frame comes with its thumbnail (Image::thumbnail)
    int model_lanes = 1;         // forward passes that run at once
    int threads_per_lane = 1;    // intra-op threads of each lane when model_lanes > 1
};

class Pipeline {
public:
    // Keeps references: all three must outlive the pipeline.
    Pipeline(const VaModel& model, const SongSelector& selector, const Alignment& alignment, PipelineOptions options);

    // Calls `emit` once per input, in input order; an input that fails with an img2music Error
    // (it cannot be read or decoded, the model gives a non-finite value) yields a Record with
    // error set. Returns the number of failed inputs. An exception from `emit`, from the model,
    // from `inputs` or any other from decoding (out of memory) stops the workers and propagates;
    // `inputs.cancel()` is called first so no worker stays blocked.
    std::size_t run(InputSource& inputs, const std::function<void(const Record&)>& emit) const;
    // The same, handing each image's or frame's thumbnail along (empty unless
    // options.thumbnail_side > 0, and for a failure's record).
    std::size_t run(InputSource& inputs, const std::function<void(const Record&, const Image& thumbnail)>& emit) const;

    // Recommends for a known VA (no image): fills aligned and songs.
    // A frame's or segment's record carries its position on top (set by the caller).
    Record recommend(const std::string& input, VA va) const;

    // An image's record from the model's prediction: recommend() plus the named emotions.
    // run() makes every image's record with it; so does a front end that runs the model itself
    // (batcher.hpp), so that both give the same record for the same prediction.
    Record record(const std::string& input, const Prediction& prediction) const;

private:
    const VaModel& model_;
    const SongSelector& selector_;
    const Alignment& alignment_;
    PipelineOptions options_;
};

}  // namespace img2music
