// The engine: the loaded, immutable resources of img2music (model, song table, nearest-song
// index, alignments) and the one way to run a Request over inputs. Every front end (the CLI,
// a server) is "make a Request, hand it with an InputSource and a RecordSink to run()".
//
//   Engine engine = Engine::load({"models/img2music.pt", "", "data/songs.csv"});
//   Request request;                         // request.hpp
//   request.top_k = 5;
//   struct Print : RecordSink {
//       void record(const Record& r, const Image&) override { std::cout << r.input << '\n'; }
//   } sink;
//   CancelToken cancel;                      // cancel.cancel() from anywhere stops the run
//   RunResult result = engine.run(request, inputs, sink, cancel);
//
// run() is const and keeps its state on its own stack: one Engine may serve several runs at
// once from different threads, each with its own inputs, sink and token. The sink is called on
// the thread that called run(), records in input order (record.hpp, README.md's schema).
//
// What a run does with each input (a path; or encoded bytes, an upload, always an image):
//   an image            one record (decode -> model -> alignment -> songs, pipeline.hpp)
//   a video file        its sampled frames through the model, then one record per mood segment
//                       (soundtrack.hpp), or with video.frames one per frame
//   a directory, with   the files in it (natural name order) as the frames of one video
//   video.sequence
// A failed input is a record with `error` set in its place; RunResult::failures counts them.
#pragma once

#include "img2music/image.hpp"
#include "img2music/input_source.hpp"
#include "img2music/precision.hpp"
#include "img2music/record.hpp"
#include "img2music/request.hpp"
#include "img2music/va_model.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace img2music {

class SongTable;
struct Soundtrack;
class Engine;

struct EngineConfig {
    std::string model;                           // TorchScript model path (va_model.hpp)
    std::string model_sha256;                    // when set, the model file must hash to it (64 hex digits)
    std::string songs;                           // song table path, CSV or JSON (song_table.hpp)
    Precision precision = Precision::automatic;  // of the model's convolutions (precision.hpp)
    // The cores a run may use, 0: usable_cores(); as many decode threads, two model lanes (pipeline.hpp).
    int threads = 0;
    // Images per forward pass; 0 chooses by the model's input size: 4 at 224x224, proportionally
    // fewer for larger inputs (2 at 320x320), so that activation memory stays about the same.
    std::size_t batch_size = 0;
    // FirstBatch saves a one-image run a forward pass; run() still refuses a model that breaks
    // its contract before it gives out any record or note (va_model.hpp).
    ModelCheck model_check = ModelCheck::AtLoad;
};

// The batch size that batch_size = 0 stands for, for a model input of height x width pixels.
std::size_t default_batch_size(int height, int width);

// Forward passes run side by side with `threads` cores (resolved, process_settings.hpp): two
// from 2 cores on, one otherwise. The pipeline and the server's batcher both use it.
int default_model_lanes(int threads);

// Asks a run to stop: it hands out no further input, finishes the batch in hand, and returns
// with RunResult::cancelled set. cancel() is a lock-free atomic store, safe in a signal handler.
class CancelToken {
public:
    void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> cancelled_{false};
};

// Something the person asking should know that is not a record; `text` states it as a fact.
struct Note {
    enum class Kind {
        FewerSongsThanTopK,    // only `count` songs pass the request's criteria, fewer than top_k
        NoAlignmentReference,  // the model has no reference distribution: matched without alignment
        VideoCutShort,         // the video `subject` stops decoding early; what decoded is used
    };
    Kind kind;
    std::string subject;    // what it is about: the song table, the model or an input
    std::string text;       // e.g. "has no reference distribution; matching without alignment"
    std::size_t count = 0;  // FewerSongsThanTopK: the songs that pass
};

class RecordSink {
public:
    virtual ~RecordSink() = default;
    // One finished record. `thumbnail` (longest side kThumbnailSide, from the decode the
    // prediction used) is set for an image's record when Request::thumbnails; otherwise empty.
    virtual void record(const Record& record, const Image& thumbnail) = 0;
    // A video's soundtrack, after its records; with Request::thumbnails its keyframes are set.
    virtual void soundtrack(const Soundtrack& /*soundtrack*/) {}
    virtual void note(const Note& /*note*/) {}
    // `done` inputs (unit "done") or video frames (unit "frames") so far.
    virtual void progress(std::size_t /*done*/, const char* /*unit*/) {}
};

struct RunResult {
    std::size_t failures = 0;  // records with `error` set
    bool cancelled = false;    // the token stopped the run; the records given are complete
};

// A request checked against an engine, with its song filter, selection and alignment built:
// what run() turns every image's prediction into a record with. Front ends that run the model
// themselves (a server batching the images of several requests, batcher.hpp) use it, so their
// records are the ones run() gives. Keeps references into the engine, which must outlive it;
// const and safe to share between threads.
class PreparedRequest {
public:
    PreparedRequest(PreparedRequest&&) noexcept;
    PreparedRequest& operator=(PreparedRequest&&) noexcept;
    ~PreparedRequest();

    const Request& request() const;
    // What the person asking should know about the request itself (fewer songs than top_k,
    // no alignment reference), in the order run() gives them to its sink.
    const std::vector<Note>& notes() const;
    // The record of the image `input` from its prediction (VaModel::predict_outputs).
    Record record(const std::string& input, const Prediction& prediction) const;

    struct Impl;

private:
    friend class Engine;
    explicit PreparedRequest(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

class Engine {
public:
    // Loads and checks the model and the song table and builds the index. Changes no process-wide
    // state: apply configure_process (process_settings.hpp) first. Throws ResourceError naming the
    // file and the reason.
    static Engine load(const EngineConfig& config);

    Engine(Engine&&) noexcept;
    Engine& operator=(Engine&&) noexcept;
    ~Engine();

    const VaModel& model() const;
    const SongTable& songs() const;
    const EngineConfig& config() const;

    // Checks `request` (validate(), then against the model and the table) and returns the songs
    // that pass its criteria. Throws RequestError: top_k above the table's size, no song passing
    // the criteria, an alignment the model cannot do when align_required.
    std::size_t check(const Request& request) const;

    // check(), then builds what run() uses to make records (see PreparedRequest).
    // Throws RequestError as check().
    PreparedRequest prepare(const Request& request) const;

    // Runs `request` over `inputs` into `sink` (see the top of this file). Throws RequestError
    // (as check()) before any record; Error from a resource or the sink; OutputClosed from the
    // sink ends the run at once.
    RunResult run(const Request& request, InputSource& inputs, RecordSink& sink, const CancelToken& cancel) const;

private:
    friend class PreparedRequest;
    struct State;
    explicit Engine(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace img2music
