#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/va_model.hpp"

#include "bfloat16_trunk.hpp"
#include "onednn_routing.hpp"

#include <catch2/catch.hpp>

using namespace img2music;

namespace {

const std::string kModels = std::string(IMG2MUSIC_TEST_DATA) + "/models/";
const std::string kImages = std::string(IMG2MUSIC_TEST_DATA) + "/images/";

// split.png then red.png, preprocessed for `spec`, back to back.
std::vector<float> split_and_red(const PreprocessSpec& spec) {
    std::vector<float> batch(2 * spec.tensor_size());
    preprocess(Image::load(kImages + "split.png"), spec, batch.data());
    preprocess(Image::load(kImages + "red.png"), spec, batch.data() + spec.tensor_size());
    return batch;
}

// Both answered every image, the same to 1e-6.
void check_same_answers(const std::vector<std::optional<VA>>& got, const std::vector<std::optional<VA>>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        REQUIRE(got[i].has_value());
        REQUIRE(want[i].has_value());
        CHECK(got[i]->valence == Approx(want[i]->valence).margin(1e-6));
        CHECK(got[i]->arousal == Approx(want[i]->arousal).margin(1e-6));
    }
}

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
    const std::vector<float> batch = split_and_red(spec);
    const auto viewed = plain.predict(batch.data(), 2);
    check_same_answers(viewed, tiny.predict(batch.data(), 2));
    CHECK(viewed[0]->arousal == Approx(0.75));
}

TEST_CASE("VA model: matrix products with constant weights run in oneDNN, same numbers as the BLAS") {
    // Brute force: the same frozen module without the routing, on seeded data, every shape the
    // rewrite must keep (a batch, leading dimensions, a single vector, no bias).
    torch::manual_seed(7);
    torch::jit::Module module("Products");
    module.register_parameter("weight", torch::randn({4, 5}), false);
    module.register_parameter("bias", torch::randn({4}), false);
    module.register_parameter("right", torch::randn({5, 6}), false);
    module.define(R"(
def forward(self, x, y):
    return (torch.linear(x, self.weight, self.bias), torch.matmul(x, self.right),
            torch.linear(x, self.weight), torch.matmul(x, y))
)");
    module.eval();
    torch::jit::Module plain = torch::jit::freeze(module);
    torch::jit::Module routed = torch::jit::freeze(module);
    CHECK(route_matrix_products_to_onednn(routed) == 3);  // x @ y has no constant side: left alone
    const torch::Tensor y = torch::randn({5, 3});
    for (const torch::Tensor& x : {torch::randn({3, 5}), torch::randn({2, 4, 5}), torch::randn({5}), torch::randn({1, 5})}) {
        const auto want = plain.forward({x, y}).toTuple()->elements();
        const auto got = routed.forward({x, y}).toTuple()->elements();
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            INFO("output " << i << " for x of shape " << x.sizes());
            CHECK(got[i].toTensor().sizes() == want[i].toTensor().sizes());
            CHECK(torch::allclose(got[i].toTensor(), want[i].toTensor(), 1e-5, 1e-5));
        }
    }
}

TEST_CASE("VA model: precision names parse and print") {
    CHECK(precision_names().parse("auto") == Precision::automatic);
    CHECK(precision_names().parse("float32") == Precision::float32);
    CHECK(precision_names().parse("bfloat16") == Precision::bfloat16);
    CHECK(std::string(precision_names().name(Precision::bfloat16)) == "bfloat16");
    CHECK_THROWS_WITH(precision_names().parse("fp16"), "unknown precision 'fp16' (expected auto, float32 or bfloat16)");
}

TEST_CASE("VA model: a model without convolutions stays float32 whatever is asked") {
    for (const Precision asked : {Precision::automatic, Precision::float32, Precision::bfloat16}) {
        const VaModel model = VaModel::load(kModels + "tiny_va.pt", "", asked);
        CHECK(model.precision() == Precision::float32);
    }
}

