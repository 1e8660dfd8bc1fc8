// Compiled without UBSan's vptr check in sanitizer builds (CMakeLists.txt): LibTorch's JIT IR
// headers refer to c10::DynamicType, whose typeinfo libtorch does not export.
#include "onednn_routing.hpp"

#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <string>
#include <vector>

namespace img2music {
namespace {

c10::Symbol aten(const char* name) { return c10::Symbol::fromQualString(std::string("aten::") + name); }

std::vector<torch::jit::Node*> nodes_of_kind(torch::jit::Graph& graph, const std::vector<c10::Symbol>& kinds) {
    std::vector<torch::jit::Node*> found;
    std::vector<torch::jit::Block*> blocks{graph.block()};
    while (!blocks.empty()) {
        torch::jit::Block* block = blocks.back();
        blocks.pop_back();
        for (torch::jit::Node* n : block->nodes()) {
            for (torch::jit::Block* b : n->blocks()) blocks.push_back(b);
            if (std::find(kinds.begin(), kinds.end(), n->kind()) != kinds.end()) found.push_back(n);
        }
    }
    return found;
}

}  // namespace

int route_convolutions_to_onednn(torch::jit::Module& module) {
    torch::jit::Graph& graph = *module.get_method("forward").graph();
    using torch::jit::Node;
    const c10::Symbol conv2d = aten("conv2d");
    const c10::Symbol convolution = aten("_convolution");
    const c10::Symbol onednn = aten("mkldnn_convolution");
    const std::vector<Node*> todo = nodes_of_kind(graph, {conv2d, convolution});
    int routed = 0;
    // Only convolutions whose weight and padding are constants (a frozen model's are) are
    // routed: the checks read values, not types (type casts need RTTI that LibTorch's sanitizer
    // builds lack).
    const auto int_list = [](torch::jit::Value* v) {
        const c10::optional<c10::IValue> value = torch::jit::toIValue(v);
        return value && value->isIntList();  // padding="same" is a string
    };
    for (Node* n : todo) {
        torch::jit::Value* const weight = n->input(1);
        const c10::optional<c10::IValue> weight_value = torch::jit::toIValue(weight);
        if (!weight_value || !weight_value->isTensor() || weight_value->toTensor().dim() != 4) continue;  // 2-D only
        // conv2d(input, weight, bias, stride, padding, dilation, groups); _convolution adds
        // transposed (6) and output_padding (7) before groups (8).
        std::vector<torch::jit::Value*> in;
        if (n->kind() == conv2d) {
            if (n->inputs().size() != 7 || !int_list(n->input(4))) continue;
            in = {n->input(0), weight, n->input(2), n->input(4), n->input(3), n->input(5), n->input(6)};
        } else {
            if (n->inputs().size() < 9 || !int_list(n->input(4))) continue;
            const c10::optional<c10::IValue> transposed = torch::jit::toIValue(n->input(6));
            if (!transposed || !transposed->isBool() || transposed->toBool()) continue;
            in = {n->input(0), weight, n->input(2), n->input(4), n->input(3), n->input(5), n->input(8)};
        }
        Node* m = graph.create(onednn, in, 1);
        m->insertBefore(n);
        m->output()->setType(n->output()->type());
        n->output()->replaceAllUsesWith(m->output());
        n->destroy();
        ++routed;
    }
    return routed;
}

int route_matrix_products_to_onednn(torch::jit::Module& module) {
    torch::jit::Graph& graph = *module.get_method("forward").graph();
    using torch::jit::Node;
    using torch::jit::Value;
    const c10::Symbol linear = aten("linear");  // linear(x, weight [out, in], bias or None)
    const c10::Symbol matmul = aten("matmul");  // matmul(x, right [in, out])
    int routed = 0;
    for (Node* n : nodes_of_kind(graph, {linear, matmul})) {
        const bool is_linear = n->kind() == linear;
        if (n->inputs().size() != (is_linear ? 3U : 2U)) continue;
        const c10::optional<c10::IValue> weight_value = torch::jit::toIValue(n->input(1));
        if (!weight_value || !weight_value->isTensor()) continue;
        const at::Tensor weight = weight_value->toTensor();
        if (weight.dim() != 2 || weight.scalar_type() != at::kFloat) continue;
        const c10::optional<c10::IValue> bias_value =
            is_linear ? torch::jit::toIValue(n->input(2)) : c10::optional<c10::IValue>(c10::IValue());
        if (!bias_value || !(bias_value->isNone() || bias_value->isTensor())) continue;  // a computed bias: left alone
        const at::Tensor out_by_in = is_linear ? weight : weight.t();
        const std::int64_t in = out_by_in.size(1);
        const std::int64_t out = out_by_in.size(0);
        torch::jit::WithInsertPoint here(n);
        Value* x = n->input(0);
        Value* bias = is_linear ? n->input(2) : graph.insertConstant(c10::IValue());
        // x as rows: [..., in] -> [rows, in, 1, 1] (a 1-D x is one row).
        Value* rows = graph.insert(aten("reshape"), {x, std::vector<std::int64_t>{-1, in, 1, 1}});
        Value* product = graph.insert(aten("mkldnn_convolution"),
                                      {rows, out_by_in.reshape({out, in, 1, 1}).contiguous(), bias, std::vector<std::int64_t>{0, 0},
                                       std::vector<std::int64_t>{1, 1}, std::vector<std::int64_t>{1, 1}, 1});
        // x's leading dimensions, then `out`.
        Value* shape = graph.insert(aten("size"), {x});
        Value* leading = graph.insert(aten("slice"), {shape, 0, -1, 1});
        Value* result_shape = graph.insert(aten("add"), {leading, std::vector<std::int64_t>{out}});
        Value* result = graph.insert(aten("reshape"), {product, result_shape});
        result->setType(n->output()->type());
        n->output()->replaceAllUsesWith(result);
        n->destroy();
        ++routed;
    }
    return routed;
}

}  // namespace img2music
