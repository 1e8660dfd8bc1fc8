#include "tensor_block_cache.hpp"

#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

namespace img2music {
namespace {

constexpr std::size_t kAlignment = 64;                     // what LibTorch's own CPU allocator guarantees
constexpr std::size_t kMinCached = std::size_t{64} << 10;  // below this glibc's bins do well
constexpr std::size_t kRounding = 4096;                    // near-equal sizes share blocks

// Data pointer and context are the same pointer: LibTorch's oneDNN paths call raw_allocate(),
// which requires it. So the capacity of each cached-size block is kept in a map beside it.
class TensorBlockCache final : public c10::Allocator {
public:
    explicit TensorBlockCache(std::size_t max_cached_bytes) : max_cached_(max_cached_bytes) {}

    c10::DataPtr allocate(std::size_t n) const override {
        void* data = n == 0 ? nullptr : take_or_allocate(n);
        return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
    }

    c10::DeleterFnPtr raw_deleter() const override { return &release; }

    std::size_t cached_bytes() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return cached_;
    }

    static TensorBlockCache* instance;

private:
    static void* system_allocate(std::size_t bytes) {
        void* data = std::aligned_alloc(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment);
        if (data == nullptr) throw std::bad_alloc();
        return data;
    }

    static void release(void* data) {
        if (data != nullptr) instance->give_back(data);
    }

    void* take_or_allocate(std::size_t n) const {
        if (n < kMinCached) return system_allocate(n);
        const std::size_t capacity = (n + kRounding - 1) / kRounding * kRounding;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            // Best fit, up to twice the size: a few blocks serve every layer's activations, so
            // the cache holds about the largest live set of one batch, not one block per size.
            const auto it = free_.lower_bound(capacity);
            if (it != free_.end() && it->first <= 2 * capacity) {
                void* data = it->second;
                cached_ -= it->first;
                free_.erase(it);
                return data;
            }
        }
        void* data = system_allocate(capacity);
        const std::lock_guard<std::mutex> lock(mutex_);
        capacity_of_.emplace(data, capacity);
        return data;
    }

    void give_back(void* data) const {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            const auto it = capacity_of_.find(data);
            if (it != capacity_of_.end()) {
                if (cached_ + it->second <= max_cached_) {
                    free_.emplace(it->second, data);
                    cached_ += it->second;
                    return;
                }
                capacity_of_.erase(it);
            }
        }
        std::free(data);
    }

    const std::size_t max_cached_;
    mutable std::mutex mutex_;
    mutable std::unordered_map<void*, std::size_t> capacity_of_;  // every live or cached block of a cached size
    mutable std::multimap<std::size_t, void*> free_;              // capacity -> blocks ready for reuse
    mutable std::size_t cached_ = 0;
};

TensorBlockCache* TensorBlockCache::instance = nullptr;

}  // namespace

void install_tensor_block_cache(std::size_t max_cached_bytes) {
    static std::once_flag once;
    std::call_once(once, [&] {
        // Never destroyed: tensors may be freed during static destruction, after main returns.
        TensorBlockCache::instance = new TensorBlockCache(max_cached_bytes);
        c10::SetCPUAllocator(TensorBlockCache::instance, /*priority=*/1);
    });
}

std::size_t tensor_block_cache_bytes() { return TensorBlockCache::instance == nullptr ? 0 : TensorBlockCache::instance->cached_bytes(); }

}  // namespace img2music
