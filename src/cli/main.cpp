// img2music command line, built as libimg2music_cli.so and entered from the launcher
// (launcher.cpp) through img2music_cli_main. The only place that sees argv: parses flags, loads the model and
// the song table, streams records to stdout and messages to stderr, maps outcomes to exit codes.
#include "cli/cli_options.hpp"
#include "cli/input_list.hpp"
#include "cli/stderr_filter.hpp"
#include "file_util.hpp"

#include "img2music/img2music.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

namespace {

using namespace img2music;
using namespace img2music::cli;

volatile std::sig_atomic_t g_interrupted = 0;
std::FILE* g_err = stderr;  // the real stderr (see StderrFilter)
void on_interrupt(int /*signal*/) { g_interrupted = 1; }

// Stops handing out inputs once Ctrl-C was pressed, so the run ends after the batch in hand.
class InterruptibleInputs : public InputSource {
public:
    explicit InterruptibleInputs(InputSource& inner) : inner_(inner) {}
    std::optional<Input> next() override { return g_interrupted ? std::nullopt : inner_.next(); }
    void cancel() override { inner_.cancel(); }

private:
    InputSource& inner_;
};

// "123 images  45.6/s  ETA 0:12" on one stderr line, redrawn at most ten times a second.
// Only when stderr is a terminal; plain text, so NO_COLOR has nothing to turn off.
class Progress {
public:
    Progress(bool enabled, std::optional<std::size_t> total) : enabled_(enabled), total_(total), start_(Clock::now()), last_(start_) {}
    void update(std::size_t done) {
        if (!enabled_) return;
        const auto now = Clock::now();
        if (now - last_ < std::chrono::milliseconds(100) && (!total_ || done != *total_)) return;
        last_ = now;
        const double seconds = std::chrono::duration<double>(now - start_).count();
        const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
        char line[128];
        const int n = std::snprintf(line, sizeof line, "\r%zu image%s  %.1f/s", done, done == 1 ? "" : "s", rate);
        if (total_ && rate > 0 && done <= *total_) {
            const auto eta = static_cast<long>(static_cast<double>(*total_ - done) / rate);
            std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), "  %zu%%  ETA %ld:%02ld",
                          100 * done / std::max<std::size_t>(*total_, 1), eta / 60, eta % 60);
        }
        std::fprintf(g_err, "%s\033[K", line);
        std::fflush(g_err);
        shown_ = true;
    }
    void clear() {
        if (shown_) std::fprintf(g_err, "\r\033[K");
        shown_ = false;
    }

private:
    using Clock = std::chrono::steady_clock;
    bool enabled_;
    std::optional<std::size_t> total_;
    Clock::time_point start_;
    Clock::time_point last_;
    bool shown_ = false;
};

Progress* g_progress = nullptr;  // cleared before each message so lines do not mix

void message(const std::string& text) {
    if (g_progress != nullptr) g_progress->clear();
    std::fprintf(g_err, "img2music: %s\n", text.c_str());
    std::fflush(g_err);
}

void print_version(const Options& o) {
    std::cout << "img2music " << version() << " (" << inference_backend_version() << ", " << image_backend_version() << ")\n";
    try {
        const VaModel model = VaModel::load(o.model, o.model_sha256);
        const ModelMetadata& m = model.metadata();
        std::cout << "model: " << o.model << "\n  sha256: " << sha256_file_hex(o.model) << "\n  name: " << m.name << "\n  arch: " << m.arch
                  << "\n  input: " << m.preprocess.input_width << "x" << m.preprocess.input_height
                  << "\n  provenance: " << m.provenance_json << "\n  metrics: " << m.metrics_json << '\n';
    } catch (const Error& e) {
        std::cout << "model: " << e.what() << '\n';
    }
    try {
        const SongTable songs = SongTable::load(o.songs);
        std::map<std::string, std::size_t> sources;
        for (const Song& s : songs.songs()) ++sources[s.va_source.empty() ? "unspecified" : s.va_source];
        std::cout << "songs: " << o.songs << "\n  count: " << songs.size() << "\n  va_source:";
        for (const auto& [name, count] : sources) std::cout << ' ' << name << '=' << count;
        std::cout << '\n';
    } catch (const Error& e) {
        std::cout << "songs: " << e.what() << '\n';
    }
}

// --format auto with --output: the file's extension decides (.json, .csv, .tsv), else jsonl.
OutputFormat format_for_file(const std::string& path) {
    const std::string ext = lower_extension(path);
    for (const char* name : {"json", "csv", "tsv", "jsonl"}) {
        if (ext == std::string(".") + name) return parse_output_format(name);
    }
    return OutputFormat::Jsonl;
}

