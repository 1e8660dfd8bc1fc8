#include "img2music/batcher.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace img2music {

struct Batcher::State {
    struct Item {
        std::vector<float> tensor;
        std::promise<std::optional<Prediction>> promise;
        std::chrono::steady_clock::time_point queued;
    };

    const VaModel& model;
    BatcherOptions options;
    std::size_t tensor_size;
    mutable std::mutex mutex;
    std::condition_variable wake;  // an image was queued, or stop
    std::deque<Item> queue;
    bool stop = false;
    std::thread thread;

    State(const VaModel& m, BatcherOptions o) : model(m), options(std::move(o)), tensor_size(m.metadata().preprocess.tensor_size()) {
        options.batch_size = std::max<std::size_t>(1, options.batch_size);
        options.max_queue = std::max<std::size_t>(1, options.max_queue);
    }

    void loop() {
        std::vector<float> batch(options.batch_size * tensor_size);
        std::vector<Item> taken;
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex);
                wake.wait(lock, [&] { return stop || !queue.empty(); });
                if (queue.empty()) return;  // stopped, and everything queued is answered
                const auto deadline = queue.front().queued + options.max_wait;
                wake.wait_until(lock, deadline, [&] { return stop || queue.size() >= options.batch_size; });
                const std::size_t n = std::min(queue.size(), options.batch_size);
                taken.clear();
                for (std::size_t i = 0; i < n; ++i) {
                    taken.push_back(std::move(queue.front()));
                    queue.pop_front();
                }
            }
            for (std::size_t i = 0; i < taken.size(); ++i)
                std::memcpy(batch.data() + i * tensor_size, taken[i].tensor.data(), tensor_size * sizeof(float));
            std::vector<std::optional<Prediction>> predictions;
            std::exception_ptr failure;
            try {
                predictions = model.predict_outputs(batch.data(), taken.size());
            } catch (...) {
                failure = std::current_exception();
            }
            // Before the answers: whoever waits on one then sees the pass counted (no race with
            // on_batch's own state).
            if (options.on_batch) options.on_batch(taken.size());
            for (std::size_t i = 0; i < taken.size(); ++i) {
                if (failure) {
                    taken[i].promise.set_exception(failure);
                } else {
                    taken[i].promise.set_value(std::move(predictions[i]));
                }
            }
        }
    }
};

Batcher::Batcher(const VaModel& model, BatcherOptions options) : state_(std::make_unique<State>(model, std::move(options))) {
    state_->thread = std::thread([s = state_.get()] { s->loop(); });
}

Batcher::~Batcher() {
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->stop = true;
    }
    state_->wake.notify_all();
    state_->thread.join();
}

std::vector<std::future<std::optional<Prediction>>> Batcher::submit(std::vector<std::vector<float>> tensors) {
    for (const std::vector<float>& t : tensors) {
        if (t.size() != state_->tensor_size)
            throw Error("batcher: an image of " + std::to_string(t.size()) + " floats, the model takes " +
                        std::to_string(state_->tensor_size));
    }
    std::vector<std::future<std::optional<Prediction>>> futures;
    futures.reserve(tensors.size());
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        if (state_->stop || state_->queue.size() + tensors.size() > state_->options.max_queue) throw QueueFull();
        const auto now = std::chrono::steady_clock::now();
        for (std::vector<float>& t : tensors) {
            State::Item item{std::move(t), {}, now};
            futures.push_back(item.promise.get_future());
            state_->queue.push_back(std::move(item));
        }
    }
    state_->wake.notify_all();
    return futures;
}

std::size_t Batcher::queued() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->queue.size();
}

}  // namespace img2music
