// The arithmetic a model's convolutions run in.
//
// bfloat16 halves the time of a forward pass on CPUs with native bfloat16 dot products
// (AVX512-BF16 or AMX) and moves the outputs by about 0.005 on average (measured in
// docs/performance.md); pooling and the heads stay float32 either way. Choosing it by the CPU, as
// `automatic` does, is what OpenVINO does by default on such CPUs.
#pragma once

#include "img2music/names.hpp"

namespace img2music {

enum class Precision {
    automatic,  // bfloat16 where the CPU computes it natively, float32 elsewhere
    float32,
    bfloat16,  // refused when the CPU or the model cannot run it (oneDNN needs AVX-512 BW/VL)
};

// "auto", "float32", "bfloat16".
const NameTable<Precision>& precision_names();

}  // namespace img2music
