// How an image becomes a model input. Read from the model's metadata (docs/model-contract.md).
#pragma once

#include <array>
#include <cstddef>

namespace img2music {

enum class ResizePolicy {
    ShorterSide,  // scale so the shorter side is `resize_shorter`, then centre-crop
    Stretch,      // resize straight to input_height x input_width
};

enum class Interpolation { Area, Linear };

struct PreprocessSpec {
    int input_height = 224;
    int input_width = 224;
    ResizePolicy resize = ResizePolicy::ShorterSide;
    int resize_shorter = 224;
    Interpolation interpolation = Interpolation::Area;
    // x[c] = (pixel[c] * pixel_scale - mean[c]) / std[c], pixel in 0..255, c in R, G, B order.
    float pixel_scale = 1.0F / 255.0F;
    std::array<float, 3> mean{0.0F, 0.0F, 0.0F};
    std::array<float, 3> std{1.0F, 1.0F, 1.0F};

    // Floats in one preprocessed image: 3 * input_height * input_width.
    std::size_t tensor_size() const { return 3U * static_cast<std::size_t>(input_height) * static_cast<std::size_t>(input_width); }
};

}  // namespace img2music
