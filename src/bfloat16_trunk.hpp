// Internal: a frozen model's convolutions in bfloat16 on CPUs that compute it natively.
#pragma once

#include <torch/script.h>

namespace img2music {

// True when the CPU has native bfloat16 dot products (AVX512-BF16 or AMX-BF16), where oneDNN's
// bfloat16 convolutions run about twice as fast as float32 ones. Elsewhere bfloat16 would be
// emulated and slower, so callers keep float32 there.
bool cpu_has_native_bfloat16();

// Rewrites the forward of a frozen module whose convolutions call aten::mkldnn_convolution
// (onednn_routing.hpp) so that the convolutions and the cheap elementwise operations between them
// (padding, ReLU/ReLU6/clamp, max pooling) run in bfloat16, and everything else — pooling,
// standardisation, the linear heads, softmax — sees float32: a cast to float32 is inserted
// before every other operation's tensor inputs (free when they already are), except before the
// ones that read only a shape (size, dim, numel). Convolution
// weights are converted once, here; accumulation inside oneDNN stays float32.
// Returns the number of convolutions converted (0: the graph is unchanged).
int convert_convolutions_to_bfloat16(torch::jit::Module& module);

}  // namespace img2music
