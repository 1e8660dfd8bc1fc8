// Where formatted results go. Writers append() text and flush() after each record, so every
// record reaches its reader as soon as it is complete.
#pragma once

#include <string>
#include <string_view>

namespace img2music {

class OutputSink {
public:
    OutputSink() = default;
    virtual ~OutputSink() = default;
    OutputSink(const OutputSink&) = delete;
    OutputSink& operator=(const OutputSink&) = delete;

    void append(std::string_view text) { buffer_.append(text); }
    void flush() {
        if (buffer_.empty()) return;
        write_out(buffer_);
        buffer_.clear();
    }

protected:
    virtual void write_out(std::string_view data) = 0;

private:
    std::string buffer_;
};

// Writes to a file descriptor with plain write(2), so that a closed reader (EPIPE, `| head`)
// is seen at once and reported as OutputClosed rather than killing the process.
class FdSink : public OutputSink {
public:
    explicit FdSink(int fd) : fd_(fd) {}

protected:
    void write_out(std::string_view data) override;

private:
    int fd_;
};

// Writes to a temporary file beside `path` and renames it over `path` on commit(), so readers
// never see a half-written file and a failed run leaves the previous file untouched.
// Destroyed without commit(), it removes the temporary file.
class AtomicFileSink : public OutputSink {
public:
    explicit AtomicFileSink(std::string path);  // throws ResourceError naming the path
    ~AtomicFileSink() override;
    AtomicFileSink(const AtomicFileSink&) = delete;
    AtomicFileSink& operator=(const AtomicFileSink&) = delete;
    void commit();

protected:
    void write_out(std::string_view data) override;

private:
    std::string path_;
    std::string temp_path_;
    int fd_ = -1;
};

// Keeps everything in memory (tests, reports).
class StringSink : public OutputSink {
public:
    const std::string& str() const { return text_; }

protected:
    void write_out(std::string_view data) override { text_.append(data); }

private:
    std::string text_;
};

}  // namespace img2music
