// The command line's inputs as one stream (CLI only):
//   a file path     -> itself
//   a directory     -> its images and videos, sorted; subdirectories too with `recursive`
//                      (itself, with `directories_as_inputs`: a frame sequence)
//   "-"             -> paths read from standard input, one per line (or NUL-separated),
//                      lazily, so a pipeline's first results come early
#pragma once

#include "img2music/input_source.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace img2music::cli {

struct InputListOptions {
    bool recursive = false;
    bool null_separated = false;         // stdin paths end with '\0' (find -print0)
    bool directories_as_inputs = false;  // --sequence: a directory argument is itself one input
    int stdin_fd = 0;
};

class InputList : public InputSource {
public:
    InputList(std::vector<std::string> args, InputListOptions options);
    ~InputList() override;
    std::optional<Input> next() override;
    void cancel() override { cancelled_ = true; }
    bool may_wait() const override;

    // True when every input is a plain argument (no '-', no directory): the total is known.
    bool known_count(std::size_t* count) const;

private:
    // Reads one separator-terminated record from the fd; nullopt at end of input or on cancel.
    std::optional<std::string> read_stdin_record();

    std::vector<std::string> args_;
    InputListOptions options_;
    std::size_t next_arg_ = 0;
    bool reading_stdin_ = false;
    std::string stdin_buffer_;
    bool stdin_eof_ = false;
    std::unique_ptr<InputSource> walker_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace img2music::cli
