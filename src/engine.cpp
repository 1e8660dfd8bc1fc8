#include "img2music/engine.hpp"

#include "img2music/alignment.hpp"
#include "img2music/directory_walker.hpp"
#include "img2music/error.hpp"
#include "img2music/media.hpp"
#include "img2music/model_metadata.hpp"
#include "img2music/pipeline.hpp"
#include "img2music/process_settings.hpp"
#include "img2music/recommender.hpp"
#include "img2music/song_selector.hpp"
#include "img2music/song_table.hpp"
#include "img2music/soundtrack.hpp"
#include "img2music/va_model.hpp"
#include "img2music/video.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <future>
#include <optional>
#include <utility>

namespace img2music {
namespace {

bool is_directory(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// Stops handing out inputs once the run is cancelled, so it ends after the batch in hand.
class CancellableInputs : public InputSource {
public:
    CancellableInputs(InputSource& inner, const CancelToken& cancel) : inner_(inner), cancel_(cancel) {}
    std::optional<Input> next() override { return cancel_.cancelled() ? std::nullopt : inner_.next(); }
    void cancel() override { inner_.cancel(); }
    bool may_wait() const override { return inner_.may_wait(); }

private:
    InputSource& inner_;
    const CancelToken& cancel_;
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
        const bool on_disk = !in->error && !in->bytes && !in->image;
        if (on_disk && !in->kind) in->kind = media_kind_of_file(in->path);
        if (on_disk && (in->kind == MediaKind::Video || (sequences_ && is_directory(in->path)))) {
            held_ = std::move(in);
            return std::nullopt;
        }
        return in;
    }
    // The pipeline cancels at the end of every run to wake a reader blocked on stdin. Once this
    // stretch has ended (a video is held, or the inputs are done) nothing can be blocked, and
    // cancelling the inputs would end the stretches still to come.
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
    VideoFrames(VideoReader& reader, std::string path, const CancelToken& cancel)
        : reader_(reader), path_(std::move(path)), cancel_(cancel) {}
    std::optional<Input> next() override {
        if (cancel_.cancelled()) return std::nullopt;
        std::optional<VideoFrame> frame = reader_.next();
        if (!frame) return std::nullopt;
        return Input{path_, std::nullopt, frame->position, std::move(frame->image)};
    }

private:
    VideoReader& reader_;
    std::string path_;
    const CancelToken& cancel_;
};

// A frame sequence's files at `fps`, sampled on the videos' rule (video.hpp: FrameSampler).
class SequenceFrames : public InputSource {
public:
    SequenceFrames(const std::vector<std::string>& files, double fps, double every, const CancelToken& cancel)
        : files_(files), fps_(fps), sampler_(every), cancel_(cancel) {}
    std::optional<Input> next() override {
        while (!cancel_.cancelled() && index_ < files_.size()) {
            const std::size_t i = index_++;
            const double time = static_cast<double>(i) / fps_;
            if (sampler_.take(time)) return Input{files_[i], std::nullopt, FramePosition{i, time}, std::nullopt};
        }
        return std::nullopt;
    }

private:
    const std::vector<std::string>& files_;
    double fps_;
    FrameSampler sampler_;
    const CancelToken& cancel_;
    std::size_t index_ = 0;
};

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", s);
    return buf;
}

// The run's sink, checking the model (VaModel::check) before the first record or note passes:
// with ModelCheck::FirstBatch a record can come before any batch ran (an input that failed).
class ModelCheckedSink : public RecordSink {
public:
    ModelCheckedSink(const VaModel& model, RecordSink& inner) : model_(model), inner_(inner) {}
    void record(const Record& record, const Image& thumbnail) override {
        model_.check();
        inner_.record(record, thumbnail);
    }
    void soundtrack(const Soundtrack& soundtrack) override { inner_.soundtrack(soundtrack); }
    void note(const Note& note) override {
        model_.check();
        inner_.note(note);
    }
    void progress(std::size_t done, const char* unit) override { inner_.progress(done, unit); }

private:
    const VaModel& model_;
    RecordSink& inner_;
};

std::size_t count_allowed(const SongFilter& allowed, std::size_t songs) {
    return allowed.empty() ? songs : static_cast<std::size_t>(std::count(allowed.begin(), allowed.end(), true));
}

// One run of one request: what it shares, and what it does with each finished record.
class Run {
public:
    Run(const Request& request, const SongSelector& selector, const Alignment& alignment, const Pipeline& pipeline, RecordSink& sink,
        const CancelToken& cancel, VideoReadOptions video)
        : request_(request), selector_(selector), alignment_(alignment), pipeline_(pipeline), sink_(sink), cancel_(cancel), video_(video) {}

