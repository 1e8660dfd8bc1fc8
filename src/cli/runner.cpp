#include "cli/runner.hpp"

#include "cli/console.hpp"
#include "cli/input_list.hpp"
#include "file_util.hpp"

#include "img2music/img2music.hpp"
#include "img2music/plot.hpp"
#include "img2music/report.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <thread>

namespace img2music::cli {
namespace {

bool is_directory(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// Stops handing out inputs once Ctrl-C was pressed, so the run ends after the batch in hand.
class InterruptibleInputs : public InputSource {
public:
    explicit InterruptibleInputs(InputSource& inner) : inner_(inner) {}
    std::optional<Input> next() override { return g_interrupted ? std::nullopt : inner_.next(); }
    void cancel() override { inner_.cancel(); }
    bool may_wait() const override { return inner_.may_wait(); }

private:
    InputSource& inner_;
};

// The image inputs up to the next video or frame sequence, which it holds for the caller: the
// pipeline runs over a stretch of images, the caller handles the video, then the next stretch.
class ImageStretch : public InputSource {
public:
    ImageStretch(InputSource& inner, bool sequences) : inner_(inner), sequences_(sequences) {}
    std::optional<Input> next() override {
        if (held_ || exhausted_) return std::nullopt;
        std::optional<Input> in = inner_.next();
        if (!in) {
            exhausted_ = true;
            return std::nullopt;
        }
        if (!in->error && (has_video_extension(in->path) || (sequences_ && is_directory(in->path)))) {
            held_ = std::move(in);
            return std::nullopt;
        }
        return in;
    }
    // The pipeline cancels at the end of every run to wake a reader blocked on stdin. Once this
    // stretch has ended (a video is held, or the inputs are done) nothing can be blocked, and
    // cancelling the arguments would end the stretches still to come.
    void cancel() override {
        if (!held_ && !exhausted_) inner_.cancel();
    }
    bool may_wait() const override { return !held_ && !exhausted_ && inner_.may_wait(); }
    std::optional<Input> take_held() {
        std::optional<Input> out = std::move(held_);
        held_.reset();
        return out;
    }
    bool exhausted() const { return exhausted_ && !held_; }

private:
    InputSource& inner_;
    bool sequences_;
    std::optional<Input> held_;
    bool exhausted_ = false;
};

// A video's sampled frames, decoded in order here (the pipeline's workers preprocess them).
class VideoFrames : public InputSource {
public:
    VideoFrames(VideoReader& reader, std::string path) : reader_(reader), path_(std::move(path)) {}
    std::optional<Input> next() override {
        if (g_interrupted) return std::nullopt;
        std::optional<VideoFrame> frame = reader_.next();
        if (!frame) return std::nullopt;
        return Input{path_, std::nullopt, frame->position, std::move(frame->image)};
    }

private:
    VideoReader& reader_;
    std::string path_;
};

// A frame sequence's files, sampled on the same rule as a video (video.hpp).
class SequenceFrames : public InputSource {
public:
    SequenceFrames(const std::vector<std::string>& files, double fps, double every) : files_(files), fps_(fps), every_(every) {}
    std::optional<Input> next() override {
        while (!g_interrupted && index_ < files_.size()) {
            const std::size_t i = index_++;
            const double time = static_cast<double>(i) / fps_;
            if (time + 1e-9 < static_cast<double>(next_sample_) * every_) continue;
            while (static_cast<double>(next_sample_) * every_ <= time + 1e-9) ++next_sample_;
            return Input{files_[i], std::nullopt, FramePosition{i, time}, std::nullopt};
        }
        return std::nullopt;
    }

private:
    const std::vector<std::string>& files_;
    double fps_;
    double every_;
    std::size_t index_ = 0;
    std::size_t next_sample_ = 0;
};

// --format auto with --output: the file's extension decides (.json, .csv, .tsv), else jsonl.
OutputFormat format_for_file(const std::string& path) {
    const std::string ext = lower_extension(path);
    for (const char* name : {"json", "csv", "tsv", "jsonl"}) {
        if (ext == std::string(".") + name) return parse_output_format(name);
    }
    return OutputFormat::Jsonl;
}

SongCriteria criteria_of(const Options& o) {
    SongCriteria c;
    c.genres = o.genres;
    if (o.min_popularity >= 0) c.min_popularity = o.min_popularity;
    if (!o.year.empty()) std::tie(c.year_from, c.year_to) = parse_year_range(o.year);
    c.exclude_artists = o.exclude_artists;
    return c;
}

// Everything one run shares, and what it does with each finished record.
class Run {
public:
    Run(const Options& o, const SongTable& songs, const SongSelector& selector, const Alignment& alignment, const Pipeline& pipeline,
        RecordWriter& writer, HtmlReport* report, std::optional<std::size_t> total)
        : o_(o),
          songs_(songs),
          selector_(selector),
          alignment_(alignment),
          pipeline_(pipeline),
          writer_(writer),
          report_(report),
          progress_(!o.quiet && ::isatty(STDERR_FILENO), total) {}

    std::size_t failures() const { return failures_; }
    const std::vector<Record>& plotted() const { return plotted_; }

    void images(InputSource& inputs) {
        failures_ += pipeline_.run(inputs, [&](const Record& r) {
            emit(r);
            if (report_ != nullptr) report_->add_image(r);
            progress_.update(++done_, "done");
        });
    }

    void video(const std::string& path) {
        std::optional<VideoReader> reader;
        try {
            reader.emplace(path, o_.every);
        } catch (const InputError& e) {
            fail(path, e.reason());
            return;
        }
        VideoFrames frames(*reader, path);
        std::vector<TimedVA> timeline = analyse(frames);
        if (g_interrupted) return;
        if (reader->truncated() && !o_.quiet)
            message(path + ": the video stops decoding at " + seconds(reader->decoded_duration()) + " of " +
                    seconds(reader->info().duration) + " (damaged or cut short); using what decodes");
        finish_video(path, reader->decoded_duration(), std::move(timeline),
                     [&](const TimedVA& t) { return VideoReader::frame_at(path, t.frame.time); });
    }

    void sequence(const std::string& dir) {
        std::vector<std::string> files;
        DirectoryWalker walker(dir, o_.recursive);
        while (std::optional<Input> in = walker.next()) {
            if (in->error) {
                fail(in->path, *in->error);
                continue;
            }
            if (has_image_extension(in->path)) files.push_back(std::move(in->path));
        }
        if (files.empty()) return;  // the walker reported "no images found"
        std::stable_sort(files.begin(), files.end(), natural_less);
        SequenceFrames frames(files, o_.fps, o_.every);
        std::vector<TimedVA> timeline = analyse(frames);
        if (g_interrupted) return;
        finish_video(dir, static_cast<double>(files.size()) / o_.fps, std::move(timeline),
                     [&](const TimedVA& t) { return Image::load(files[t.frame.index]); });
    }

private:
    void emit(const Record& r) {
        if (r.error) message(r.input + (r.frame ? " at " + seconds(r.frame->time) : std::string()) + ": " + *r.error);
        writer_.write(r);
        if (!r.error && !o_.plot.empty()) plotted_.push_back(r);
    }

    void fail(const std::string& input, const std::string& reason) {
        Record r;
        r.input = input;
        r.error = reason;
        emit(r);
        if (report_ != nullptr) report_->add_image(r);
        ++failures_;
    }

    static std::string seconds(double s) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f s", s);
        return buf;
    }

    // Runs the frames through the model; with --frames each frame's record is written as it comes.
    std::vector<TimedVA> analyse(InputSource& frames) {
        std::vector<TimedVA> timeline;
        failures_ += pipeline_.run(frames, [&](const Record& r) {
            if (o_.frames || r.error) emit(r);
            if (!r.error) timeline.push_back(TimedVA{*r.frame, r.va, r.va});
            progress_.update(++done_, "frames");
        });
        return timeline;
    }

    template <typename Keyframe>
    void finish_video(const std::string& input, double duration, std::vector<TimedVA> timeline, Keyframe keyframe) {
        if (timeline.empty()) {
            fail(input, "no frame could be decoded");
            return;
        }
        SegmentationOptions segmentation;
        segmentation.min_seconds = o_.min_segment;
        Soundtrack soundtrack = make_soundtrack(input, duration, std::move(timeline), selector_, alignment_, segmentation);
        if (!o_.frames) {
            for (const Record& r : soundtrack.segments) emit(r);
        }
        if (report_ == nullptr) return;
        // The report shows each segment's middle frame; a frame that will not decode again just has no picture.
        for (const Record& segment : soundtrack.segments) {
            const double middle = (segment.segment->start + segment.segment->end) / 2.0;
            const auto nearest = std::min_element(
                soundtrack.timeline.begin(), soundtrack.timeline.end(),
                [&](const TimedVA& a, const TimedVA& b) { return std::fabs(a.frame.time - middle) < std::fabs(b.frame.time - middle); });
            try {
                soundtrack.keyframes.push_back(keyframe(*nearest));
            } catch (const InputError&) {
                soundtrack.keyframes.emplace_back();
            }
        }
        report_->add_video(soundtrack);
    }

    const Options& o_;
    const SongTable& songs_;
    const SongSelector& selector_;
    const Alignment& alignment_;
    const Pipeline& pipeline_;
    RecordWriter& writer_;
    HtmlReport* report_;
    Progress progress_;
    std::size_t done_ = 0;
    std::size_t failures_ = 0;
    std::vector<Record> plotted_;  // only with --plot
};

}  // namespace

int run(const Options& o) {
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
    set_inference_threads(o.threads);
    set_image_threads(1);  // the pipeline decodes several images at once

    const VaModel model = VaModel::load(o.model, o.model_sha256);
    const SongTable songs = SongTable::load(o.songs);
    const SongCriteria criteria = criteria_of(o);
    SongFilter allowed = criteria.empty() ? SongFilter() : make_song_filter(songs, criteria);
    const std::size_t allowed_count =
        allowed.empty() ? songs.size() : static_cast<std::size_t>(std::count(allowed.begin(), allowed.end(), true));
    if (allowed_count == 0) {
        message("no song in " + o.songs + " passes " + criteria.describe() + " (nothing to recommend)");
        return kExitUsage;
    }
    if (static_cast<std::size_t>(o.top) > allowed_count) {
        if (criteria.empty()) {
            message("--top " + std::to_string(o.top) + " is larger than the song table (" + std::to_string(songs.size()) + " songs in " +
                    o.songs + ")");
            return kExitUsage;
        }
        if (!o.quiet)
            message("note: only " + std::to_string(allowed_count) + " songs pass " + criteria.describe() +
                    "; lists will be shorter than --top " + std::to_string(o.top));
    }
    const std::vector<VA> points = points_of(songs);
    const Recommender recommender(points);
    SelectionOptions selection;
    selection.top_k = static_cast<std::size_t>(o.top);
    selection.diversity = o.diversity;
    selection.one_per_artist = o.one_per_artist;
    const SongSelector selector(recommender, songs, selection, std::move(allowed));

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
    popts.batch_size = static_cast<std::size_t>(o.batch_size);
    // LibTorch gets every core for the forward pass; decoding is a fraction of its cost, so
    // half as many decode threads keep it fed without oversubscribing the machine.
    const int cores = o.threads > 0 ? o.threads : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    popts.decode_threads = std::max(1, cores / 2);
    const Pipeline pipeline(model, selector, alignment, popts);

    const OutputFormat format = o.format != "auto"        ? parse_output_format(o.format)
                                : !o.output.empty()       ? format_for_file(o.output)
                                : ::isatty(STDOUT_FILENO) ? OutputFormat::Table
                                                          : OutputFormat::Jsonl;
    std::unique_ptr<AtomicFileSink> file;
    FdSink stdout_sink(STDOUT_FILENO);
    if (!o.output.empty()) file = std::make_unique<AtomicFileSink>(o.output);
    OutputSink& sink = file ? static_cast<OutputSink&>(*file) : stdout_sink;
    RecordWriterOptions writer_options;
    writer_options.explain = o.explain;
    const std::unique_ptr<RecordWriter> writer = make_record_writer(format, sink, songs, writer_options);
    std::unique_ptr<HtmlReport> report;
    if (!o.report.empty()) report = std::make_unique<HtmlReport>(o.report, songs);

    InputListOptions list_options;
    list_options.recursive = o.recursive;
    list_options.null_separated = o.null_separated;
    list_options.directories_as_inputs = o.sequence;
    InputList arguments(o.inputs, list_options);
    InterruptibleInputs inputs(arguments);
    ImageStretch stretch(inputs, o.sequence);
    // Counting stats every argument: only worth it when the progress line is shown.
    std::size_t total = 0;
    const bool counted = !o.quiet && ::isatty(STDERR_FILENO) && !o.sequence && arguments.known_count(&total) &&
                         std::none_of(o.inputs.begin(), o.inputs.end(), [](const std::string& p) { return has_video_extension(p); });
    Run run(o, songs, selector, alignment, pipeline, *writer, report.get(), counted ? std::optional<std::size_t>(total) : std::nullopt);
    while (!g_interrupted) {
        run.images(stretch);
        std::optional<Input> held = stretch.take_held();
        if (!held) {
            if (stretch.exhausted()) break;
            continue;
        }
        if (o.sequence && is_directory(held->path))
            run.sequence(held->path);
        else
            run.video(held->path);
    }
    writer->finish();
    if (file) file->commit();
    // Pictures and the report come after the results, which a failure here must not cost.
    if (!g_interrupted) {
        if (!o.plot.empty()) write_va_plot(o.plot, songs, run.plotted());
        if (report) report->finish();
    }
    if (g_interrupted) {
        message("interrupted: the results written so far are complete");
        return kExitInterrupted;
    }
    return run.failures() > 0 ? kExitSomeInputsFailed : kExitOk;
}

}  // namespace img2music::cli
