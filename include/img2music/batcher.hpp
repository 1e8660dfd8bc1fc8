// Dynamic batching: preprocessed images from many threads (a server's concurrent requests) are
// queued and run through the model together, up to `batch_size` per forward pass, on one
// inference thread. A pass starts when the batch is full or when the oldest queued image has
// waited `max_wait`; under load the queue fills while the previous pass runs, so batches fill
// without waiting. The queue is bounded: submit() refuses at once when it is full.
//
//   Batcher batcher(engine.model(), {4, std::chrono::milliseconds(2), 64});
//   std::vector<float> t(spec.tensor_size());
//   preprocess(image, spec, t.data());                        // on the caller's thread
//   auto results = batcher.submit({std::move(t)});            // throws QueueFull
//   std::optional<Prediction> p = results[0].get();           // empty: a non-finite output
//   Record r = prepared.record(name, *p);                     // engine.hpp: PreparedRequest
//
// A prediction does not depend on the other images in its batch (the model sees each image
// alone), so records match Engine::run's.
#pragma once

#include "img2music/error.hpp"
#include "img2music/va_model.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <vector>

namespace img2music {

// The queue has no room for the images of a submit(); nothing of it was queued.
class QueueFull : public Error {
public:
    QueueFull() : Error("the queue is full") {}
};

struct BatcherOptions {
    std::size_t batch_size = 4;                        // images per forward pass, at least 1
    std::chrono::microseconds max_wait{2000};          // the oldest image waits at most this for a batch to fill
    std::size_t max_queue = 64;                        // images waiting for the model, at most
    std::function<void(std::size_t images)> on_batch;  // after each forward pass, before its answers, on the inference thread (metrics)
};

class Batcher {
public:
    // Keeps a reference to `model`, which must outlive the batcher. Starts the inference thread.
    Batcher(const VaModel& model, BatcherOptions options);
    // Answers every image queued so far, then stops the inference thread.
    ~Batcher();
    Batcher(const Batcher&) = delete;
    Batcher& operator=(const Batcher&) = delete;

    // Queues preprocessed images (each model.metadata().preprocess.tensor_size() floats), all
    // or none: throws QueueFull when fewer than tensors.size() places are free, and Error when a
    // tensor has the wrong size. Each future gives the image's prediction, empty when the model
    // produced a non-finite value; an error of the model itself (ResourceError) comes through get().
    std::vector<std::future<std::optional<Prediction>>> submit(std::vector<std::vector<float>> tensors);

    std::size_t queued() const;  // images waiting for a forward pass now

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace img2music
