#include "img2music/pipeline.hpp"

#include "img2music/alignment.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/song_selector.hpp"
#include "img2music/va_model.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

namespace img2music {
namespace {

struct Slot {
    std::string path;
    std::optional<std::string> error;
    std::optional<FramePosition> frame;
    std::optional<Image> image;        // decoded by the source (video frames); released once preprocessed
    std::optional<std::string> bytes;  // the encoded image (an upload); released once decoded
    Image thumbnail;                   // with PipelineOptions::thumbnail_side, for the emit callback
    std::vector<float> tensor;
    bool ready = false;
};

// The ring shared by the decode workers and the forward loop. Input number `seq` lives in
// slots[seq % slots.size()] from when a worker takes it until the forward loop emits it.
struct Ring {
    std::mutex input_mutex;         // serialises inputs.next() and the numbering of inputs
    std::mutex mutex;               // guards everything below
    std::condition_variable space;  // a slot was freed, or stop
    std::condition_variable ready;  // a slot became ready, input ended, or a worker now waits on input
    std::condition_variable turn;   // `emitted` moved: the lane holding the next batch may emit
    std::vector<Slot> slots;
    std::size_t taken = 0;    // inputs numbered so far
    std::size_t claimed = 0;  // inputs a model lane has taken into a batch
    std::size_t running = 0;  // forward passes in progress
    bool first_lane_busy = false;
    std::size_t emitted = 0;  // inputs whose records were emitted
    bool ended = false;
    bool waiting_for_input = false;  // a worker is in inputs.next(), which may wait on a pipe
    bool stop = false;
    std::exception_ptr failure;  // from inputs.next(), or a bug in a worker: ends the run

    // Ends the run with `error` (the first one kept): every wait wakes and gives up.
    void fail(std::exception_ptr error) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (!failure) failure = std::move(error);
            stop = true;
        }
        ready.notify_all();
        space.notify_all();
        turn.notify_all();
    }

    // Ready slots in a row from input number `from`.
    std::size_t consecutive_ready(std::size_t from) const {
        std::size_t n = 0;
        while (from + n < taken && slots[(from + n) % slots.size()].ready) ++n;
        return n;
    }
};

Image decode(Slot& slot, const DecodeOptions& options) {
    if (slot.image) return *slot.image;
    if (slot.bytes) return Image::decode(reinterpret_cast<const std::uint8_t*>(slot.bytes->data()), slot.bytes->size(), slot.path, options);
    return Image::load(slot.path, options);
}

void decode_worker(Ring& ring, InputSource& inputs, const PreprocessSpec& spec, int thumbnail_side) {
    // Decoded no larger than the model's input (and the thumbnail) needs: a big photo's JPEG
    // decodes at a fraction of its size.
    DecodeOptions options = decode_options_for(spec);
    options.min_width = std::max(options.min_width, thumbnail_side);
    options.min_height = std::max(options.min_height, thumbnail_side);
    for (;;) {
        std::size_t seq = 0;
        {
            std::lock_guard<std::mutex> numbering(ring.input_mutex);
            {
                std::unique_lock<std::mutex> lock(ring.mutex);
                ring.space.wait(lock, [&] { return ring.stop || ring.ended || ring.taken - ring.emitted < ring.slots.size(); });
                if (ring.stop || ring.ended) return;
                ring.waiting_for_input = inputs.may_wait();
            }
            ring.ready.notify_all();
            std::optional<Input> input;
            std::exception_ptr failure;
            try {
                input = inputs.next();
            } catch (...) {
                failure = std::current_exception();
            }
            {
                std::lock_guard<std::mutex> lock(ring.mutex);
                ring.waiting_for_input = false;
                if (failure && !ring.failure) ring.failure = failure;
                if (!input || ring.stop) {
                    ring.ended = true;
                } else {
                    seq = ring.taken++;
                    Slot& slot = ring.slots[seq % ring.slots.size()];
                    slot.path = std::move(input->path);
                    slot.error = std::move(input->error);
                    slot.frame = input->frame;
                    slot.image = std::move(input->image);
                    slot.bytes = std::move(input->bytes);
                    slot.thumbnail = Image();
                    slot.ready = false;
                }
            }
            if (ring.ended) {
                ring.ready.notify_all();
                ring.space.notify_all();
                return;
            }
        }
        // Only this worker touches the slot until it is marked ready.
        Slot& slot = ring.slots[seq % ring.slots.size()];
        if (!slot.error) {
            try {
                const Image image = decode(slot, options);
                slot.tensor.resize(spec.tensor_size());  // allocated on first use: a short run touches few slots
                preprocess(image, spec, slot.tensor.data());
                if (thumbnail_side > 0) slot.thumbnail = image.thumbnail(thumbnail_side);
            } catch (const InputError& e) {
                slot.error = e.reason();
            } catch (const Error& e) {
                slot.error = first_line(e.what());
            } catch (...) {
                ring.fail(std::current_exception());  // not about this input (out of memory, a bug)
                return;
            }
            slot.image.reset();
            slot.bytes.reset();
        }
        {
            std::lock_guard<std::mutex> lock(ring.mutex);
            slot.ready = true;
        }
        ring.ready.notify_all();
    }
}

}  // namespace

