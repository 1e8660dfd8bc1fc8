#include "tensor_block_cache.hpp"

#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace img2music;

namespace {
constexpr std::size_t kCap = std::size_t{256} << 20;  // what VaModel::load installs; the first install wins
}

TEST_CASE("Tensor block cache: a freed buffer is handed out again for the same or a slightly smaller size") {
    install_tensor_block_cache(kCap);
    const std::size_t before = tensor_block_cache_bytes();
    void* first = nullptr;
    {
        torch::Tensor t = torch::empty({1 << 20}, torch::kFloat32);  // 4 MiB
        first = t.data_ptr();
        t.fill_(3.0F);
    }
    CHECK(tensor_block_cache_bytes() >= before + (std::size_t{4} << 20));
    {
        const torch::Tensor again = torch::empty({1 << 20}, torch::kFloat32);
        CHECK(again.data_ptr() == first);
    }
    {
        const torch::Tensor smaller = torch::ones({3 << 18}, torch::kFloat32);  // 3 MiB fits the 4 MiB block
        CHECK(smaller.data_ptr() == first);
        CHECK(smaller.sum().item<float>() == Approx(3 << 18));  // reused memory holds the new values
        CHECK(reinterpret_cast<std::uintptr_t>(smaller.data_ptr()) % 64 == 0);
    }
    {
        const torch::Tensor tiny = torch::empty({1 << 16}, torch::kFloat32);  // 256 KiB: a 4 MiB block would waste too much
        CHECK(tiny.data_ptr() != first);
    }
}

TEST_CASE("Tensor block cache: small buffers are not kept, and the cache never holds more than its cap") {
    install_tensor_block_cache(kCap);
    const std::size_t before = tensor_block_cache_bytes();
    { const torch::Tensor small = torch::empty({1000}, torch::kFloat32); }
    CHECK(tensor_block_cache_bytes() == before);
    {
        std::vector<torch::Tensor> big;
        for (int i = 0; i < 3; ++i) big.push_back(torch::empty({std::int64_t{25} << 20}, torch::kFloat32));  // 100 MiB each
    }
    CHECK(tensor_block_cache_bytes() <= kCap);
}

TEST_CASE("Tensor block cache: concurrent allocation from several threads stays consistent") {
    install_tensor_block_cache(kCap);
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([t, &ok] {
            bool good = true;
            for (int i = 0; i < 200; ++i) {
                const torch::Tensor x = torch::full({(1 << 15) + 1024 * (i % 7)}, static_cast<float>(t), torch::kFloat32);
                good = good && x.min().item<float>() == static_cast<float>(t) && x.max().item<float>() == static_cast<float>(t);
            }
            ok[static_cast<std::size_t>(t)] = good ? 1 : 0;
        });
    }
    for (std::thread& th : threads) th.join();
    CHECK(ok == std::vector<int>{1, 1, 1, 1});
}
