// The command line's inputs as a stream of paths (CLI only). "-" stands for the paths read
// from standard input, one per line, read lazily so a pipeline's first results come early.
#pragma once

#include "img2music/pipeline.hpp"

#include <istream>
#include <string>
#include <vector>

namespace img2music::cli {

class InputList : public InputSource {
public:
    InputList(std::vector<std::string> args, std::istream& stdin_stream);
    std::optional<std::string> next() override;

private:
    std::vector<std::string> args_;
    std::size_t next_arg_ = 0;
    std::istream& stdin_;
    bool reading_stdin_ = false;
};

}  // namespace img2music::cli
