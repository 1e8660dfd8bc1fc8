// The img2music executable: a launcher for the CLI, which lives in libimg2music_cli.so.
//
// Why a launcher: LibTorch runs its intra-op work on an OpenMP team (libgomp) whose idle threads
// spin by default. When anything else wants the CPU (img2music's own decode threads, another
// job), spinning threads steal it: a MobileNet forward was measured 20x slower on 2 busy cores
// (1.44 s vs 0.067 s per image). libgomp reads OMP_WAIT_POLICY once, when it is loaded, which
// for a program linked against LibTorch is before main() runs. Loading the CLI (and with it
// LibTorch and libgomp) here, after setting the policy, costs nothing extra: the same libraries
// are mapped either way. A policy the user set is kept. `serve` spins briefly instead (below).
//
// LibTorch 1.13 rebuilds its pthreadpool (a pool img2music never uses, whose fresh workers spin
// for ~25 ms each) on every at::set_num_threads, and each thread that first runs a parallel op
// calls it again once a count was set. Setting OMP_NUM_THREADS to the usable cores here makes
// that LibTorch's default, so the default run never calls it (set_inference_threads).
//
// OpenCV likewise reads OPENCV_IO_MAX_IMAGE_PIXELS once, when it is loaded: its limit, the
// backstop for the image formats whose size img2music does not read from the header itself
// (image_codec.hpp), is lowered from 2^30 to img2music's own unless the user set one.
#include "cli/resource_paths.hpp"
#include "img2music/image.hpp"
#include "img2music/process_settings.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

// Ends the process once the CLI has returned: everything it owes the user is written, so the
// static destructors of the ~290 libraries LibTorch brings (LibTorch unregistering each of its
// operators among them: ~60 ms of CPU, docs/performance.md) are skipped. Sanitizer builds exit
// normally, so that LeakSanitizer still checks.
[[noreturn]] void finish(int status) {
#if defined(__SANITIZE_ADDRESS__)
    std::exit(status);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    std::exit(status);
#endif
#endif
    std::cout.flush();
    std::fflush(nullptr);
    ::_exit(status);
}

}  // namespace

int main(int argc, char** argv) {
    // A server is the other case: it waits for requests, and what it is judged on is one
    // request's latency, which sleeping workers double (each layer's parallel region waits for
    // them to wake: 28 ms a forward pass instead of 13, docs/performance.md). libgomp's own
    // default, a bounded spin (about a few ms, then sleep), costs well under 1 % of a core idle.
    // Flags may come before the subcommand (`img2music -j 1 serve`), and only the CLI knows which
    // flags take values, so any "serve" before "--" counts: a photo or a value named "serve"
    // then only changes how the threads wait, never an answer.
    bool serving = false;
    for (int i = 1; i < argc && std::string(argv[i]) != "--"; ++i) serving = serving || std::string(argv[i]) == "serve";
    if (serving && std::getenv("OMP_WAIT_POLICY") == nullptr) {
        ::setenv("GOMP_SPINCOUNT", "300000", 0);
    } else {
        ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    }
    ::setenv("OMP_NUM_THREADS", std::to_string(img2music::usable_cores()).c_str(), 0);
    ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(img2music::kMaxImagePixels).c_str(), 0);
    const std::string dir = img2music::cli::executable_dir();
    std::string error;
    for (const std::string& candidate : {dir + "/libimg2music_cli.so", dir + "/../" IMG2MUSIC_LIBDIR "/libimg2music_cli.so"}) {
        void* cli = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (cli == nullptr) {
            if (const char* e = ::dlerror(); e != nullptr && error.empty()) error = e;
            continue;
        }
        using Entry = int (*)(int, char**);
        const auto entry = reinterpret_cast<Entry>(::dlsym(cli, "img2music_cli_main"));
        if (entry == nullptr) {
            std::fprintf(stderr, "img2music: %s: no img2music_cli_main entry point\n", candidate.c_str());
            return 2;
        }
        finish(entry(argc, argv));
    }
    std::fprintf(stderr, "img2music: cannot load libimg2music_cli.so beside the executable: %s\n", error.c_str());
    return 2;
}
