#include "img2music/batcher.hpp"
#include "img2music/engine.hpp"
#include "img2music/image.hpp"
#include "img2music/output_format.hpp"
#include "img2music/output_sink.hpp"
#include "img2music/song_table.hpp"
#include "img2music/va_model.hpp"

#include "list_source.hpp"

#include <catch2/catch.hpp>

#include <mutex>
#include <thread>

using namespace img2music;

namespace {

const std::string kData = std::string(IMG2MUSIC_TEST_DATA);

const std::vector<std::string> kImages = {kData + "/images/red.png",    kData + "/images/grey.png",     kData + "/images/split.png",
                                          kData + "/images/teal.jpg",   kData + "/images/rgba.png",     kData + "/images/palette.png",
                                          kData + "/images/grey16.png", kData + "/images/exif_rot6.jpg"};

EngineConfig config() {
    EngineConfig c;
    c.model = kData + "/models/emotions_va.pt";
    c.songs = kData + "/songs_small.csv";
    c.threads = 2;
    return c;
}

std::vector<float> tensor_of(const Engine& engine, const std::string& path) {
    const PreprocessSpec& spec = engine.model().metadata().preprocess;
    std::vector<float> t(spec.tensor_size());
    preprocess(Image::load(path), spec, t.data());
    return t;
}

std::string jsonl(const Engine& engine, const Record& r) {
    StringSink text;
    RecordWriterOptions options;
    options.explain = true;
    const auto writer = make_record_writer(OutputFormat::Jsonl, text, engine.songs(), options);
    writer->write(r);
    writer->finish();
    return text.str();
}

// Each image's record as Engine::run gives it, one input at a time.
std::vector<std::string> sequential(const Engine& engine, const Request& request) {
    class Collect : public RecordSink {
    public:
        Collect(const Engine& e, std::vector<std::string>& out) : engine_(e), out_(out) {}
        void record(const Record& r, const Image&) override { out_.push_back(jsonl(engine_, r)); }

    private:
        const Engine& engine_;
        std::vector<std::string>& out_;
    };
    std::vector<std::string> out;
    for (const std::string& path : kImages) {
        ListSource inputs({path});
        Collect sink(engine, out);
        CancelToken cancel;
        engine.run(request, inputs, sink, cancel);
    }
    return out;
}

}  // namespace

TEST_CASE("Batcher: images of concurrent callers, batched, give the records Engine::run gives one by one") {
    const Engine engine = Engine::load(config());
    Request request;
    request.top_k = 3;
    request.explain = true;
    request.diversity = 0.3;
    const std::vector<std::string> expected = sequential(engine, request);
    const PreparedRequest prepared = engine.prepare(request);

    std::vector<std::size_t> batches;
    std::mutex batches_mutex;  // two lanes report from two threads
    BatcherOptions options;
    options.batch_size = 4;
    options.max_wait = std::chrono::milliseconds(20);
    // Two lanes: passes side by side, one thread each, or alone with two; the same answers.
    options.lanes = GENERATE(1, 2);
    options.threads = 2;
    options.on_batch = [&](std::size_t n) {
        std::lock_guard<std::mutex> lock(batches_mutex);
        batches.push_back(n);
    };
    std::vector<std::string> got(kImages.size());
    {
        Batcher batcher(engine.model(), options);
        // Announced before they are prepared, as the server does: passes wait for them.
        std::vector<Batcher::Announcement> coming;
        for (std::size_t i = 0; i < kImages.size(); ++i) coming.push_back(batcher.announce(1));
        std::vector<std::thread> callers;
        for (std::size_t i = 0; i < kImages.size(); ++i) {
            callers.emplace_back([&, i] {
                auto futures = batcher.submit({tensor_of(engine, kImages[i])}, &coming[i]);
                const std::optional<Prediction> p = futures[0].get().prediction;
                REQUIRE(p);
                got[i] = jsonl(engine, prepared.record(kImages[i], *p));
            });
        }
        for (std::thread& t : callers) t.join();
    }
    for (std::size_t i = 0; i < kImages.size(); ++i) CHECK(got[i] == expected[i]);
    std::size_t total = 0;
    for (std::size_t n : batches) {
        CHECK(n >= 1);
        CHECK(n <= 4);
        total += n;
    }
    CHECK(total == kImages.size());
    CHECK(batches.size() < kImages.size());  // at least one pass ran more than one image
}

