// libheif's own full decode, the baseline of bench/run.sh's photos section: each HEIC path on
// stdin decoded (primary image, transforms applied) to interleaved 8-bit RGB, as heif-convert
// does before it writes a file, and nothing else. Prints the number decoded and the seconds.
#include <libheif/heif.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

int main() {
    const auto t0 = std::chrono::steady_clock::now();
    int decoded = 0;
    std::string path;
    while (std::getline(std::cin, path)) {
        std::unique_ptr<heif_context, void (*)(heif_context*)> ctx(heif_context_alloc(), heif_context_free);
        heif_image_handle* handle = nullptr;
        heif_image* image = nullptr;
        if (heif_context_read_from_file(ctx.get(), path.c_str(), nullptr).code != heif_error_Ok ||
            heif_context_get_primary_image_handle(ctx.get(), &handle).code != heif_error_Ok ||
            heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nullptr).code != heif_error_Ok) {
            std::fprintf(stderr, "heif_decode_bench: %s: cannot decode\n", path.c_str());
            return 1;
        }
        heif_image_release(image);
        heif_image_handle_release(handle);
        ++decoded;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("decoded=%d seconds=%.3f\n", decoded, seconds);
    return 0;
}
