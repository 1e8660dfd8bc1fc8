#include "img2music/alignment.hpp"
#include "img2music/pipeline.hpp"
#include "img2music/recommender.hpp"
#include "img2music/song_selector.hpp"
#include "img2music/song_table.hpp"
#include "img2music/va_model.hpp"

#include <catch2/catch.hpp>

using namespace img2music;

namespace {

const std::string kData = std::string(IMG2MUSIC_TEST_DATA);

class ListSource : public InputSource {
public:
    explicit ListSource(std::vector<std::string> items) : items_(std::move(items)) {}
    std::optional<Input> next() override {
        if (i_ >= items_.size()) return std::nullopt;
        return Input{items_[i_++], std::nullopt};
    }

private:
    std::vector<std::string> items_;
    std::size_t i_ = 0;
};

}  // namespace

TEST_CASE("Pipeline: one record per input, in input order, failures in place") {
    const VaModel model = VaModel::load(kData + "/models/tiny_va.pt");
    const SongTable songs = SongTable::load(kData + "/songs_small.csv");
    const Recommender rec(songs);
    const Alignment none;
    // Small batches and several decode threads: order must survive both.
    for (const std::size_t batch : {1U, 2U, 3U, 16U}) {
        PipelineOptions opts;
        opts.batch_size = batch;
        opts.decode_threads = 3;
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
            INFO("batch " << batch << " input " << i);
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