TEST_CASE("Batcher: one submit of a full batch is one forward pass, answered in order") {
    const Engine engine = Engine::load(config());
    const PreparedRequest prepared = engine.prepare(Request());
    std::vector<std::size_t> batches;
    BatcherOptions options;
    options.batch_size = 4;
    options.max_wait = std::chrono::seconds(30);  // a full batch must not wait for it
    options.on_batch = [&batches](std::size_t n) { batches.push_back(n); };
    Batcher batcher(engine.model(), options);
    std::vector<std::vector<float>> tensors;
    for (std::size_t i = 0; i < 4; ++i) tensors.push_back(tensor_of(engine, kImages[i]));
    auto futures = batcher.submit(tensors);
    for (std::size_t i = 0; i < 4; ++i) {
        const BatchResult result = futures[i].get();
        const std::optional<Prediction>& p = result.prediction;
        REQUIRE(p);
        CHECK(result.batch == 4);
        const std::optional<Prediction> alone = engine.model().predict_outputs(tensors[i].data(), 1)[0];
        REQUIRE(alone);
        CHECK(p->va.valence == alone->va.valence);
        CHECK(p->va.arousal == alone->va.arousal);
        CHECK(p->emotions == alone->emotions);
    }
    CHECK(batches == std::vector<std::size_t>{4});
}

TEST_CASE("Batcher: a submit that does not fit the queue is refused whole, a wrong-sized tensor is refused") {
    const Engine engine = Engine::load(config());
    BatcherOptions options;
    options.batch_size = 1;
    options.max_queue = 2;
    Batcher batcher(engine.model(), options);
    const std::vector<float> t = tensor_of(engine, kImages[0]);
    CHECK_THROWS_AS(batcher.submit({t, t, t}), QueueFull);
    CHECK(batcher.queued() == 0);
    CHECK_THROWS_AS(batcher.submit({std::vector<float>(7)}), Error);
    auto futures = batcher.submit({t, t});
    CHECK(futures[0].get().prediction.has_value());
    CHECK(futures[1].get().prediction.has_value());
}

TEST_CASE("Batcher: a lone image goes at once, announced images are waited for until submitted or withdrawn") {
    const Engine engine = Engine::load(config());
    std::vector<std::size_t> batches;
    BatcherOptions options;
    options.batch_size = 4;
    options.max_wait = std::chrono::seconds(60);  // any wait for it would show as a timeout below
    // With two lanes the second takes nothing while the first is free: the same passes.
    options.lanes = GENERATE(1, 2);
    options.threads = 2;
    options.on_batch = [&batches](std::size_t n) { batches.push_back(n); };
    Batcher batcher(engine.model(), options);
    const std::vector<float> t = tensor_of(engine, kImages[0]);
    constexpr auto kLong = std::chrono::seconds(20);

    // Nothing else announced or queued: the pass starts without waiting for a batch to fill.
    auto alone = batcher.submit({t});
    REQUIRE(alone[0].wait_for(kLong) == std::future_status::ready);
    CHECK(alone[0].get().batch == 1);

    // One image announced: a queued image waits for it, and both share one pass.
    Batcher::Announcement coming = batcher.announce(1);
    auto first = batcher.submit({t});
    CHECK(first[0].wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
    auto second = batcher.submit({t}, &coming);
    REQUIRE(second[0].wait_for(kLong) == std::future_status::ready);
    REQUIRE(first[0].wait_for(kLong) == std::future_status::ready);
    CHECK(first[0].get().batch == 2);
    CHECK(second[0].get().batch == 2);

    // An announcement withdrawn (its image failed to decode) lets the waiting pass go.
    Batcher::Announcement failed = batcher.announce(1);
    auto third = batcher.submit({t});
    CHECK(third[0].wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
    { Batcher::Announcement gone = std::move(failed); }  // destroyed: withdrawn
    REQUIRE(third[0].wait_for(kLong) == std::future_status::ready);
    CHECK(third[0].get().batch == 1);
    CHECK(batches == std::vector<std::size_t>{1, 2, 1});
}

TEST_CASE("Engine::prepare: the request's notes, and its errors as check() gives them") {
    const Engine engine = Engine::load(config());
    Request fewer;
    fewer.top_k = 20;
    fewer.songs.genres = {"rock"};
    const PreparedRequest prepared = engine.prepare(fewer);
    REQUIRE(prepared.notes().size() == 1);
    CHECK(prepared.notes()[0].kind == Note::Kind::FewerSongsThanTopK);
    Request too_many;
    too_many.top_k = 100000;
    CHECK_THROWS_AS(engine.prepare(too_many), RequestError);
}
