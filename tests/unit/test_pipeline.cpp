#include "img2music/alignment.hpp"
#include "img2music/pipeline.hpp"
#include "img2music/recommender.hpp"
#include "img2music/song_selector.hpp"
#include "img2music/song_table.hpp"
#include "img2music/va_model.hpp"

#include "list_source.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>

using namespace img2music;

namespace {

const std::string kData = std::string(IMG2MUSIC_TEST_DATA);

}  // namespace

TEST_CASE("Pipeline: one record per input, in input order, failures in place") {
    const VaModel model = VaModel::load(kData + "/models/tiny_va.pt");
    const SongTable songs = SongTable::load(kData + "/songs_small.csv");
    const Recommender rec(songs);
    const Alignment none;
    // Small batches, several decode threads and model lanes: order must survive all three.
    for (const auto& [batch, lanes] : std::vector<std::pair<std::size_t, int>>{{1, 1}, {2, 1}, {3, 1}, {16, 1}, {1, 2}, {2, 3}, {3, 2}}) {
        PipelineOptions opts;
        opts.batch_size = batch;
        opts.decode_threads = 3;
        opts.model_lanes = lanes;
        SelectionOptions selection;
        selection.top_k = 3;
        const SongSelector selector(rec, songs, selection);
        const Pipeline pipeline(model, selector, none, opts);
        std::vector<std::string> inputs;
        for (int rep = 0; rep < 4; ++rep) {
            inputs.push_back(kData + "/images/red.png");
            inputs.push_back(kData + "/missing.png");
            inputs.push_back(kData + "/images/grey.png");
            inputs.push_back(kData + "/songs_small.csv");  // not an image
            inputs.push_back(kData + "/images/split.png");
        }
        ListSource source(inputs);
        std::vector<Record> out;
        const std::size_t failures = pipeline.run(source, [&](const Record& r) { out.push_back(r); });
        CHECK(failures == 8);
        REQUIRE(out.size() == inputs.size());
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            INFO("batch " << batch << ", lanes " << lanes << ", input " << i);
            CHECK(out[i].input == inputs[i]);
            CHECK(out[i].error.has_value() == (i % 5 == 1 || i % 5 == 3));
        }
        CHECK(out[0].va.valence == Approx(1.0));
        CHECK(out[2].va.arousal == Approx(0.0));
        CHECK(out[1].error == "No such file or directory");
        CHECK(out[3].error == "not a supported image, or corrupt");
        CHECK(out[0].songs.size() == 3);
        CHECK_FALSE(out[0].aligned.has_value());
    }
}

