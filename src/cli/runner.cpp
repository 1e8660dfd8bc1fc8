#include "cli/runner.hpp"

#include "cli/console.hpp"
#include "cli/input_list.hpp"

#include "img2music/img2music.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

namespace img2music::cli {
namespace {

bool is_directory(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// "photo.JPG" -> "jpg" (lower case, no dot); "" when the name has none.
std::string extension_of(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    const std::size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

// --format auto: with --output the file's extension decides (.json, .csv, .tsv), else jsonl;
// on stdout a terminal gets the table, anything else jsonl.
OutputFormat resolve_format(const Options& o) {
    if (o.format) return *o.format;
    if (!o.output.empty()) {
        const std::string ext = extension_of(o.output);
        for (const OutputFormat f : {OutputFormat::Json, OutputFormat::Csv, OutputFormat::Tsv, OutputFormat::Jsonl}) {
            if (ext == output_format_name(f)) return f;
        }
        return OutputFormat::Jsonl;
    }
    return ::isatty(STDOUT_FILENO) ? OutputFormat::Table : OutputFormat::Jsonl;
}

// The request's problems in the words of the flags that set it.
std::string flag_message(const RequestError& e, const Options& o) {
    switch (e.field()) {
        case RequestField::TopK: return "--top " + e.value() + " " + e.reason();
        case RequestField::Songs:
            return "no song in " + o.engine.songs + " passes " + describe_as_flags(o.request.songs) + " (nothing to recommend)";
        case RequestField::Align:
            return o.engine.model + ": --align " + e.value() +
                   " needs reference_distribution metadata, which this model lacks (use --align none)";
        default: return std::string(flag_of(e.field())) + " " + e.value() + ": " + e.reason();
    }
}

// Where the engine's records go: the writer, the report and the plot, messages and progress.
class CliSink : public RecordSink {
public:
    CliSink(const Options& o, RecordWriter& writer, HtmlReport* report, std::optional<std::size_t> total)
        : o_(o), writer_(writer), report_(report), progress_(!o.quiet && ::isatty(STDERR_FILENO), total) {}

    void record(const Record& r, const Image& thumbnail) override {
        if (r.error) message(r.input + (r.frame ? " at " + seconds(r.frame->time) : std::string()) + ": " + *r.error);
        writer_.write(r);
        if (!r.error && !o_.plot.empty()) plotted_.push_back(r);
        // A video's frames and segments reach the report through its soundtrack.
        if (report_ != nullptr && !r.frame && !r.segment) report_->add_image(r, thumbnail);
    }
    void soundtrack(const Soundtrack& soundtrack) override {
        if (report_ != nullptr) report_->add_video(soundtrack);
    }
    void note(const Note& note) override {
        if (o_.quiet) return;
        switch (note.kind) {
            case Note::Kind::FewerSongsThanTopK:
                message("note: only " + std::to_string(note.count) + " songs pass " + describe_as_flags(o_.request.songs) +
                        "; lists will be shorter than --top " + std::to_string(o_.top));
                break;
            case Note::Kind::NoAlignmentReference: message("note: " + note.subject + " " + note.text); break;
            case Note::Kind::VideoCutShort: message(note.subject + ": " + note.text); break;
        }
    }
    void progress(std::size_t done, const char* unit) override { progress_.update(done, unit); }

    const std::vector<Record>& plotted() const { return plotted_; }

private:
    static std::string seconds(double s) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f s", s);
        return buf;
    }

    const Options& o_;
    RecordWriter& writer_;
    HtmlReport* report_;
    Progress progress_;
    std::vector<Record> plotted_;  // only with --plot
};

}  // namespace

int run(Options& o) {
    if (o.inputs.empty()) {
        message("no input given (try: img2music photo.jpg, or '-' to read paths from stdin; --help for more)");
        return kExitUsage;
    }
    if (o.null_separated && std::find(o.inputs.begin(), o.inputs.end(), "-") == o.inputs.end()) {
        message("-0/--null reads NUL-separated paths from stdin, but no '-' input was given");
        return kExitUsage;
    }
    if (!o.plot.empty()) {
        // Checked before any work, so that a typo does not cost a long run its picture.
        const std::size_t slash = o.plot.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : o.plot.substr(0, slash);
        if (!is_directory(dir)) {
            message("--plot " + o.plot + ": no such directory " + dir);
            return kExitUsage;
        }
    }
    Request& request = o.request;
    request.top_k = static_cast<std::size_t>(o.top);
    request.format = resolve_format(o);
    request.thumbnails = !o.report.empty();

    configure_process(o.engine.threads);
    // The first batch checks the model: a one-image run makes one forward pass, not two.
    o.engine.model_check = ModelCheck::FirstBatch;
    const Engine engine = Engine::load(o.engine);
    try {
        engine.check(request);
    } catch (const RequestError& e) {
        message(flag_message(e, o));
        return kExitUsage;
    }

    std::unique_ptr<AtomicFileSink> file;
    FdSink stdout_sink(STDOUT_FILENO);
    if (!o.output.empty()) file = std::make_unique<AtomicFileSink>(o.output);
    OutputSink& out = file ? static_cast<OutputSink&>(*file) : stdout_sink;
    RecordWriterOptions writer_options;
    writer_options.explain = request.explain;
    writer_options.emotions = engine.model().metadata().emotions;
    const std::unique_ptr<RecordWriter> writer = make_record_writer(request.format, out, engine.songs(), writer_options);
    std::unique_ptr<HtmlReport> report;
    if (!o.report.empty()) report = std::make_unique<HtmlReport>(o.report, engine.songs());

    InputListOptions list_options;
    list_options.recursive = request.recursive;
    list_options.null_separated = o.null_separated;
    list_options.directories_as_inputs = request.video.sequence;
    InputList inputs(o.inputs, list_options);
    // Counting stats every argument: only worth it when the progress line is shown.
    std::size_t total = 0;
    const bool counted =
        !o.quiet && ::isatty(STDERR_FILENO) && !request.video.sequence && inputs.known_count(&total) &&
        std::none_of(o.inputs.begin(), o.inputs.end(), [](const std::string& p) { return media_kind_of_file(p) == MediaKind::Video; });
    CliSink sink(o, *writer, report.get(), counted ? std::optional<std::size_t>(total) : std::nullopt);
    const RunResult result = engine.run(request, inputs, sink, interrupt_token());
    writer->finish();
    if (file) file->commit();
    // Pictures and the report come after the results, which a failure here must not cost.
    if (!result.cancelled) {
        if (!o.plot.empty()) write_va_plot(o.plot, engine.songs(), sink.plotted());
        if (report) report->finish();
    }
    if (result.cancelled) {
        message("interrupted: the results written so far are complete");
        return kExitInterrupted;
    }
    return result.failures > 0 ? kExitSomeInputsFailed : kExitOk;
}

}  // namespace img2music::cli
