// A CPU allocator for LibTorch that keeps freed tensor buffers for reuse (internal).
//
// Why: a forward pass allocates and frees the same large activation buffers (several MB each)
// batch after batch. glibc serves them from its heap and keeps what it frees, in whatever order
// frees happen to come, so resident memory swings by tens of MB and the peak creeps up over a long
// run. Handing back the same blocks for the same sizes makes the resident set that of one batch,
// every batch, and saves the page faults of fresh memory. Setting glibc's thresholds instead
// (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_) was measured 2.5x slower.
#pragma once

#include <cstddef>

namespace img2music {

// Installs the cache as LibTorch's CPU allocator (once per process; later calls do nothing).
// Buffers of at least 64 KiB are cached by size, up to `max_cached_bytes` in all; smaller ones
// and the overflow go straight to the system allocator. Thread-safe.
void install_tensor_block_cache(std::size_t max_cached_bytes);

// Bytes of freed blocks held for reuse now (for tests).
std::size_t tensor_block_cache_bytes();

}  // namespace img2music