    std::size_t failures() const { return failures_; }

    void images(InputSource& inputs) {
        failures_ += pipeline_.run(inputs, [&](const Record& r, const Image& thumbnail) {
            sink_.record(r, thumbnail);
            sink_.progress(++done_, "done");
        });
    }

    void video(const std::string& path) {
        std::optional<VideoReader> reader;
        try {
            reader.emplace(path, request_.video.every, video_);
        } catch (const InputError& e) {
            fail(path, e.reason());
            return;
        }
        VideoFrames frames(*reader, path, cancel_);
        std::vector<TimedVA> timeline = analyse(frames);
        if (cancel_.cancelled()) return;
        if (reader->truncated() && !timeline.empty()) {  // with no frame at all, the error record says it
            sink_.note(Note{Note::Kind::VideoCutShort, path,
                            "the video stops decoding at " + seconds(reader->decoded_duration()) + " of " +
                                seconds(reader->info().duration) + " (damaged or cut short); using what decodes"});
        }
        finish_video(path, reader->decoded_duration(), std::move(timeline));
    }

    void sequence(const std::string& dir) {
        std::vector<std::string> files;
        DirectoryWalker walker(dir, request_.recursive);
        while (std::optional<Input> in = walker.next()) {
            if (in->error) {
                fail(in->path, *in->error);
                continue;
            }
            if (in->kind == MediaKind::Image) files.push_back(std::move(in->path));
        }
        if (files.empty()) return;  // the walker reported "no images found"
        std::stable_sort(files.begin(), files.end(), natural_less);
        SequenceFrames frames(files, request_.video.fps, request_.video.every, cancel_);
        std::vector<TimedVA> timeline = analyse(frames);
        if (cancel_.cancelled()) return;
        finish_video(dir, static_cast<double>(files.size()) / request_.video.fps, std::move(timeline));
    }

private:
    void fail(const std::string& input, const std::string& reason) {
        Record r;
        r.input = input;
        r.error = reason;
        sink_.record(r, Image());
        ++failures_;
    }

    // Runs the frames through the model; with video.frames each frame's record is given as it
    // comes. With thumbnails, each frame's is kept (thumbnails_, by position in the timeline),
    // so that the segments' keyframes come from the frames already decoded.
    std::vector<TimedVA> analyse(InputSource& frames) {
        std::vector<TimedVA> timeline;
        thumbnails_.clear();
        failures_ += pipeline_.run(frames, [&](const Record& r, const Image& thumbnail) {
            if (request_.video.frames || r.error) sink_.record(r, Image());
            if (!r.error) {
                timeline.push_back(TimedVA{*r.frame, r.va, r.va, r.emotions});
                if (request_.thumbnails) thumbnails_.push_back(thumbnail);
            }
            sink_.progress(++done_, "frames");
        });
        return timeline;
    }

    void finish_video(const std::string& input, double duration, std::vector<TimedVA> timeline) {
        if (timeline.empty()) {
            fail(input, "no frame could be decoded");
            return;
        }
        SegmentationOptions segmentation;
        segmentation.min_seconds = request_.video.min_segment;
        Soundtrack soundtrack = make_soundtrack(input, duration, std::move(timeline), selector_, alignment_, segmentation);
        if (!request_.video.frames) {
            for (const Record& r : soundtrack.segments) sink_.record(r, Image());
        }
        if (request_.thumbnails) {
            // Each segment's middle frame, as the pipeline decoded it (frames are in time order).
            for (const Record& segment : soundtrack.segments) {
                const double middle = (segment.segment->start + segment.segment->end) / 2.0;
                const auto nearest =
                    std::min_element(soundtrack.timeline.begin(), soundtrack.timeline.end(), [&](const TimedVA& a, const TimedVA& b) {
                        return std::fabs(a.frame.time - middle) < std::fabs(b.frame.time - middle);
                    });
                const auto at = static_cast<std::size_t>(nearest - soundtrack.timeline.begin());
                soundtrack.keyframes.push_back(at < thumbnails_.size() ? thumbnails_[at] : Image());
            }
        }
        sink_.soundtrack(soundtrack);
    }

