// Dynamic batching: preprocessed images from many threads (a server's concurrent requests) are
// queued and run through the model together, up to `batch_size` per forward pass, on one
// inference thread per lane (BatcherOptions::lanes). A pass starts at once when the batch is full or when no other image is
// announced (being decoded by a caller that will submit it); while some are, it waits for them
// until the oldest queued image has waited `max_wait`. So a lone request never waits, and under
// load the queue fills while the previous pass runs, so batches fill without waiting. The queue
// is bounded: submit() refuses at once when it is full.
//
//   Batcher batcher(engine.model(), {4, std::chrono::milliseconds(2), 64});
//   Batcher::Announcement coming = batcher.announce(1);         // before decoding
//   std::vector<float> t(spec.tensor_size());
//   preprocess(image, spec, t.data());                           // on the caller's thread
//   auto results = batcher.submit({std::move(t)}, &coming);      // throws QueueFull
//   std::optional<Prediction> p = results[0].get().prediction;  // empty: a non-finite output
//   Record r = prepared.record(name, *p);                        // engine.hpp: PreparedRequest
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
    std::function<void(std::size_t images)> on_batch;  // after each forward pass, before its answers, on its lane's thread (metrics)
    // Forward passes that may run at once, each on an inference thread of its own. With more
    // than one, a pass that runs alone uses `threads` intra-op threads and passes side by side
    // threads / lanes each; with one, the thread keeps the process's setting.
    std::size_t lanes = 1;
    int threads = 1;
};

// One image's answer, and where its time went (a server's Server-Timing header).
struct BatchResult {
    std::optional<Prediction> prediction;  // empty: the model produced a non-finite value
    std::chrono::microseconds queued{0};   // from submit() to the start of its forward pass
    std::chrono::microseconds forward{0};  // its forward pass, shared with the batch's other images
    std::size_t batch = 0;                 // images in that forward pass
};

class Batcher {
    struct State;

public:
    // Images a caller is preparing and will submit (announce()). Submitting with it, destroying
    // it or withdraw() ends the announcement: a pass waiting for those images then goes on. It
    // must not outlive its batcher.
    class Announcement {
    public:
        Announcement() = default;
        Announcement(Announcement&& other) noexcept;
        Announcement& operator=(Announcement&& other) noexcept;
        ~Announcement();
        void withdraw();

    private:
        friend class Batcher;
        Announcement(State* state, std::size_t images) : state_(state), images_(images) {}
        State* state_ = nullptr;
        std::size_t images_ = 0;
    };

    // Keeps a reference to `model`, which must outlive the batcher. Starts the lanes' threads.
    Batcher(const VaModel& model, BatcherOptions options);
    // Answers every image queued so far, then stops the lanes' threads.
    ~Batcher();
    Batcher(const Batcher&) = delete;
    Batcher& operator=(const Batcher&) = delete;

    // Says that `images` images will be submitted soon: a pass that is not full waits for them
    // (at most max_wait). Without any announced, a pass starts as soon as an image is queued.
    Announcement announce(std::size_t images);

    // Queues preprocessed images (each model.metadata().preprocess.tensor_size() floats), all
    // or none: throws QueueFull when fewer than tensors.size() places are free, and Error when a
    // tensor has the wrong size. Ends `announced` (these images, or those of them that could be
    // prepared) whether or not it throws. Each future gives the image's result; an error of the
    // model itself (ResourceError) comes through get().
    std::vector<std::future<BatchResult>> submit(std::vector<std::vector<float>> tensors, Announcement* announced = nullptr);

    std::size_t queued() const;  // images waiting for a forward pass now

private:
    std::unique_ptr<State> state_;
};

}  // namespace img2music
