// Compiled without UBSan's vptr check in sanitizer builds (CMakeLists.txt): LibTorch's JIT IR
// headers refer to c10::DynamicType, whose typeinfo libtorch does not export.
#include "onednn_routing.hpp"

#include <torch/csrc/jit/ir/ir.h>

#include <vector>

namespace img2music {

int route_convolutions_to_onednn(torch::jit::Module& module) {
    torch::jit::Graph& graph = *module.get_method("forward").graph();
    using torch::jit::Node;
    const auto conv2d = c10::Symbol::fromQualString("aten::conv2d");
    const auto convolution = c10::Symbol::fromQualString("aten::_convolution");
    const auto onednn = c10::Symbol::fromQualString("aten::mkldnn_convolution");
    std::vector<Node*> todo;
    std::vector<torch::jit::Block*> blocks{graph.block()};
    while (!blocks.empty()) {
        torch::jit::Block* block = blocks.back();
        blocks.pop_back();
        for (Node* n : block->nodes()) {
            for (torch::jit::Block* b : n->blocks()) blocks.push_back(b);
            if (n->kind() == conv2d || n->kind() == convolution) todo.push_back(n);
        }
    }
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

}  // namespace img2music
