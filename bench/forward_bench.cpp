// Raw forward-pass throughput of a model: the compute bound for the whole-process benchmark.
// Not a test: bench/run.sh runs it and compares `img2music` with it.
//
//   usage: forward_bench MODEL [--batch N] [--batches N] [--warmup N] [--threads N] [--precision auto|float32|bfloat16]
//     --batch    images per forward pass (default 8, img2music's default --batch-size)
//     --batches  timed forward passes (default 40)
//     --warmup   untimed passes first: oneDNN picks kernels and the allocator fills its
//                caches on the first calls (default 3)
//     --threads  LibTorch intra-op threads, 0 = one per core as img2music does (default 0)
//
// The model is loaded with VaModel::load (frozen, probed: exactly what img2music runs) and fed
// random N(0, 1) batches, already in memory: no decoding, resizing or song matching. The
// batches are generated before timing and cycled, so the timed loop is predict() alone.
//
// Prints one line of key=value pairs on stdout (bench/run.sh parses images_per_s: all timed
// images over the whole timed loop), e.g.
//   images_per_s=45.1 batch=8 batches=40 warmup=3 seconds=7.09 median_batch_s=0.1771 threads=0 ...
// libgomp reads OMP_WAIT_POLICY when it is loaded, before main(): set it in the environment
// (img2music's launcher uses PASSIVE; run.sh measures both PASSIVE and libgomp's default).
#include "img2music/error.hpp"
#include "img2music/process_settings.hpp"
#include "img2music/va_model.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
    std::string model;
    int batch = 8;
    int batches = 40;
    int warmup = 3;
    int threads = 0;
    img2music::Precision precision = img2music::Precision::automatic;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "forward_bench: %s\nusage: forward_bench MODEL [--batch N] [--batches N] [--warmup N] [--threads N] [--precision "
                 "auto|float32|bfloat16]\n",
                 why);
    std::exit(2);
}

int parse_int(const char* text, int min) {
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < min || v > 1000000) usage("bad number");
    return static_cast<int>(v);
}

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--batch" && has_value) {
            a.batch = parse_int(argv[++i], 1);
        } else if (arg == "--batches" && has_value) {
            a.batches = parse_int(argv[++i], 1);
        } else if (arg == "--warmup" && has_value) {
            a.warmup = parse_int(argv[++i], 0);
        } else if (arg == "--precision" && has_value) {
            const std::string p = argv[++i];
            if (p == "auto")
                a.precision = img2music::Precision::automatic;
            else if (p == "float32")
                a.precision = img2music::Precision::float32;
            else if (p == "bfloat16")
                a.precision = img2music::Precision::bfloat16;
            else
                usage("--precision: auto, float32 or bfloat16");
        } else if (arg == "--threads" && has_value) {
            a.threads = parse_int(argv[++i], 0);
        } else if (!arg.empty() && arg[0] != '-' && a.model.empty()) {
            a.model = arg;
        } else {
            usage(("unexpected argument " + arg).c_str());
        }
    }
    if (a.model.empty()) usage("no model given");
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace img2music;
    const Args a = parse(argc, argv);
    try {
        configure_process(a.threads);  // before the model is loaded, as the CLI does
        const VaModel model = VaModel::load(a.model, "", a.precision);
        const std::size_t per_image = model.metadata().preprocess.tensor_size();
        const std::size_t n = static_cast<std::size_t>(a.batch);

        // A few distinct batches, cycled, so that no pass sees the previous one's input hot in
        // cache any more than a real run would.
        constexpr std::size_t kDistinct = 4;
        std::mt19937 rng(1234);
        std::normal_distribution<float> normal(0.0F, 1.0F);
        std::vector<std::vector<float>> batches(kDistinct, std::vector<float>(per_image * n));
        for (auto& b : batches)
            for (float& x : b) x = normal(rng);

        std::size_t valid = 0;  // used below, so the passes cannot be optimised away
        for (int i = 0; i < a.warmup; ++i) model.predict(batches[static_cast<std::size_t>(i) % kDistinct].data(), n);
        std::vector<double> per_batch;  // the median shows what the total hides: a disturbed machine
        const auto start = Clock::now();
        for (int i = 0; i < a.batches; ++i) {
            const auto t0 = Clock::now();
            for (const auto& r : model.predict(batches[static_cast<std::size_t>(i) % kDistinct].data(), n)) valid += r ? 1 : 0;
            per_batch.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const double images = static_cast<double>(a.batches) * static_cast<double>(n);
        std::sort(per_batch.begin(), per_batch.end());
        const double median = per_batch[per_batch.size() / 2];
        const char* policy = std::getenv("OMP_WAIT_POLICY");
        std::printf(
            "images_per_s=%.2f batch=%d batches=%d warmup=%d seconds=%.3f median_batch_s=%.4f threads=%d omp_wait_policy=%s valid=%zu "
            "model=%s precision=%s\n",
            images / seconds, a.batch, a.batches, a.warmup, seconds, median, a.threads, policy != nullptr ? policy : "default", valid,
            model.metadata().name.c_str(), model.precision() == Precision::bfloat16 ? "bfloat16" : "float32");
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "forward_bench: %s\n", e.what());
        return 2;
    }
}
