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
        std::promise<BatchResult> promise;
        std::chrono::steady_clock::time_point queued;
    };

    const VaModel& model;
    BatcherOptions options;
    std::size_t tensor_size;
    mutable std::mutex mutex;
    std::condition_variable wake;  // an image was queued or an announcement ended, or stop
    std::deque<Item> queue;
    std::size_t announced = 0;  // images callers are preparing (Announcement)
    std::size_t running = 0;    // forward passes in progress
    bool first_lane_busy = false;
    bool stop = false;
    std::vector<std::thread> lane_threads;  // one per lane

    State(const VaModel& m, BatcherOptions o) : model(m), options(std::move(o)), tensor_size(m.metadata().preprocess.tensor_size()) {
        options.batch_size = std::max<std::size_t>(1, options.batch_size);
        options.max_queue = std::max<std::size_t>(1, options.max_queue);
        options.lanes = std::max<std::size_t>(1, options.lanes);
        options.threads = std::max(1, options.threads);
    }

    // One lane's inference thread. The first lane takes every pass it can; the others only
    // while it is busy, so a lone request always runs on the first, with all the threads.
    void loop(std::size_t lane) {
        const bool first = lane == 0;
        const int shared_threads = std::max(1, options.threads / static_cast<int>(options.lanes));
        // Lanes after the first never start an OpenMP team: more OpenMP threads than cores make
        // libgomp throttle its spinning, which doubles a lone pass's time (server.cpp).
        if (options.lanes > 1 && !first) set_inference_threads_of_this_thread(shared_threads);
        int threads_set = 0;
        std::vector<float> batch(options.batch_size * tensor_size);
        std::vector<Item> taken;
        for (;;) {
            int threads = options.threads;
            {
                std::unique_lock<std::mutex> lock(mutex);
                wake.wait(lock, [&] { return stop || (!queue.empty() && (first || first_lane_busy)); });
                if (queue.empty()) return;  // stopped, and everything queued is answered
                // Wait for more only when more are coming: a lone image goes at once.
                const auto deadline = queue.front().queued + options.max_wait;
                wake.wait_until(lock, deadline, [&] { return stop || queue.size() >= options.batch_size || announced == 0; });
                if (queue.empty()) continue;  // another lane took them
                const std::size_t n = std::min(queue.size(), options.batch_size);
                taken.clear();
                for (std::size_t i = 0; i < n; ++i) {
                    taken.push_back(std::move(queue.front()));
                    queue.pop_front();
                }
                // Alone, a pass gets every thread (latency); beside another, or with more
                // queued for another lane, one share (throughput: two one-threaded passes do
                // about 1.75x the work of one two-threaded pass on 2 cores).
                if (running > 0 || !queue.empty()) threads = shared_threads;
                ++running;
                if (first) first_lane_busy = true;
            }
            if (first) wake.notify_all();  // the other lanes may take what is queued now
            if (options.lanes > 1 && first && threads != threads_set) {
                set_inference_threads_of_this_thread(threads);
                threads_set = threads;
            }
            for (std::size_t i = 0; i < taken.size(); ++i)
                std::memcpy(batch.data() + i * tensor_size, taken[i].tensor.data(), tensor_size * sizeof(float));
            std::vector<std::optional<Prediction>> predictions;
            std::exception_ptr failure;
            const auto start = std::chrono::steady_clock::now();
            try {
                predictions = model.predict_outputs(batch.data(), taken.size());
            } catch (...) {
                failure = std::current_exception();
            }
            const auto forward = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
            {
                std::lock_guard<std::mutex> lock(mutex);
                --running;
                if (first) first_lane_busy = false;
            }
            // Before the answers: whoever waits on one then sees the pass counted (no race with
            // on_batch's own state).
            if (options.on_batch) options.on_batch(taken.size());
            for (std::size_t i = 0; i < taken.size(); ++i) {
                if (failure) {
                    taken[i].promise.set_exception(failure);
                } else {
                    const auto queued = std::chrono::duration_cast<std::chrono::microseconds>(start - taken[i].queued);
                    taken[i].promise.set_value(BatchResult{std::move(predictions[i]), queued, forward, taken.size()});
                }
            }
        }
    }
};

Batcher::Batcher(const VaModel& model, BatcherOptions options) : state_(std::make_unique<State>(model, std::move(options))) {
    for (std::size_t lane = 0; lane < state_->options.lanes; ++lane)
        state_->lane_threads.emplace_back([s = state_.get(), lane] { s->loop(lane); });
}

Batcher::~Batcher() {
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->stop = true;
    }
    state_->wake.notify_all();
    for (std::thread& t : state_->lane_threads) t.join();
}

Batcher::Announcement::Announcement(Announcement&& other) noexcept : state_(other.state_), images_(other.images_) { other.images_ = 0; }

Batcher::Announcement& Batcher::Announcement::operator=(Announcement&& other) noexcept {
    if (this != &other) {
        withdraw();
        state_ = other.state_;
        images_ = other.images_;
        other.images_ = 0;
    }
    return *this;
}

Batcher::Announcement::~Announcement() { withdraw(); }

void Batcher::Announcement::withdraw() {
    if (images_ == 0) return;
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->announced -= std::min(images_, state_->announced);
        images_ = 0;
    }
    state_->wake.notify_all();
}

Batcher::Announcement Batcher::announce(std::size_t images) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->announced += images;
    return Announcement(state_.get(), images);
}

std::vector<std::future<BatchResult>> Batcher::submit(std::vector<std::vector<float>> tensors, Announcement* announced) {
    for (const std::vector<float>& t : tensors) {
        if (t.size() != state_->tensor_size) {
            if (announced != nullptr) announced->withdraw();
            throw Error("batcher: an image of " + std::to_string(t.size()) + " floats, the model takes " +
                        std::to_string(state_->tensor_size));
        }
    }
    std::vector<std::future<BatchResult>> futures;
    futures.reserve(tensors.size());
    bool full = false;
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        // The announcement ends with the images queued, in one step: the inference thread never
        // sees them as neither announced nor queued.
        if (announced != nullptr && announced->images_ > 0) {
            state_->announced -= std::min(announced->images_, state_->announced);
            announced->images_ = 0;
        }
        full = state_->stop || state_->queue.size() + tensors.size() > state_->options.max_queue;
        const auto now = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < tensors.size() && !full; ++i) {
            State::Item item{std::move(tensors[i]), {}, now};
            futures.push_back(item.promise.get_future());
            state_->queue.push_back(std::move(item));
        }
    }
    state_->wake.notify_all();
    if (full) throw QueueFull();
    return futures;
}

std::size_t Batcher::queued() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->queue.size();
}

}  // namespace img2music
