#include "img2music/engine.hpp"
#include "img2music/output_format.hpp"
#include "img2music/output_sink.hpp"
#include "img2music/process_settings.hpp"
#include "img2music/song_table.hpp"
#include "img2music/soundtrack.hpp"

#include "list_source.hpp"

#include <sched.h>
#include <catch2/catch.hpp>

#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace img2music;

namespace {

const std::string kData = std::string(IMG2MUSIC_TEST_DATA);

// Collects a run as the text its format gives, plus its notes and soundtracks.
class Collect : public RecordSink {
public:
    Collect(const Engine& engine, const Request& request)
        : writer_(make_record_writer(request.format, text_, engine.songs(), options(request))) {}
    void record(const Record& r, const Image& thumbnail) override {
        writer_->write(r);
        thumbnails.push_back(thumbnail.width());
    }
    void soundtrack(const Soundtrack& s) override { keyframes.push_back(s.keyframes.size()); }
    void note(const Note& n) override { notes.push_back(n); }
    std::string finish() {
        writer_->finish();
        return text_.str();
    }
    std::vector<Note> notes;
    std::vector<int> thumbnails;
    std::vector<std::size_t> keyframes;

private:
    static RecordWriterOptions options(const Request& request) {
        RecordWriterOptions o;
        o.explain = request.explain;
        return o;
    }
    StringSink text_;
    std::unique_ptr<RecordWriter> writer_;
};

EngineConfig tiny(const std::string& model = "tiny_va.pt") {
    EngineConfig c;
    c.model = kData + "/models/" + model;
    c.songs = kData + "/songs_small.csv";
    c.threads = 2;
    return c;
}

const std::vector<std::string> kInputs = {kData + "/images/red.png",   kData + "/images/grey.png",  kData + "/missing.png",
                                          kData + "/images/split.png", kData + "/videos/moods.mp4", kData + "/images/teal.jpg"};

std::string run_to_text(const Engine& engine, const Request& request, RunResult* result = nullptr) {
    ListSource inputs(kInputs);
    Collect sink(engine, request);
    CancelToken cancel;
    const RunResult r = engine.run(request, inputs, sink, cancel);
    if (result != nullptr) *result = r;
    return sink.finish();
}

}  // namespace

TEST_CASE("Engine: two requests at once on one engine give what each gives alone") {
    const Engine engine = Engine::load(tiny("view_va.pt"));
    Request a;
    a.top_k = 3;
    a.format = OutputFormat::Jsonl;
    a.video.min_segment = 10;
    Request b;
    b.top_k = 5;
    b.align = AlignMode::None;
    b.diversity = 0.5;
    b.explain = true;
    b.format = OutputFormat::Csv;
    b.video.frames = true;
    b.video.every = 3;

    RunResult result_a;
    const std::string alone_a = run_to_text(engine, a, &result_a);
    const std::string alone_b = run_to_text(engine, b);
    REQUIRE(alone_a != alone_b);
    CHECK(result_a.failures == 1);
    CHECK_FALSE(result_a.cancelled);
    for (int round = 0; round < 2; ++round) {
        auto together_a = std::async(std::launch::async, [&] { return run_to_text(engine, a); });
        auto together_b = std::async(std::launch::async, [&] { return run_to_text(engine, b); });
        CHECK(together_a.get() == alone_a);
        CHECK(together_b.get() == alone_b);
    }
}

TEST_CASE(
    "Engine: requests are checked against the model and the table, with "
    "facts, not flags") {
    const Engine engine = Engine::load(tiny());
    Request r;
    CHECK(engine.check(r) == 24);
    r.top_k = 25;
    CHECK_THROWS_WITH(engine.check(r), "top_k 25: is larger than the song table (24 songs in " + kData + "/songs_small.csv)");
    r.top_k = 3;
    r.songs.genres = {"polka"};
    try {
        engine.check(r);
        FAIL("no song passes genre polka");
    } catch (const RequestError& e) {
        CHECK(e.field() == RequestField::Songs);
        CHECK(e.value() == "genre polka");
    }
    r.songs.genres = {};
    r.diversity = 2;
    CHECK_THROWS_AS(engine.check(r), RequestError);

    const Engine plain = Engine::load(tiny("no_reference.pt"));
    Request aligned;
    aligned.align = AlignMode::Quantile;
    CHECK_NOTHROW(plain.check(aligned));  // falls back on none, with a note
    ListSource one({kData + "/images/red.png"});
    Collect sink(plain, aligned);
    CancelToken cancel;
    plain.run(aligned, one, sink, cancel);
    REQUIRE(sink.notes.size() == 1);
    CHECK(sink.notes[0].kind == Note::Kind::NoAlignmentReference);
    CHECK(sink.finish().find("aligned_valence") == std::string::npos);
    aligned.align_required = true;
    CHECK_THROWS_AS(plain.check(aligned), RequestError);
}

