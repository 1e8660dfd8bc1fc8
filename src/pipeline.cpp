#include "img2music/pipeline.hpp"

#include "img2music/alignment.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/recommender.hpp"
#include "img2music/va_model.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

namespace img2music {
namespace {

// Messages name their input ("path: reason"); a record carries the input separately.
std::string reason_only(const std::string& message, const std::string& input) {
    const std::string prefix = input + ": ";
    return message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
}

}  // namespace

Pipeline::Pipeline(const VaModel& model, const Recommender& recommender, const Alignment& alignment, PipelineOptions options)
    : model_(model), recommender_(recommender), alignment_(alignment), options_(options) {
    options_.batch_size = std::max<std::size_t>(1, options_.batch_size);
    options_.decode_threads = std::max(1, options_.decode_threads);
}

Record Pipeline::recommend(const std::string& input, VA va) const {
    Record r;
    r.input = input;
    r.va = va;
    VA query = va;
    if (!alignment_.is_identity()) {
        query = alignment_.apply(va);
        r.aligned = query;
    }
    r.songs = recommender_.search(query, options_.top_k);
    return r;
}

std::size_t Pipeline::run(InputSource& inputs, const std::function<void(const Record&)>& emit) const {
    const PreprocessSpec& spec = model_.metadata().preprocess;
    const std::size_t tensor = spec.tensor_size();
    std::vector<float> batch(options_.batch_size * tensor);
    std::vector<std::string> paths;
    std::vector<std::optional<std::string>> errors;
    std::size_t failures = 0;

    for (;;) {
        paths.clear();
        while (paths.size() < options_.batch_size) {
            std::optional<std::string> next = inputs.next();
            if (!next) break;
            paths.push_back(std::move(*next));
        }
        if (paths.empty()) break;
        const std::size_t n = paths.size();
        errors.assign(n, std::nullopt);

        // Decode and preprocess in parallel, each image into its own slot of the batch.
        std::atomic<std::size_t> next_slot{0};
        auto work = [&] {
            for (std::size_t i = next_slot++; i < n; i = next_slot++) {
                try {
                    preprocess(Image::load(paths[i]), spec, batch.data() + i * tensor);
                } catch (const InputError& e) {
                    errors[i] = e.what();
                } catch (const std::exception& e) {
                    errors[i] = first_line(e.what());
                }
            }
        };
        const int workers = static_cast<int>(std::min<std::size_t>(n, static_cast<std::size_t>(options_.decode_threads)));
        std::vector<std::thread> threads;
        for (int t = 1; t < workers; ++t) threads.emplace_back(work);
        work();
        for (std::thread& t : threads) t.join();

        // Close the gaps left by failed inputs so the model sees one contiguous batch.
        std::vector<std::size_t> ok;
        for (std::size_t i = 0; i < n; ++i) {
            if (errors[i]) continue;
            if (ok.size() != i) std::memcpy(batch.data() + ok.size() * tensor, batch.data() + i * tensor, tensor * sizeof(float));
            ok.push_back(i);
        }
        const std::vector<std::optional<VA>> predictions = model_.predict(batch.data(), ok.size());
        std::vector<std::optional<VA>> va(n);
        for (std::size_t j = 0; j < ok.size(); ++j) {
            va[ok[j]] = predictions[j];
            if (!predictions[j]) errors[ok[j]] = "the model produced a non-finite value";
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (errors[i]) {
                ++failures;
                Record r;
                r.input = paths[i];
                r.error = reason_only(*errors[i], paths[i]);
                emit(r);
            } else {
                emit(recommend(paths[i], *va[i]));
            }
        }
    }
    return failures;
}

}  // namespace img2music