    const Request& request_;
    const SongSelector& selector_;
    const Alignment& alignment_;
    const Pipeline& pipeline_;
    RecordSink& sink_;
    const CancelToken& cancel_;
    VideoReadOptions video_;
    std::vector<Image> thumbnails_;  // of the video being analysed, one per timeline entry
    std::size_t done_ = 0;
    std::size_t failures_ = 0;
};

}  // namespace

struct Engine::State {
    EngineConfig config;
    VaModel model;
    SongTable songs;
    std::vector<VA> points;
    Recommender index;
    std::array<std::optional<Alignment>, 3> alignments;  // by AlignMode; unset: the model has no reference for it

    State(EngineConfig c, VaModel m, SongTable s)
        : config(std::move(c)), model(std::move(m)), songs(std::move(s)), points(points_of(songs)), index(points) {
        const ModelMetadata& meta = model.metadata();
        for (const auto& [name, mode] : align_mode_names().entries()) {
            if (mode == AlignMode::None || meta.reference)
                alignments[static_cast<std::size_t>(mode)] = Alignment::fit(mode, meta.reference ? &*meta.reference : nullptr, points);
        }
    }

    // The alignment `request` gets, and the note when it falls back on none.
    const Alignment& alignment_for(const Request& request, std::optional<Note>* fallback) const {
        const std::optional<Alignment>& asked = alignments[static_cast<std::size_t>(request.align)];
        if (asked) return *asked;
        if (request.align_required)
            throw RequestError(RequestField::Align, align_mode_name(request.align),
                               "needs the model's reference_distribution metadata, which " + config.model + " lacks");
        if (fallback != nullptr)
            *fallback = Note{Note::Kind::NoAlignmentReference, config.model, "has no reference distribution; matching without alignment"};
        return *alignments[static_cast<std::size_t>(AlignMode::None)];
    }

    SongFilter filter_for(const Request& request, std::size_t* allowed, std::optional<Note>* fewer) const {
        validate(request);
        SongFilter filter = request.songs.empty() ? SongFilter() : make_song_filter(songs, request.songs);
        *allowed = count_allowed(filter, songs.size());
        if (*allowed == 0) throw RequestError(RequestField::Songs, request.songs.describe(), "no song in " + config.songs + " passes");
        if (request.top_k > *allowed) {
            if (request.songs.empty())
                throw RequestError(RequestField::TopK, std::to_string(request.top_k),
                                   "is larger than the song table (" + std::to_string(songs.size()) + " songs in " + config.songs + ")");
            if (fewer != nullptr)
                *fewer = Note{Note::Kind::FewerSongsThanTopK, config.songs,
                              "only " + std::to_string(*allowed) + " songs pass " + request.songs.describe() +
                                  "; lists will be shorter than " + std::to_string(request.top_k),
                              *allowed};
        }
        return filter;
    }
};

struct PreparedRequest::Impl {
    Request request;
    std::vector<Note> notes;
    const Alignment* alignment = nullptr;
    std::optional<SongSelector> selector;
    std::optional<Pipeline> pipeline;
    std::size_t allowed_count = 0;

    Impl(const Engine::State& s, const Request& r) : request(r) {
        std::optional<Note> fewer;
        SongFilter allowed = s.filter_for(request, &allowed_count, &fewer);
        std::optional<Note> unaligned;
        alignment = &s.alignment_for(request, &unaligned);
        if (fewer) notes.push_back(*fewer);
        if (unaligned) notes.push_back(*unaligned);

        SelectionOptions selection;
        selection.top_k = request.top_k;
        selection.diversity = request.diversity;
        selection.one_per_artist = request.one_per_artist;
        selector.emplace(s.index, s.songs, selection, std::move(allowed));

        PipelineOptions options;
        const PreprocessSpec& input = s.model.metadata().preprocess;
        options.batch_size = s.config.batch_size > 0 ? s.config.batch_size : default_batch_size(input.input_height, input.input_width);
        // As many decode threads as cores: where decoding is cheap (JPEG) the ring fills and
        // they wait on the forward pass; where it is most of the cost (a 12 MP HEIC, whose
        // single-image HEVC libheif decodes on one thread) half as many left half the machine
        // idle (0.73x libheif's own decode on 2 cores, docs/performance.md).
        const int threads = resolve_threads(s.config.threads);
        options.decode_threads = std::max(1, threads);
        options.model_lanes = default_model_lanes(threads);
        options.threads_per_lane = std::max(1, threads / options.model_lanes);
        options.thumbnail_side = request.thumbnails ? kThumbnailSide : 0;
        pipeline.emplace(s.model, *selector, *alignment, options);
    }
};

