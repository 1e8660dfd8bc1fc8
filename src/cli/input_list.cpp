#include "cli/input_list.hpp"

namespace img2music::cli {

InputList::InputList(std::vector<std::string> args, std::istream& stdin_stream) : args_(std::move(args)), stdin_(stdin_stream) {}

std::optional<std::string> InputList::next() {
    for (;;) {
        if (reading_stdin_) {
            std::string line;
            if (std::getline(stdin_, line)) {
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (line.empty()) continue;
                return line;
            }
            reading_stdin_ = false;
        }
        if (next_arg_ >= args_.size()) return std::nullopt;
        std::string arg = args_[next_arg_++];
        if (arg == "-") {
            reading_stdin_ = true;
            continue;
        }
        return arg;
    }
}

}  // namespace img2music::cli