Pipeline::Pipeline(const VaModel& model, const SongSelector& selector, const Alignment& alignment, PipelineOptions options)
    : model_(model), selector_(selector), alignment_(alignment), options_(options) {
    options_.batch_size = std::max<std::size_t>(1, options_.batch_size);
    options_.decode_threads = std::max(1, options_.decode_threads);
    options_.model_lanes = std::max(1, options_.model_lanes);
    options_.threads_per_lane = std::max(1, options_.threads_per_lane);
}

Record Pipeline::recommend(const std::string& input, VA va) const {
    Record r;
    r.input = input;
    r.va = va;
    match_songs(r, alignment_, selector_, selector_.allowed());
    return r;
}

std::size_t Pipeline::run(InputSource& inputs, const std::function<void(const Record&)>& emit) const {
    return run(inputs, [&emit](const Record& r, const Image& /*thumbnail*/) { emit(r); });
}

namespace {

// The model's probabilities under their names (both in the model's order).
std::vector<EmotionScore> named_emotions(const std::vector<std::string>& names, const std::vector<float>& probabilities) {
    std::vector<EmotionScore> out;
    out.reserve(probabilities.size());
    for (std::size_t k = 0; k < probabilities.size() && k < names.size(); ++k) out.push_back({names[k], probabilities[k]});
    return out;
}

}  // namespace

Record Pipeline::record(const std::string& input, const Prediction& prediction) const {
    Record r = recommend(input, prediction.va);
    r.emotions = named_emotions(model_.metadata().emotions, prediction.emotions);
    return r;
}