PreparedRequest::PreparedRequest(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PreparedRequest::PreparedRequest(PreparedRequest&&) noexcept = default;
PreparedRequest& PreparedRequest::operator=(PreparedRequest&&) noexcept = default;
PreparedRequest::~PreparedRequest() = default;
const Request& PreparedRequest::request() const { return impl_->request; }
const std::vector<Note>& PreparedRequest::notes() const { return impl_->notes; }
Record PreparedRequest::record(const std::string& input, const Prediction& prediction) const {
    return impl_->pipeline->record(input, prediction);
}

std::size_t default_batch_size(int height, int width) {
    // A pass's activations grow with its images' area; about 200,000 pixels per pass (4 images
    // of 224 x 224, 2 of 320 x 320) keep a whole run under 400 MB with margin, and cost the same
    // CPU per image as twice that on 2 cores (docs/performance.md). At most 8, at least 1.
    constexpr double kReferencePixels = 4.0 * 224 * 224;
    const double pixels = std::max(1.0, static_cast<double>(height) * static_cast<double>(width));
    return static_cast<std::size_t>(std::clamp(std::lround(kReferencePixels / pixels), 1L, 8L));
}

int default_model_lanes(int threads) {
    // A two-threaded pass of the small models we ship spends half its time with one thread
    // waiting for the other at each layer, so two one-threaded passes side by side do about
    // 1.75x the work on 2 cores (docs/performance.md). More lanes would hold more batches of
    // activations (memory) for less gain.
    return std::clamp(threads, 1, 2);
}

Engine::Engine(std::unique_ptr<State> state) : state_(std::move(state)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

Engine Engine::load(const EngineConfig& config) {
    // The song table is read on another core while this one loads and freezes the model (which
    // LibTorch does on one thread). A model that fails to load is still the error reported.
    std::future<SongTable> songs = std::async(std::launch::async, [&config] { return SongTable::load(config.songs); });
    VaModel model = VaModel::load(config.model, config.model_sha256, config.precision, config.model_check);
    return Engine(std::make_unique<State>(config, std::move(model), songs.get()));
}

const VaModel& Engine::model() const { return state_->model; }
const SongTable& Engine::songs() const { return state_->songs; }
const EngineConfig& Engine::config() const { return state_->config; }

std::size_t Engine::check(const Request& request) const {
    std::size_t allowed = 0;
    state_->filter_for(request, &allowed, nullptr);
    state_->alignment_for(request, nullptr);
    return allowed;
}

PreparedRequest Engine::prepare(const Request& request) const {
    return PreparedRequest(std::make_unique<PreparedRequest::Impl>(*state_, request));
}

RunResult Engine::run(const Request& request, InputSource& inputs, RecordSink& given_sink, const CancelToken& cancel) const {
    ModelCheckedSink sink(state_->model, given_sink);
    const PreparedRequest prepared = prepare(request);
    for (const Note& note : prepared.notes()) sink.note(note);
    const PreparedRequest::Impl& p = *prepared.impl_;
    const SongSelector& selector = *p.selector;
    const Alignment& alignment = *p.alignment;
    const Pipeline& pipeline = *p.pipeline;
    const PreprocessSpec& input = state_->model.metadata().preprocess;

    CancellableInputs cancellable(inputs, cancel);
    ImageStretch stretch(cancellable, request.video.sequence);
    // Video frames come scaled (by area, in the colour conversion) to what the model's
    // preprocessing resizes them to: the answers of the full frame to within 0.01, and the
    // conversion costs half what twice that size cost (docs/video.md, docs/performance.md).
    VideoReadOptions video;
    video.cover_side = std::max({input.resize_shorter, input.input_height, input.input_width});
    Run run(request, selector, alignment, pipeline, sink, cancel, video);
    while (!cancel.cancelled()) {
        run.images(stretch);
        std::optional<Input> held = stretch.take_held();
        if (!held) {
            if (stretch.exhausted()) break;
            continue;
        }
        if (request.video.sequence && is_directory(held->path))
            run.sequence(held->path);
        else
            run.video(held->path);
    }
    state_->model.check();  // a run with no input at all still refuses a broken model
    return RunResult{run.failures(), cancel.cancelled()};
}

}  // namespace img2music
