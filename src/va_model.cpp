#include "img2music/va_model.hpp"

#include "bfloat16_trunk.hpp"
#include "img2music/error.hpp"
#include "img2music/process_settings.hpp"
#include "img2music/sha256.hpp"
#include "onednn_routing.hpp"

#include <ATen/Parallel.h>
#include <omp.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/script.h>
#include <torch/version.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>

namespace img2music {

struct VaModel::Impl {
    std::string path;
    ModelMetadata metadata;
    mutable torch::jit::Module module;  // forward() is not const in LibTorch's API
    // Convolutions run about 1.5x faster on channels-last (NHWC) input in LibTorch 1.13 on CPU
    // (oneDNN's NHWC kernels, MobileNet's depthwise layers most of all). The first forward (the
    // probe, or the first batch) decides: a model that cannot take it (a .view() of a feature
    // map) keeps the plain layout.
    bool channels_last = false;
    std::atomic<Precision> precision{Precision::float32};  // may change once, by the first forward
    // bfloat16 chosen by `automatic`: if the first forward fails in it, float32 is tried instead.
    bool may_fall_back_to_float32 = false;
    // Whether the probe or a first batch has checked the output shape and chosen the layout.
    std::atomic<bool> checked{false};
    std::mutex check_mutex;

    torch::Tensor forward(const torch::Tensor& input, std::int64_t width);
};

namespace {

std::string torch_message(const c10::Error& e) { return first_line(e.what_without_backtrace()); }

// Runs the module on `input` ([n,3,H,W]) and returns a contiguous float [n, width] tensor.
torch::Tensor forward_checked(torch::jit::Module& module, const torch::Tensor& input, std::int64_t width, const std::string& path) {
    torch::jit::IValue result;
    try {
        result = module.forward({input});
    } catch (const c10::Error& e) {
        throw ResourceError(path, "model forward failed: " + torch_message(e));
    } catch (const std::exception& e) {
        throw ResourceError(path, "model forward failed: " + first_line(e.what()));
    }
    if (!result.isTensor())
        throw ResourceError(path, "model returned " + result.tagKind() + ", expected a [N, " + std::to_string(width) + "] tensor");
    torch::Tensor out = result.toTensor();
    const std::int64_t n = input.size(0);
    if (out.dim() != 2 || out.size(0) != n || out.size(1) != width) {
        std::string shape = "[";
        for (std::int64_t d = 0; d < out.dim(); ++d) shape += (d ? ", " : "") + std::to_string(out.size(d));
        const std::string emotions =
            width > 2 ? " (valence, arousal and the " + std::to_string(width - 2) + " emotions the metadata names)" : "";
        throw ResourceError(path, "model output has shape " + shape + "] for a batch of " + std::to_string(n) + ", expected [" +
                                      std::to_string(n) + ", " + std::to_string(width) + "]" + emotions);
    }
    return out.to(torch::kFloat32).contiguous();
}

// A varied, deterministic picture (the golden-ratio sequence): zeros would hide layout bugs.
torch::Tensor probe_batch(const PreprocessSpec& spec) {
    const std::int64_t pixels = 3LL * spec.input_height * spec.input_width;
    return torch::arange(pixels, torch::kFloat32).mul(0.618034F).frac().reshape({1, 3, spec.input_height, spec.input_width});
}

// Loads the TorchScript file and its metadata, freezes it and routes its convolutions and its
// constant matrix products to oneDNN (onednn_routing.hpp);
// with `bfloat16`, also converts its convolution trunk (bfloat16_trunk.hpp).
// `converted`: whether any convolution now runs in bfloat16.
torch::jit::Module load_module(const std::string& path, bool bfloat16, ModelMetadata& metadata, bool& converted) {
    torch::jit::Module module;
    torch::jit::ExtraFilesMap extra{{kModelMetadataFile, ""}};
    try {
        module = torch::jit::load(path, torch::kCPU, extra);
    } catch (const c10::Error& e) {
        throw ResourceError(path, "not a loadable TorchScript model: " + torch_message(e));
    } catch (const std::exception& e) {
        throw ResourceError(path, "not a loadable TorchScript model: " + first_line(e.what()));
    }
    metadata = parse_model_metadata(extra[kModelMetadataFile], path);
    module.eval();
    // Freezing inlines the weights and folds batch norm into the convolutions: about 25 % less
    // time per forward on MobileNet, same outputs (within 1e-6). optimize_for_inference is left
    // out on purpose: in LibTorch 1.13 its oneDNN rewrite makes results depend on batch size.
    try {
        module = torch::jit::freeze(module);
        route_convolutions_to_onednn(module);
        converted = bfloat16 && convert_convolutions_to_bfloat16(module) > 0;
        route_matrix_products_to_onednn(module);
    } catch (const c10::Error& e) {
        throw ResourceError(path, "cannot prepare the model for inference: " + torch_message(e));
    }
    return module;
}

}  // namespace

// Memory format is not semantic in LibTorch: a model either takes channels-last input with the
// same answers (to rounding) or throws (a .view() of a feature map). The first forward tries
// that layout and falls back on the plain one; its outcome decides every later batch.
torch::Tensor VaModel::Impl::forward(const torch::Tensor& input, std::int64_t width) {
    if (checked.load(std::memory_order_acquire))
        return forward_checked(module, channels_last ? input.contiguous(torch::MemoryFormat::ChannelsLast) : input, width, path);
    std::lock_guard<std::mutex> lock(check_mutex);
    if (checked.load(std::memory_order_relaxed))
        return forward_checked(module, channels_last ? input.contiguous(torch::MemoryFormat::ChannelsLast) : input, width, path);
    const auto first_forward = [&] {
        try {
            torch::Tensor out = forward_checked(module, input.contiguous(torch::MemoryFormat::ChannelsLast), width, path);
            channels_last = true;
            return out;
        } catch (const ResourceError&) {
            channels_last = false;
            return forward_checked(module, input, width, path);  // its error, if any, is the one to report
        }
    };
    torch::Tensor out;
    try {
        out = first_forward();
    } catch (const ResourceError&) {
        if (!may_fall_back_to_float32) throw;
        // A graph the bfloat16 rewrite does not fit: float32 decides, and its error is the one to report.
        bool converted = false;
        module = load_module(path, false, metadata, converted);
        precision = Precision::float32;
        may_fall_back_to_float32 = false;
        out = first_forward();
    }
    checked.store(true, std::memory_order_release);
    return out;
}

VaModel::VaModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VaModel::VaModel(VaModel&&) noexcept = default;
VaModel& VaModel::operator=(VaModel&&) noexcept = default;
VaModel::~VaModel() = default;

VaModel VaModel::load(const std::string& path, const std::string& expected_sha256, Precision precision, ModelCheck when) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw ResourceError(path, std::string("cannot open model: ") + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) throw ResourceError(path, "is a directory, not a model file");
    if (!expected_sha256.empty()) {
        std::string expected = expected_sha256;
        std::transform(expected.begin(), expected.end(), expected.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const std::string actual = sha256_file_hex(path);
        if (actual != expected) throw ResourceError(path, "sha256 is " + actual + ", not the pinned " + expected + "; refusing to load it");
    }

    const bool bfloat16 = precision == Precision::bfloat16 || (precision == Precision::automatic && cpu_has_native_bfloat16());
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    bool converted = false;
    try {
        impl->module = load_module(path, bfloat16, impl->metadata, converted);
    } catch (const ResourceError&) {
        if (!bfloat16 || precision != Precision::automatic) throw;
        impl->module = load_module(path, false, impl->metadata, converted);  // float32 decides, and reports
    }
    impl->precision = converted ? Precision::bfloat16 : Precision::float32;
    impl->may_fall_back_to_float32 = converted && precision == Precision::automatic;
    VaModel model(std::move(impl));
    // Probe once so a model that breaks the contract is refused before any input is read.
    if (when == ModelCheck::AtLoad) {
        try {
            model.check();
        } catch (const ResourceError& e) {
            if (precision != Precision::bfloat16 || model.precision() != Precision::bfloat16) throw;
            throw ResourceError(std::string(e.what()) + " (in bfloat16: this CPU or this model cannot run it)");
        }
    }
    return model;
}

void VaModel::check() const {
    if (impl_->checked.load(std::memory_order_acquire)) return;
    c10::InferenceMode guard;
    impl_->forward(probe_batch(impl_->metadata.preprocess), static_cast<std::int64_t>(2 + impl_->metadata.emotions.size()));
}

const ModelMetadata& VaModel::metadata() const { return impl_->metadata; }
const std::string& VaModel::path() const { return impl_->path; }
Precision VaModel::precision() const { return impl_->precision.load(); }

const NameTable<Precision>& precision_names() {
    static const NameTable<Precision> table(
        "precision", {{"auto", Precision::automatic}, {"float32", Precision::float32}, {"bfloat16", Precision::bfloat16}});
    return table;
}

std::vector<std::optional<Prediction>> VaModel::predict_outputs(const float* batch, std::size_t n) const {
    if (n == 0) return {};
    const PreprocessSpec& spec = impl_->metadata.preprocess;
    const std::size_t k = impl_->metadata.emotions.size();
    const std::size_t width = 2 + k;
    c10::InferenceMode guard;
    // from_blob does not copy: the caller's buffer is the input tensor.
    const torch::Tensor input = torch::from_blob(const_cast<float*>(batch),
                                                 {static_cast<std::int64_t>(n), 3, spec.input_height, spec.input_width}, torch::kFloat32);
    const torch::Tensor out = impl_->forward(input, static_cast<std::int64_t>(width));
    const float* values = out.data_ptr<float>();
    std::vector<std::optional<Prediction>> result(n);
    for (std::size_t i = 0; i < n; ++i) {
        const float* row = values + i * width;
        if (!std::all_of(row, row + width, [](float x) { return std::isfinite(x); })) continue;
        Prediction p;
        p.va = VA{std::clamp(row[0], 0.0F, 1.0F), std::clamp(row[1], 0.0F, 1.0F)};
        if (k > 0) {
            p.emotions.assign(row + 2, row + width);
            double total = 0.0;
            for (float& e : p.emotions) total += (e = std::max(e, 0.0F));
            if (!(total > 0.0)) continue;
            for (float& e : p.emotions) e = static_cast<float>(e / total);
        }
        result[i] = std::move(p);
    }
    return result;
}

std::vector<std::optional<VA>> VaModel::predict(const float* batch, std::size_t n) const {
    std::vector<std::optional<Prediction>> full = predict_outputs(batch, n);
    std::vector<std::optional<VA>> result(full.size());
    for (std::size_t i = 0; i < full.size(); ++i)
        if (full[i]) result[i] = full[i]->va;
    return result;
}

void set_inference_threads(int n) {
    // Only when the count changes: each call rebuilds LibTorch's pthreadpool (launcher.cpp).
    if (at::get_num_threads() != resolve_threads(n)) at::set_num_threads(resolve_threads(n));
    // Inter-op parallelism only helps models with independent branches; ours are chains.
    static std::once_flag once;
    std::call_once(once, [] {
        try {
            at::set_num_interop_threads(1);
        } catch (const c10::Error&) {
            // Already started (a forward ran before): keep its setting.
        }
    });
}

int set_inference_threads_of_this_thread(int n) {
    // LibTorch sets each thread's OpenMP count once, lazily, on that thread's first parallel
    // work (from its process-wide setting); get_num_threads() does that first, so that the
    // count set here is not overwritten by it afterwards.
    const int before = at::get_num_threads();
    if (n > 0 && n != before) omp_set_num_threads(n);
    return before;
}

}  // namespace img2music

namespace img2music {
std::string inference_backend_version() { return std::string("LibTorch ") + TORCH_VERSION; }
}  // namespace img2music
