#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/va_model.hpp"

#include <catch2/catch.hpp>

using namespace img2music;

namespace {

const std::string kModels = std::string(IMG2MUSIC_TEST_DATA) + "/models/";
const std::string kImages = std::string(IMG2MUSIC_TEST_DATA) + "/images/";

}  // namespace

TEST_CASE("VA model: loads metadata and predicts a batch") {
    set_inference_threads(1);
    const VaModel model = VaModel::load(kModels + "tiny_va.pt");
    const PreprocessSpec& spec = model.metadata().preprocess;
    CHECK(model.metadata().name == "tiny-va");
    CHECK(spec.input_width == 32);
    std::vector<float> batch(3 * spec.tensor_size());
    preprocess(Image::load(kImages + "red.png"), spec, batch.data());
    preprocess(Image::load(kImages + "grey.png"), spec, batch.data() + spec.tensor_size());
    preprocess(Image::load(kImages + "split.png"), spec, batch.data() + 2 * spec.tensor_size());
    const auto va = model.predict(batch.data(), 3);
    REQUIRE(va.size() == 3);
    CHECK(va[0]->valence == Approx(1.0));
    CHECK(va[0]->arousal == Approx(1.0));
    CHECK(va[1]->valence == Approx(128.0 / 255));
    CHECK(va[1]->arousal == Approx(0.0));
    CHECK(va[2]->valence == Approx(125.0 / 255));
    CHECK(va[2]->arousal == Approx(0.75));
}

TEST_CASE("VA model: contract violations are refused at load") {
    CHECK_THROWS_WITH(VaModel::load(kModels + "bad_shape.pt"),
                      Catch::Matchers::Contains("model output has shape [1, 3] for a batch of 1, expected [1, 2]"));
    CHECK_THROWS_WITH(VaModel::load(kModels + "no_metadata.pt"), Catch::Matchers::Contains("no img2music.json metadata inside the model"));
    CHECK_THROWS_WITH(VaModel::load(kImages + "red.png"), Catch::Matchers::Contains("not a loadable TorchScript model"));
    CHECK_THROWS_WITH(VaModel::load("/nonexistent.pt"), "/nonexistent.pt: cannot open model: No such file or directory");
    CHECK_THROWS_WITH(VaModel::load("/tmp"), "/tmp: is a directory, not a model file");
}

TEST_CASE("VA model: non-finite outputs fail that input only") {
    const VaModel model = VaModel::load(kModels + "nan_output.pt");
    std::vector<float> batch(2 * model.metadata().preprocess.tensor_size(), 0.5F);
    const auto va = model.predict(batch.data(), 2);
    REQUIRE(va.size() == 2);
    CHECK_FALSE(va[0].has_value());
    CHECK_FALSE(va[1].has_value());
}

TEST_CASE("VA model: a model that cannot take channels-last input runs in the plain layout, same answers") {
    const VaModel plain = VaModel::load(kModels + "view_va.pt");  // x.view() throws on channels-last
    const VaModel tiny = VaModel::load(kModels + "tiny_va.pt");
    const PreprocessSpec& spec = plain.metadata().preprocess;
    std::vector<float> batch(2 * spec.tensor_size());
    preprocess(Image::load(kImages + "split.png"), spec, batch.data());
    preprocess(Image::load(kImages + "red.png"), spec, batch.data() + spec.tensor_size());
    const auto viewed = plain.predict(batch.data(), 2);
    const auto direct = tiny.predict(batch.data(), 2);
    REQUIRE(viewed.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        REQUIRE(viewed[i].has_value());
        CHECK(viewed[i]->valence == Approx(direct[i]->valence).margin(1e-6));
        CHECK(viewed[i]->arousal == Approx(direct[i]->arousal).margin(1e-6));
    }
    CHECK(viewed[0]->arousal == Approx(0.75));
}

TEST_CASE("VA model: checked by its first batch, a broken model is refused there and by check()") {
    // Loading does not run the model...
    const VaModel deferred = VaModel::load(kModels + "bad_shape.pt", "", ModelCheck::FirstBatch);
    std::vector<float> batch(2 * deferred.metadata().preprocess.tensor_size(), 0.5F);
    // ...the first batch refuses it with the probe's message, for the batch it was...
    CHECK_THROWS_WITH(deferred.predict(batch.data(), 2),
                      Catch::Matchers::Contains("model output has shape [2, 3] for a batch of 2, expected [2, 2]"));
    // ...and check() with the message of the probe at load.
    CHECK_THROWS_WITH(deferred.check(), Catch::Matchers::Contains("model output has shape [1, 3] for a batch of 1, expected [1, 2]"));
    CHECK_THROWS_WITH(VaModel::load(kModels + "emotions_short.pt", "", ModelCheck::FirstBatch).check(),
                      Catch::Matchers::Contains("expected [1, 5] (valence, arousal and the 3 emotions the metadata names)"));
}

TEST_CASE("VA model: checked by its first batch, the answers are those of a model probed at load, in either layout") {
    for (const char* name : {"tiny_va.pt", "view_va.pt"}) {  // channels-last, and the plain layout
        INFO(name);
        const VaModel probed = VaModel::load(kModels + name);
        const VaModel deferred = VaModel::load(kModels + name, "", ModelCheck::FirstBatch);
        const PreprocessSpec& spec = probed.metadata().preprocess;
        std::vector<float> batch(2 * spec.tensor_size());
        preprocess(Image::load(kImages + "split.png"), spec, batch.data());
        preprocess(Image::load(kImages + "red.png"), spec, batch.data() + spec.tensor_size());
        const auto want = probed.predict(batch.data(), 2);
        for (int round = 0; round < 2; ++round) {  // the first batch decides the layout, the second uses it
            const auto got = deferred.predict(batch.data(), 2);
            REQUIRE(got.size() == 2);
            for (std::size_t i = 0; i < 2; ++i) {
                REQUIRE(got[i].has_value());
                CHECK(got[i]->valence == Approx(want[i]->valence).margin(1e-6));
                CHECK(got[i]->arousal == Approx(want[i]->arousal).margin(1e-6));
            }
        }
        CHECK_NOTHROW(deferred.check());
    }
}