TEST_CASE(
    "Engine: thumbnails for images and keyframes for videos only when "
    "asked, a cancelled run stops") {
    const Engine engine = Engine::load(tiny());
    Request r;
    r.thumbnails = true;
    ListSource inputs(kInputs);
    Collect sink(engine, r);
    CancelToken cancel;
    engine.run(r, inputs, sink, cancel);
    // red, grey, missing, split, then moods.mp4's segments, then teal.
    REQUIRE(sink.thumbnails.size() >= 6);
    CHECK(sink.thumbnails[0] > 0);
    CHECK(sink.thumbnails[2] == 0);
    CHECK(sink.thumbnails.back() > 0);
    REQUIRE(sink.keyframes.size() == 1);
    CHECK(sink.keyframes[0] >= 1);

    CancelToken cancelled;
    cancelled.cancel();
    ListSource again(kInputs);
    Collect nothing(engine, r);
    const RunResult result = engine.run(r, again, nothing, cancelled);
    CHECK(result.cancelled);
    CHECK(nothing.finish().empty());
}

TEST_CASE("Engine: the default batch follows the model's input size, keeping activation memory the same") {
    CHECK(default_batch_size(224, 224) == 4);
    CHECK(default_batch_size(320, 320) == 2);
    CHECK(default_batch_size(448, 448) == 1);
    CHECK(default_batch_size(1024, 1024) == 1);
    CHECK(default_batch_size(32, 32) == 8);  // small inputs keep 8: more per pass bought nothing
    CHECK(default_batch_size(0, 0) == 8);
}

TEST_CASE("Threads: the usable cores follow the affinity mask, and 0 threads means all of them") {
    CHECK(usable_cores() >= 1);
    CHECK(resolve_threads(3) == 3);
    CHECK(resolve_threads(0) == usable_cores());
    // A job pinned to one core (taskset, a container's cpuset) gets one thread, not the machine's count.
    int pinned = 0;
    std::thread([&] {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(sched_getcpu(), &one);
        REQUIRE(::sched_setaffinity(0, sizeof one, &one) == 0);
        pinned = resolve_threads(0);
    }).join();
    CHECK(pinned == 1);
}

TEST_CASE("Engine: a model checked by its first batch that breaks its contract is refused before any record or note") {
    EngineConfig config = tiny("bad_shape.pt");
    config.model_check = ModelCheck::FirstBatch;
    const Engine engine = Engine::load(config);  // loads: nothing has run the model yet
    Request plain;
    plain.top_k = 3;
    plain.format = OutputFormat::Jsonl;
    Request noted = plain;  // with a note first: fewer rock songs than asked for
    noted.top_k = 10;
    noted.songs.genres = {"rock"};
    const std::vector<std::string> failing_first = {kData + "/missing.png", kData + "/images/red.png"};
    for (const auto& [request, inputs] :
         {std::pair{plain, failing_first}, std::pair{plain, std::vector<std::string>{kData + "/missing.png"}},
          std::pair{plain, std::vector<std::string>{}}, std::pair{noted, failing_first}}) {
        INFO(inputs.size() << " inputs, " << request.songs.genres.size() << " genre filter");
        ListSource source(inputs);
        Collect sink(engine, request);
        CancelToken cancel;
        CHECK_THROWS_WITH(engine.run(request, source, sink, cancel),
                          Catch::Matchers::Contains("bad_shape.pt: model output has shape [1, 3] for a batch of 1, expected [1, 2]"));
        CHECK(sink.finish().empty());
        CHECK(sink.notes.empty());
    }
    // The same model checked at load is refused there.
    CHECK_THROWS_WITH(Engine::load(tiny("bad_shape.pt")), Catch::Matchers::Contains("expected [1, 2]"));
}
