// Internal: the frozen model's convolutions on one kernel whatever the thread count.
#pragma once

#include <torch/script.h>

namespace img2music {

// Routes every 2-D convolution of a frozen module's forward to oneDNN (aten::mkldnn_convolution), the
// kernel LibTorch's own dispatch picks for them whenever it runs more than one thread. With one
// intra-op thread that dispatch sends 1x1 convolutions to its "THNN" path instead, which calls
// the system BLAS's sgemm: on Debian that is the reference BLAS (libblas3), and a forward was
// measured 11x slower (93 % of the time in sgemm_), so `--threads 1` ran at a tenth of two
// threads' speed. Same kernel at every thread count: the answers do not depend on --threads.
// Returns the number of convolutions routed.
int route_convolutions_to_onednn(torch::jit::Module& module);

// Routes every matrix product of a frozen module's forward with a constant 2-D float32 weight
// (aten::linear(x, W, b), aten::matmul(x, W)) to oneDNN as a 1x1 convolution over x reshaped to
// [rows, in, 1, 1], and back to x's leading dimensions. The products otherwise run in the
// system BLAS's sgemm, on Debian the reference BLAS: an ImageNet classifier layer (768 -> 1,000,
// two rows) was measured at 1.2 ms there and 0.25 ms in oneDNN, one thread each. Run it after
// the bfloat16 conversion, which then leaves these products in float32 (same answers to 1e-5).
// Returns the number of products routed.
int route_matrix_products_to_onednn(torch::jit::Module& module);

}  // namespace img2music