int run(const Options& o) {
    if (o.inputs.empty()) {
        message("no input given (try: img2music photo.jpg, or '-' to read paths from stdin; --help for more)");
        return kExitUsage;
    }
    if (o.null_separated && std::find(o.inputs.begin(), o.inputs.end(), "-") == o.inputs.end()) {
        message("-0/--null reads NUL-separated paths from stdin, but no '-' input was given");
        return kExitUsage;
    }
    set_inference_threads(o.threads);
    set_image_threads(1);  // the pipeline decodes several images at once

    const VaModel model = VaModel::load(o.model, o.model_sha256);
    const SongTable songs = SongTable::load(o.songs);
    if (static_cast<std::size_t>(o.top) > songs.size()) {
        message("--top " + std::to_string(o.top) + " is larger than the song table (" + std::to_string(songs.size()) + " songs in " +
                o.songs + ")");
        return kExitUsage;
    }
    const std::vector<VA> points = points_of(songs);
    const Recommender recommender(points);
    const ModelMetadata& meta = model.metadata();
    AlignMode align = parse_align_mode(o.align);
    if (align != AlignMode::None && !meta.reference) {
        if (o.align_given) {
            message(o.model + ": --align " + o.align + " needs reference_distribution metadata, which this model lacks (use --align none)");
            return kExitUsage;
        }
        if (!o.quiet) message("note: " + o.model + " has no reference distribution; matching without alignment");
        align = AlignMode::None;
    }
    const Alignment alignment = Alignment::fit(align, meta.reference ? &*meta.reference : nullptr, points);

    PipelineOptions popts;
    popts.top_k = static_cast<std::size_t>(o.top);
    popts.batch_size = static_cast<std::size_t>(o.batch_size);
    // LibTorch gets every core for the forward pass; decoding is a fraction of its cost, so
    // half as many decode threads keep it fed without oversubscribing the machine.
    const int cores = o.threads > 0 ? o.threads : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    popts.decode_threads = std::max(1, cores / 2);
    const Pipeline pipeline(model, recommender, alignment, popts);

    const OutputFormat format = o.format != "auto"        ? parse_output_format(o.format)
                                : !o.output.empty()       ? format_for_file(o.output)
                                : ::isatty(STDOUT_FILENO) ? OutputFormat::Table
                                                          : OutputFormat::Jsonl;
    std::unique_ptr<AtomicFileSink> file;
    FdSink stdout_sink(STDOUT_FILENO);
    if (!o.output.empty()) file = std::make_unique<AtomicFileSink>(o.output);
    OutputSink& sink = file ? static_cast<OutputSink&>(*file) : stdout_sink;
    const std::unique_ptr<RecordWriter> writer = make_record_writer(format, sink, songs);
    InputListOptions list_options;
    list_options.recursive = o.recursive;
    list_options.null_separated = o.null_separated;
    InputList arguments(o.inputs, list_options);
    InterruptibleInputs inputs(arguments);
    const bool show_progress = !o.quiet && ::isatty(STDERR_FILENO);
    std::size_t total = 0;  // counting stats every argument: only worth it when the line is shown
    Progress progress(show_progress, show_progress && arguments.known_count(&total) ? std::optional<std::size_t>(total) : std::nullopt);
    g_progress = &progress;
    std::size_t done = 0;
    const std::size_t failures = pipeline.run(inputs, [&](const Record& r) {
        if (r.error) message(r.input + ": " + *r.error);
        writer->write(r);
        progress.update(++done);
    });
    progress.clear();
    g_progress = nullptr;
    writer->finish();
    if (file) file->commit();
    if (g_interrupted) {
        message("interrupted: the results written so far are complete");
        return kExitInterrupted;
    }
    return failures > 0 ? kExitSomeInputsFailed : kExitOk;
}

}  // namespace

// Called by the launcher (launcher.cpp) once the OpenMP wait policy is set.
extern "C" __attribute__((visibility("default"))) int img2music_cli_main(int argc, char** argv) {
    // A closed reader shows up as EPIPE from write(2) and ends the run quietly.
    std::signal(SIGPIPE, SIG_IGN);
    // Ctrl-C finishes the batch in hand and flushes it; no SA_RESTART so a blocked stdin read ends.
    struct sigaction interrupt {};
    interrupt.sa_handler = on_interrupt;
    sigemptyset(&interrupt.sa_mask);
    ::sigaction(SIGINT, &interrupt, nullptr);
    std::ios::sync_with_stdio(false);

    // From here on fd 2 carries only what libraries print; our messages use g_err.
    const StderrFilter filter;
    g_err = filter.out();

    CLI::App app{"img2music"};
    Options options;
    declare_options(app, options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        message(std::string(e.what()) + " (run with --help for more information)");
        return kExitUsage;
    }

    try {
        if (options.version) {
            print_version(options);
            return kExitOk;
        }
        return run(options);
    } catch (const OutputClosed&) {
        return kExitOk;
    } catch (const ResourceError& e) {
        message(e.what());
        return kExitUsage;
    } catch (const Error& e) {
        message(e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        message(std::string("internal error: ") + e.what());
        return kExitUsage;
    }
}
