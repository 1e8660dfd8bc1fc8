// Compiled without UBSan's vptr check in sanitizer builds (CMakeLists.txt): LibTorch's JIT IR
// headers refer to c10::DynamicType, whose typeinfo libtorch does not export.
#include "onednn_routing.hpp"

#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <vector>

namespace img2music {
namespace {

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
    const auto conv2d = c10::Symbol::fromQualString("aten::conv2d");
    const auto convolution = c10::Symbol::fromQualString("aten::_convolution");
    const auto onednn = c10::Symbol::fromQualString("aten::mkldnn_convolution");
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
    const auto sym = [](const char* name) { return c10::Symbol::fromQualString(name); };
    const auto linear = sym("aten::linear");
    const auto matmul = sym("aten::matmul");
    int routed = 0;
    for (Node* n : nodes_of_kind(graph, {linear, matmul})) {
        const c10::optional<c10::IValue> weight_value = torch::jit::toIValue(n->input(1));
        if (!weight_value || !weight_value->isTensor()) continue;
        const at::Tensor weight = weight_value->toTensor();
        if (weight.dim() != 2 || weight.scalar_type() != at::kFloat) continue;
        // linear's weight is [out, in]; matmul's right side is [in, out].
        const at::Tensor out_by_in = n->kind() == linear ? weight : weight.t();
        Value* bias = nullptr;
        if (n->kind() == linear) {
            if (n->inputs().size() != 3) continue;
            const c10::optional<c10::IValue> bias_value = torch::jit::toIValue(n->input(2));
            if (!bias_value || !(bias_value->isNone() || bias_value->isTensor())) continue;
            bias = n->input(2);
        } else {
            if (n->inputs().size() != 2) continue;
        }
        const std::int64_t in = out_by_in.size(1);
        const std::int64_t out = out_by_in.size(0);
        torch::jit::WithInsertPoint here(n);
        Value* x = n->input(0);
        if (bias == nullptr) bias = graph.insertConstant(c10::IValue());
        // x as rows: [..., in] -> [rows, in, 1, 1] (a 1-D x is one row).
        Value* rows = graph.insert(sym("aten::reshape"), {x, std::vector<std::int64_t>{-1, in, 1, 1}});
        Value* product = graph.insert(sym("aten::mkldnn_convolution"),
                                      {rows, out_by_in.reshape({out, in, 1, 1}).contiguous(), bias, std::vector<std::int64_t>{0, 0},
                                       std::vector<std::int64_t>{1, 1}, std::vector<std::int64_t>{1, 1}, 1});
        // x's leading dimensions, then `out`.
        Value* shape = graph.insert(sym("aten::size"), {x});
        Value* leading = graph.insert(sym("aten::slice"), {shape, 0, -1, 1});
        Value* result_shape = graph.insert(sym("aten::add"), {leading, std::vector<std::int64_t>{out}});
        Value* result = graph.insert(sym("aten::reshape"), {product, result_shape});
        result->setType(n->output()->type());
        n->output()->replaceAllUsesWith(result);
        n->destroy();
        ++routed;
    }
    return routed;
}

}  // namespace img2music
