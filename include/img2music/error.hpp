// Errors thrown by the img2music library. Every message names the thing it is about
// (a path, `file:line`, a flag) and the reason, on one line; the CLI prints it once.
#pragma once

#include <stdexcept>
#include <string>

namespace img2music {

// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One input (an image, a video frame) could not be used; the rest of a batch goes on.
// what() is "input: reason"; reason() alone is what a record's "error" field carries.
class InputError : public Error {
public:
    InputError(const std::string& input, const std::string& reason)
        : Error(input.empty() ? reason : input + ": " + reason), reason_(reason) {}
    const std::string& reason() const { return reason_; }

private:
    std::string reason_;
};

// A resource the whole run depends on (model, song table) cannot be used.
class ResourceError : public Error {
public:
    using Error::Error;
    ResourceError(const std::string& resource, const std::string& reason) : Error(resource + ": " + reason) {}
};

// Writing results failed because the reader went away (closed pipe): not an error for the user.
class OutputClosed : public Error {
public:
    OutputClosed() : Error("output closed") {}
};

// Collapses a multi-line message (e.g. from LibTorch, whose errors carry backtraces) to its
// first meaningful line, so that every message stays one line.
std::string first_line(const std::string& message);

}  // namespace img2music