TEST_CASE("VA model: bfloat16 convolutions stay close to float32 on the shipped model, batch-size independent") {
    const std::string shipped = std::string(IMG2MUSIC_SOURCE_DIR) + "/models/img2music.pt";
    const VaModel automatic = VaModel::load(shipped);
    CHECK(automatic.precision() == (cpu_has_native_bfloat16() ? Precision::bfloat16 : Precision::float32));
    if (!cpu_has_native_bfloat16()) {
        WARN("this CPU has no native bfloat16: only the automatic choice is checked");
        return;
    }
    const VaModel f32 = VaModel::load(shipped, "", Precision::float32);
    const VaModel b16 = VaModel::load(shipped, "", Precision::bfloat16);
    CHECK(f32.precision() == Precision::float32);
    CHECK(b16.precision() == Precision::bfloat16);
    const PreprocessSpec& spec = f32.metadata().preprocess;
    const std::vector<std::string> names = {"teal.jpg", "split.png", "exif_rot6.jpg", "palette.png"};
    std::vector<float> batch(names.size() * spec.tensor_size());
    for (std::size_t i = 0; i < names.size(); ++i) preprocess(Image::load(kImages + names[i]), spec, batch.data() + i * spec.tensor_size());
    const auto exact = f32.predict_outputs(batch.data(), names.size());
    const auto fast = b16.predict_outputs(batch.data(), names.size());
    REQUIRE(exact.size() == names.size());
    REQUIRE(fast.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        INFO(names[i]);
        REQUIRE(exact[i]);
        REQUIRE(fast[i]);
        // models/README.md: over the 1,890 rated images the mean difference is about 0.005.
        CHECK(std::abs(exact[i]->va.valence - fast[i]->va.valence) <= 0.03);
        CHECK(std::abs(exact[i]->va.arousal - fast[i]->va.arousal) <= 0.03);
        REQUIRE(fast[i]->emotions.size() == exact[i]->emotions.size());
        for (std::size_t k = 0; k < exact[i]->emotions.size(); ++k) CHECK(std::abs(exact[i]->emotions[k] - fast[i]->emotions[k]) <= 0.05);
        // The same image alone gives the same answer as in a batch of four.
        const auto alone = b16.predict_outputs(batch.data() + i * spec.tensor_size(), 1);
        REQUIRE(alone[0]);
        CHECK(alone[0]->va.valence == Approx(fast[i]->va.valence).margin(1e-3));
        CHECK(alone[0]->va.arousal == Approx(fast[i]->va.arousal).margin(1e-3));
    }
}

TEST_CASE("VA model: checked by its first batch, a broken model is refused there and by check()") {
    // Loading does not run the model...
    const VaModel deferred = VaModel::load(kModels + "bad_shape.pt", "", Precision::automatic, ModelCheck::FirstBatch);
    std::vector<float> batch(2 * deferred.metadata().preprocess.tensor_size(), 0.5F);
    // ...the first batch refuses it with the probe's message, for the batch it was...
    CHECK_THROWS_WITH(deferred.predict(batch.data(), 2),
                      Catch::Matchers::Contains("model output has shape [2, 3] for a batch of 2, expected [2, 2]"));
    // ...and check() with the message of the probe at load.
    CHECK_THROWS_WITH(deferred.check(), Catch::Matchers::Contains("model output has shape [1, 3] for a batch of 1, expected [1, 2]"));
    CHECK_THROWS_WITH(VaModel::load(kModels + "emotions_short.pt", "", Precision::automatic, ModelCheck::FirstBatch).check(),
                      Catch::Matchers::Contains("expected [1, 5] (valence, arousal and the 3 emotions the metadata names)"));
}

TEST_CASE("VA model: checked by its first batch, the answers are those of a model probed at load, in either layout") {
    for (const char* name : {"tiny_va.pt", "view_va.pt"}) {  // channels-last, and the plain layout
        INFO(name);
        const VaModel probed = VaModel::load(kModels + name);
        const VaModel deferred = VaModel::load(kModels + name, "", Precision::automatic, ModelCheck::FirstBatch);
        const PreprocessSpec& spec = probed.metadata().preprocess;
        const std::vector<float> batch = split_and_red(spec);
        const auto want = probed.predict(batch.data(), 2);
        for (int round = 0; round < 2; ++round)  // the first batch decides the layout, the second uses it
            check_same_answers(deferred.predict(batch.data(), 2), want);
        CHECK_NOTHROW(deferred.check());
    }
}
