#include "img2music/error.hpp"
#include "img2music/model_metadata.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace img2music;
using nlohmann::json;

namespace {

json valid() {
    json q = json::array();
    for (int i = 0; i <= 100; ++i) q.push_back(i / 100.0);
    return json{{"format", "img2music-model"},
                {"format_version", 1},
                {"name", "m"},
                {"arch", "mobilenet_v1_075"},
                {"outputs", {"valence", "arousal"}},
                {"preprocess",
                 {{"input_height", 224},
                  {"input_width", 224},
                  {"resize", "shorter_side"},
                  {"resize_shorter", 256},
                  {"interpolation", "area"},
                  {"pixel_scale", 2.0 / 255},
                  {"mean", {1, 1, 1}},
                  {"std", {1, 1, 1}}}},
                {"reference_distribution", {{"valence", q}, {"arousal", q}}},
                {"provenance", {{"seed", 0}}}};
}

std::string error_of(const json& j) {
    try {
        parse_model_metadata(j.dump(), "m.pt");
    } catch (const ResourceError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("Model metadata: a valid document") {
    const ModelMetadata m = parse_model_metadata(valid().dump(), "m.pt");
    CHECK(m.name == "m");
    CHECK(m.preprocess.resize == ResizePolicy::ShorterSide);
    CHECK(m.preprocess.resize_shorter == 256);
    CHECK(m.preprocess.pixel_scale == Approx(2.0 / 255));
    REQUIRE(m.reference.has_value());
    CHECK(m.reference->valence.size() == 101);
    CHECK(m.provenance_json == R"({"seed":0})");
}

TEST_CASE("Model metadata: every rule is checked with a clear message") {
    const std::string p = "m.pt: invalid img2music.json: ";
    CHECK_THROWS_WITH(parse_model_metadata("", "m.pt"), "m.pt: no img2music.json metadata inside the model (see docs/model-contract.md)");
    CHECK(error_of(json::array()) == p + "metadata must be a JSON object");
    json j = valid();
    j["format"] = "other";
    CHECK(error_of(j) == p + "format must be \"img2music-model\"");
    j = valid();
    j["format_version"] = 2;
    CHECK(error_of(j) == p + "unsupported format_version 2 (this build reads 1)");
    j = valid();
    j.erase("arch");
    CHECK(error_of(j) == p + "missing arch");
    j = valid();
    j["outputs"] = {"arousal", "valence"};
    CHECK(error_of(j) == p + "outputs must be [\"valence\", \"arousal\"]");
    j = valid();
    j["preprocess"].erase("mean");
    CHECK(error_of(j) == p + "missing preprocess.mean");
    j = valid();
    j["preprocess"]["std"] = {1, 0, 1};
    CHECK(error_of(j) == p + "preprocess.std values must be > 0");
    j = valid();
    j["preprocess"]["input_height"] = 0;
    CHECK(error_of(j) == p + "preprocess.input_height must be in [1, 4096]");
    j = valid();
    j["preprocess"]["resize"] = "fit";
    CHECK(error_of(j) == p + "preprocess.resize must be \"shorter_side\" or \"stretch\", not \"fit\"");
    j = valid();
    j["preprocess"]["resize_shorter"] = 100;
    CHECK(error_of(j) == p + "preprocess.resize_shorter must be >= the input height and width");
    j = valid();
    j["reference_distribution"]["valence"] = {0.5, 0.4};
    CHECK(error_of(j) == p + "reference_distribution.valence must be non-decreasing");
    j = valid();
    j["reference_distribution"]["arousal"] = {0.1, 0.2};
    CHECK(error_of(j) == p + "reference_distribution.valence and .arousal differ in length");
}

TEST_CASE("Model metadata: malformed JSON text") {
    CHECK_THROWS_WITH(parse_model_metadata("{not json", "m.pt"), Catch::Matchers::StartsWith("m.pt: invalid img2music.json: "));
}