std::size_t Pipeline::run(InputSource& inputs, const std::function<void(const Record&, const Image&)>& emit) const {
    const PreprocessSpec& spec = model_.metadata().preprocess;
    const std::size_t tensor = spec.tensor_size();
    const std::size_t batch_size = options_.batch_size;
    const int lanes = options_.model_lanes;

    Ring ring;
    // Each lane holds one batch while the workers fill the next: one batch more than lanes.
    ring.slots.resize((static_cast<std::size_t>(lanes) + 1) * batch_size + static_cast<std::size_t>(options_.decode_threads));
    std::vector<std::thread> workers;
    workers.reserve(static_cast<std::size_t>(options_.decode_threads));
    for (int t = 0; t < options_.decode_threads; ++t)
        workers.emplace_back(decode_worker, std::ref(ring), std::ref(inputs), std::cref(spec), options_.thumbnail_side);
    auto stop_workers = [&] {
        {
            std::lock_guard<std::mutex> lock(ring.mutex);
            ring.stop = true;
        }
        inputs.cancel();
        ring.space.notify_all();
        ring.turn.notify_all();
        for (std::thread& w : workers) w.join();
    };

    std::atomic<std::size_t> failures{0};
    // One lane: claims the next batch of ready slots, runs the model on it, makes its records,
    // then waits for its turn and emits them, so records leave in input order.
    // The first lane runs on the calling thread: alone (a short run, a slow source) with the
    // caller's threads, beside another lane with one share of them. The other lanes start when
    // there is work for them and take batches only while the first is busy.
    std::vector<std::thread> extra_lanes;
    const int own_threads = lanes > 1 ? set_inference_threads_of_this_thread(0) : 0;  // 0: reads it, changes nothing
    int first_lane_threads = own_threads;
    std::function<void()> start_extra_lanes;
    const auto lane = [&](bool first) {
        std::vector<float> batch;          // grows to the largest batch seen: a short run touches less memory
        std::vector<std::size_t> decoded;  // positions in the batch that go to the model
        std::vector<std::pair<Record, const Image*>> records;
        for (;;) {
            std::size_t start = 0;
            std::size_t count = 0;
            bool share = false;
            {
                std::unique_lock<std::mutex> lock(ring.mutex);
                ring.ready.wait(lock, [&] {
                    count = ring.consecutive_ready(ring.claimed);
                    const bool all_taken_ready = ring.claimed + count == ring.taken;
                    if (ring.failure || ring.stop || (count == 0 && all_taken_ready && ring.ended)) return true;
                    return (first || ring.first_lane_busy) &&
                           (count >= batch_size || (all_taken_ready && (ring.ended || (ring.waiting_for_input && count > 0))));
                });
                if (ring.failure || ring.stop || count == 0) return;  // failed, or ended and every batch claimed
                count = std::min(count, batch_size);
                start = ring.claimed;
                ring.claimed += count;
                ++ring.running;
                if (first) {
                    ring.first_lane_busy = true;
                    share = lanes > 1 && (ring.running > 1 || ring.consecutive_ready(ring.claimed) > 0);
                }
            }
            if (first && lanes > 1) {
                if (share && extra_lanes.empty()) start_extra_lanes();
                // Once two lanes had work, one share for good: a lane that finds no second batch
                // ready is usually waiting on decoding, which needs the cores then (video).
                const int wanted = extra_lanes.empty() ? own_threads : options_.threads_per_lane;
                if (wanted != first_lane_threads) {
                    set_inference_threads_of_this_thread(wanted);
                    first_lane_threads = wanted;
                }
                ring.ready.notify_all();  // the other lanes may take what is ready now
            }
            // Slots start..start+count stay this lane's until `emitted` moves past them.
            const auto slot_at = [&](std::size_t i) -> const Slot& { return ring.slots[(start + i) % ring.slots.size()]; };
            decoded.clear();
            if (batch.size() < count * tensor) batch.resize(count * tensor);
            for (std::size_t i = 0; i < count; ++i) {
                if (slot_at(i).error) continue;
                std::memcpy(batch.data() + decoded.size() * tensor, slot_at(i).tensor.data(), tensor * sizeof(float));
                decoded.push_back(i);
            }
            const std::vector<std::optional<Prediction>> predictions = model_.predict_outputs(batch.data(), decoded.size());
            {
                std::lock_guard<std::mutex> lock(ring.mutex);
                --ring.running;
                if (first) ring.first_lane_busy = false;
            }
            records.clear();
            std::size_t next_prediction = 0;
            for (std::size_t i = 0; i < count; ++i) {
                const Slot& slot = slot_at(i);
                std::optional<Prediction> prediction;
                if (!slot.error) prediction = predictions[next_prediction++];
                if (prediction) {
                    Record r = record(slot.path, *prediction);
                    r.frame = slot.frame;
                    records.emplace_back(std::move(r), &slot.thumbnail);
                    continue;
                }
                ++failures;
                Record r;
                r.input = slot.path;
                r.frame = slot.frame;
                r.error = slot.error ? *slot.error : std::string("the model produced a non-finite value");
                records.emplace_back(std::move(r), nullptr);
            }
            {
                std::unique_lock<std::mutex> lock(ring.mutex);
                ring.turn.wait(lock, [&] { return ring.failure || ring.stop || ring.emitted == start; });
                if (ring.failure || ring.stop) return;
            }
            // Only this lane emits until `emitted` moves on.
            const Image none;
            for (const auto& [r, thumbnail] : records) emit(r, thumbnail != nullptr ? *thumbnail : none);
            {
                std::lock_guard<std::mutex> lock(ring.mutex);
                ring.emitted += count;
            }
            ring.space.notify_all();
            ring.turn.notify_all();
        }
    };
    // A lane's exception (from the model or from `emit`) ends the run: the others see it and stop.
    const auto guarded_lane = [&](bool first) {
        try {
            lane(first);
        } catch (...) {
            ring.fail(std::current_exception());
        }
    };

    start_extra_lanes = [&] {
        for (int l = 1; l < lanes; ++l) {
            extra_lanes.emplace_back([&] {
                set_inference_threads_of_this_thread(options_.threads_per_lane);
                guarded_lane(false);
            });
        }
    };
    guarded_lane(true);
    for (std::thread& t : extra_lanes) t.join();
    if (lanes > 1 && first_lane_threads != own_threads) set_inference_threads_of_this_thread(own_threads);
    stop_workers();
    if (ring.failure) std::rethrow_exception(ring.failure);
    return failures.load();
}

}  // namespace img2music
