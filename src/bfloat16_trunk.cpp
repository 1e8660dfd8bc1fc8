// Compiled without UBSan's vptr check in sanitizer builds (CMakeLists.txt), like
// onednn_routing.cpp: LibTorch's JIT IR headers refer to types whose typeinfo it does not export.
#include "bfloat16_trunk.hpp"

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <cpuid.h>

#include <unordered_set>
#include <vector>

namespace img2music {

bool cpu_has_native_bfloat16() {
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_max(0, nullptr) < 7) return false;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const bool amx_bf16 = (edx >> 22) & 1U;
    const bool avx512bw = (ebx >> 30) & 1U;  // oneDNN's bfloat16 kernels also need AVX-512 BW/VL
    const bool avx512vl = (ebx >> 31) & 1U;
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    const bool avx512_bf16 = (eax >> 5) & 1U;
    // The OS must save the AVX-512 state (XCR0 bits 5-7 with 1-2), or the instructions fault.
    unsigned xcr0_lo = 0, xcr0_hi = 0;
    __cpuid(1, eax, ebx, ecx, edx);
    if (((ecx >> 27) & 1U) == 0) return false;  // no OSXSAVE
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    const bool os_saves_avx512 = (xcr0_lo & 0xE6U) == 0xE6U;
    return os_saves_avx512 && avx512bw && avx512vl && (avx512_bf16 || amx_bf16);
#else
    return false;
#endif
}

int convert_convolutions_to_bfloat16(torch::jit::Module& module) {
    using torch::jit::Node;
    using torch::jit::Value;
    std::shared_ptr<torch::jit::Graph> graph = module.get_method("forward").graph();
    const auto sym = [](const char* name) { return c10::Symbol::fromQualString(name); };
    const auto convolution = sym("aten::mkldnn_convolution");
    // Operations that take and give bfloat16 as cheaply and exactly as float32 (no reduction).
    const std::unordered_set<c10::Symbol> elementwise = {sym("aten::hardtanh"), sym("aten::relu6"),      sym("aten::relu"),
                                                         sym("aten::relu_"),    sym("aten::clamp"),      sym("aten::constant_pad_nd"),
                                                         sym("aten::pad"),      sym("aten::max_pool2d"), sym("aten::hardtanh_")};
    // Operations that read only a tensor's shape: they take it as it is (no copy to float32).
    const std::unordered_set<c10::Symbol> shape_only = {sym("aten::size"), sym("aten::dim"), sym("aten::numel")};
    const auto to_dtype = [&](Value* v, c10::ScalarType type) {
        return graph->insert(sym("aten::to"), {v, type, false, false, c10::IValue()});
    };

    std::vector<Node*> nodes;
    std::vector<torch::jit::Block*> blocks{graph->block()};
    while (!blocks.empty()) {
        torch::jit::Block* block = blocks.back();
        blocks.pop_back();
        for (Node* n : block->nodes()) {
            for (torch::jit::Block* b : n->blocks()) blocks.push_back(b);
            nodes.push_back(n);
        }
    }
    std::vector<Node*> convolutions;
    for (Node* n : nodes) {
        if (n->kind() != convolution) continue;
        const c10::optional<c10::IValue> weight = torch::jit::toIValue(n->input(1));
        if (!weight || !weight->isTensor() || weight->toTensor().scalar_type() != at::kFloat) return 0;
        convolutions.push_back(n);
    }
    if (convolutions.empty()) return 0;

    for (Node* n : nodes) {
        if (n->kind() == c10::prim::Constant || elementwise.count(n->kind()) != 0 || shape_only.count(n->kind()) != 0) continue;
        const bool is_convolution = n->kind() == convolution;
        torch::jit::WithInsertPoint here(n);
        for (std::size_t i = 0; i < n->inputs().size(); ++i) {
            Value* input = n->input(i);
            if (input->type()->kind() != c10::TypeKind::TensorType) continue;
            if (input->node()->kind() == c10::prim::Constant) {
                if (is_convolution && i == 1) {  // the weight; the bias stays float32 (oneDNN takes it)
                    const at::Tensor w = torch::jit::toIValue(input)->toTensor();
                    n->replaceInput(i, graph->insertConstant(w.to(at::kBFloat16)));
                }
                continue;
            }
            // The image enters the trunk as bfloat16; results leave it as float32.
            n->replaceInput(i, to_dtype(input, is_convolution && i == 0 ? at::kBFloat16 : at::kFloat));
        }
    }
    // Every graph output leaves as float32 too (a trunk that ends the graph).
    for (std::size_t i = 0; i < graph->outputs().size(); ++i) {
        Value* out = graph->outputs()[i];
        if (out->type()->kind() != c10::TypeKind::TensorType) continue;
        torch::jit::WithInsertPoint end(graph->return_node());
        graph->return_node()->replaceInput(i, to_dtype(out, at::kFloat));
    }
    torch::jit::EliminateDeadCode(graph);  // drops the float32 weights
    return static_cast<int>(convolutions.size());
}

}  // namespace img2music
