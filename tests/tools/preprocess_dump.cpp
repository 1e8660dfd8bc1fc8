// Writes the C++ preprocessing of one image as raw little-endian float32 [3, H, W], so that a
// test can compare it with the Python mirror (scripts/img2music_model/preprocess.py).
//   usage: preprocess_dump SPEC_JSON IMAGE OUT
#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/model_metadata.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: preprocess_dump SPEC_JSON IMAGE OUT\n";
        return 2;
    }
    try {
        // Reuse the real metadata parser: wrap the preprocess block in a minimal document.
        const nlohmann::json doc = {{"format", "img2music-model"},
                                    {"format_version", 1},
                                    {"name", "dump"},
                                    {"arch", "dump"},
                                    {"outputs", {"valence", "arousal"}},
                                    {"preprocess", nlohmann::json::parse(argv[1])}};
        const img2music::ModelMetadata meta = img2music::parse_model_metadata(doc.dump(), "spec");
        std::vector<float> out(meta.preprocess.tensor_size());
        img2music::preprocess(img2music::Image::load(argv[2]), meta.preprocess, out.data());
        std::ofstream f(argv[3], std::ios::binary);
        f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(float)));
        return f ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "preprocess_dump: " << e.what() << '\n';
        return 1;
    }
}