namespace {

// A source that, after its items, blocks in next() until cancel() (a pipe nobody writes to),
// saying so through may_wait(). Without cancel() it gives up after `patience` and records that.
class StallingSource : public InputSource {
public:
    StallingSource(std::vector<std::string> items, std::chrono::milliseconds patience) : items_(std::move(items)), patience_(patience) {}
    std::optional<Input> next() override {
        if (i_ < items_.size()) return Input{items_[i_++], std::nullopt};
        std::unique_lock<std::mutex> lock(mutex_);
        if (!woken_.wait_for(lock, patience_, [&] { return cancelled_ || released_; })) gave_up_ = true;
        return std::nullopt;
    }
    void cancel() override {
        std::lock_guard<std::mutex> lock(mutex_);
        cancelled_ = true;
        woken_.notify_all();
    }
    bool may_wait() const override { return i_ >= items_.size(); }
    void release() {
        std::lock_guard<std::mutex> lock(mutex_);
        released_ = true;
        woken_.notify_all();
    }
    bool gave_up() const { return gave_up_; }
    bool cancelled() const { return cancelled_; }

private:
    std::vector<std::string> items_;
    std::size_t i_ = 0;
    std::chrono::milliseconds patience_;
    std::mutex mutex_;
    std::condition_variable woken_;
    bool cancelled_ = false;
    bool released_ = false;
    bool gave_up_ = false;
};

struct Fixture {
    VaModel model = VaModel::load(kData + "/models/tiny_va.pt");
    SongTable songs = SongTable::load(kData + "/songs_small.csv");
    Recommender rec{songs};
    Alignment none;
    SongSelector selector{rec, songs, SelectionOptions{}};
    Pipeline pipeline(PipelineOptions options) const { return Pipeline(model, selector, none, options); }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("Pipeline: when the source may wait, the partial batch is run instead of waiting for a full one") {
    const Fixture f;
    PipelineOptions options;
    options.batch_size = 8;
    options.model_lanes = GENERATE(1, 2);
    StallingSource source({kData + "/images/red.png", kData + "/images/grey.png"}, std::chrono::seconds(20));
    std::size_t seen = 0;
    const std::size_t failures = f.pipeline(options).run(source, [&](const Record& r) {
        CHECK_FALSE(r.error);
        if (++seen == 2) source.release();  // both records came while the source was stalled
    });
    CHECK(failures == 0);
    CHECK(seen == 2);
    CHECK_FALSE(source.gave_up());
}

TEST_CASE("Pipeline: an exception from emit stops the run and propagates, cancelling a blocked source") {
    const Fixture f;
    PipelineOptions options;
    options.batch_size = 1;
    options.decode_threads = 2;
    options.model_lanes = GENERATE(1, 2);
    StallingSource source({kData + "/images/red.png"}, std::chrono::seconds(20));
    struct Stop {};
    CHECK_THROWS_AS(f.pipeline(options).run(source, [](const Record&) { throw Stop{}; }), Stop);
    CHECK(source.cancelled());
    CHECK_FALSE(source.gave_up());  // woken by cancel(), not by running out of patience
}

TEST_CASE("Pipeline: an exception from the source propagates") {
    const Fixture f;
    class Failing : public InputSource {
    public:
        std::optional<Input> next() override {
            if (n_++ == 0) return Input{kData + "/images/red.png", std::nullopt};
            throw std::runtime_error("the source broke");
        }

    private:
        int n_ = 0;
    } source;
    std::vector<Record> out;
    PipelineOptions options;
    options.model_lanes = GENERATE(1, 2);
    CHECK_THROWS_WITH(f.pipeline(options).run(source, [&](const Record& r) { out.push_back(r); }), "the source broke");
}

TEST_CASE("Pipeline: two model lanes give one lane's records, byte for byte, on the shipped model") {
    // The lanes' one-threaded passes against one two-threaded pass of whole batches: the
    // answers must not depend on how the work is split (nor on batch size).
    const VaModel model = VaModel::load(std::string(IMG2MUSIC_SOURCE_DIR) + "/models/img2music.pt");
    const SongTable songs = SongTable::load(kData + "/songs_small.csv");
    const Recommender rec(songs);
    const Alignment none;
    const SongSelector selector(rec, songs, SelectionOptions{});
    std::vector<std::string> inputs;
    for (const char* name : {"red.png", "grey.png", "split.png", "missing.png"}) inputs.push_back(kData + "/images/" + name);
    for (const char* name : {"astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "hubble_deep_field.jpg"})
        inputs.push_back(std::string(IMG2MUSIC_SOURCE_DIR) + "/../shared/data/photos/skimage/" + name);
    const auto run = [&](int lanes, std::size_t batch) {
        PipelineOptions options;
        options.batch_size = batch;
        options.decode_threads = 2;
        options.model_lanes = lanes;
        options.threads_per_lane = 1;
        ListSource source(inputs);
        std::vector<Record> out;
        Pipeline(model, selector, none, options).run(source, [&](const Record& r) { out.push_back(r); });
        return out;
    };
    const std::vector<Record> one = run(1, 3);
    REQUIRE(one.size() == inputs.size());
    for (const auto& [lanes, batch] : std::vector<std::pair<int, std::size_t>>{{2, 1}, {2, 2}, {3, 3}}) {
        const std::vector<Record> many = run(lanes, batch);
        REQUIRE(many.size() == one.size());
        for (std::size_t i = 0; i < one.size(); ++i) {
            INFO("lanes " << lanes << ", batch " << batch << ": " << inputs[i]);
            CHECK(many[i].input == one[i].input);
            CHECK(many[i].error == one[i].error);
            CHECK(many[i].va.valence == one[i].va.valence);  // exactly
            CHECK(many[i].va.arousal == one[i].va.arousal);
            REQUIRE(many[i].songs.size() == one[i].songs.size());
            for (std::size_t k = 0; k < one[i].songs.size(); ++k) CHECK(many[i].songs[k].index == one[i].songs[k].index);
        }
    }
}

TEST_CASE("Pipeline: encoded bytes decode like the file, and the thumbnail is handed along") {
    const Fixture f;
    PipelineOptions options;
    options.thumbnail_side = 4;
    std::vector<Input> inputs;
    inputs.push_back(Input{kData + "/images/split.png", std::nullopt});
    inputs.push_back(Input::encoded("upload.png", slurp(kData + "/images/split.png")));
    inputs.push_back(Input::encoded("junk.png", "not an image"));
    class Inputs : public InputSource {
    public:
        explicit Inputs(std::vector<Input> items) : items_(std::move(items)) {}
        std::optional<Input> next() override {
            if (i_ >= items_.size()) return std::nullopt;
            return std::move(items_[i_++]);
        }

    private:
        std::vector<Input> items_;
        std::size_t i_ = 0;
    } source(std::move(inputs));
    std::vector<Record> out;
    std::vector<std::pair<int, int>> thumbs;
    f.pipeline(options).run(source, [&](const Record& r, const Image& thumbnail) {
        out.push_back(r);
        thumbs.emplace_back(thumbnail.width(), thumbnail.height());
    });
    REQUIRE(out.size() == 3);
    CHECK(out[1].input == "upload.png");
    CHECK(out[1].va == out[0].va);
    CHECK(out[2].error == "not a supported image, or corrupt");
    const Image full = Image::load(kData + "/images/split.png");
    const int longest = std::max(full.width(), full.height());
    CHECK(std::max(thumbs[0].first, thumbs[0].second) == std::min(4, longest));
    CHECK(thumbs[1] == thumbs[0]);
    CHECK(thumbs[2] == std::make_pair(0, 0));  // a failed input has none
}
