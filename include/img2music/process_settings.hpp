// The process-wide settings img2music runs under, owned in one place. LibTorch's intra-op team,
// its TorchScript executor, its CPU allocator and OpenCV's pool belong to the process, not to an Engine, so whoever
// owns the process (the CLI's runner, a server's main) applies them once, before the first
// Engine::load; the library itself never changes them. (The OpenMP wait policy is process-wide
// too, and must be set before LibTorch is loaded: the executable's launcher,
// src/cli/launcher.cpp, does that.)
//
//   configure_process(0);   // every core this process may use
//   const Engine engine = Engine::load(config);
#pragma once

namespace img2music {

// The CPUs this process may run on: its affinity mask (a container or a cluster job pinned to
// one core counts 1), not the machine's core count. At least 1.
int usable_cores();

// `requested` threads, or usable_cores() when it is 0 or negative.
int resolve_threads(int requested);

// LibTorch: resolve_threads(threads) intra-op threads, one inter-op thread (the models are
// chains), and TorchScript's simple executor instead of the profiling one: a frozen model gains
// nothing from profiling (no fuser runs on CPU in LibTorch 1.13), whose first runs cost about
// 0.1 s of start-up (measured, docs/performance.md); the answers are the same.
// OpenCV: one thread per call, because the pipeline decodes several images at once.
// LibTorch's CPU allocator: freed tensor buffers kept for reuse (src/tensor_block_cache.hpp), so
// that resident memory stays that of one batch over a long run. Call once, before Engine::load.
void configure_process(int threads);

}  // namespace img2music
