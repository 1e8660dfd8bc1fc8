#include "img2music/process_settings.hpp"

#include "img2music/image.hpp"
#include "img2music/va_model.hpp"
#include "tensor_block_cache.hpp"

#include <torch/csrc/jit/runtime/graph_executor.h>

namespace img2music {

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
