#include "img2music/process_settings.hpp"

#include "img2music/image.hpp"
#include "img2music/va_model.hpp"
#include "tensor_block_cache.hpp"

#include <sched.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <algorithm>
#include <thread>

namespace img2music {

int usable_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

int resolve_threads(int requested) { return requested > 0 ? requested : usable_cores(); }

void configure_process(int threads) {
    torch::jit::getProfilingMode() = false;
    torch::jit::getExecutorMode() = false;
    set_inference_threads(resolve_threads(threads));
    set_image_threads(1);
    // Before any model's tensors exist, so that every buffer LibTorch frees comes back to the
    // cache. 256 MB holds several batches' activations of the models we ship and test.
    install_tensor_block_cache(std::size_t{256} << 20);
}

}  // namespace img2music
