// The optional emotion outputs of a model ([N, 2 + k], names in img2music.json), end to end
// through the library: metadata, VaModel, the record formats and the words that name them.
#include "img2music/error.hpp"
#include "img2music/explain.hpp"
#include "img2music/image.hpp"
#include "img2music/model_metadata.hpp"
#include "img2music/output_format.hpp"
#include "img2music/output_sink.hpp"
#include "img2music/song_table.hpp"
#include "img2music/va_model.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace img2music;
using nlohmann::json;

namespace {

const std::string kModels = std::string(IMG2MUSIC_TEST_DATA) + "/models/";
const std::string kImages = std::string(IMG2MUSIC_TEST_DATA) + "/images/";

json metadata_with(const json& emotions) {
    json j = {{"format", "img2music-model"},
              {"format_version", 1},
              {"name", "m"},
              {"arch", "a"},
              {"outputs", {"valence", "arousal"}},
              {"preprocess",
               {{"input_height", 8},
                {"input_width", 8},
                {"resize", "stretch"},
                {"interpolation", "area"},
                {"pixel_scale", 1.0},
                {"mean", {0, 0, 0}},
                {"std", {1, 1, 1}}}}};
    if (!emotions.is_null()) j["emotions"] = emotions;
    return j;
}

std::string metadata_error(const json& emotions) {
    try {
        parse_model_metadata(metadata_with(emotions).dump(), "m.pt");
    } catch (const ResourceError& e) {
        return e.what();
    }
    return "";
}

std::vector<EmotionScore> scores(std::initializer_list<std::pair<const char*, float>> list) {
    std::vector<EmotionScore> out;
    for (const auto& [name, p] : list) out.push_back({name, p});
    return out;
}

SongTable one_song() { return SongTable::parse_csv("id,artist,track,album,valence,arousal\ns1,A,T,,0.5,0.5\n", "t.csv"); }

Record record_with_emotions() {
    Record r;
    r.input = "a.jpg";
    r.va = VA{0.8F, 0.3F};
    r.emotions = scores({{"anger", 0.05F}, {"joy", 0.6F}, {"surprise", 0.35F}});
    r.songs = {Match{0, 0.1F}};
    return r;
}

std::string format(OutputFormat f, const std::vector<Record>& records, RecordWriterOptions options) {
    const SongTable songs = one_song();
    StringSink sink;
    auto writer = make_record_writer(f, sink, songs, options);
    for (const Record& r : records) writer->write(r);
    writer->finish();
    return sink.str();
}

}  // namespace

TEST_CASE("Emotions: metadata names are parsed and validated") {
    CHECK(parse_model_metadata(metadata_with(nullptr).dump(), "m.pt").emotions.empty());
    CHECK(parse_model_metadata(metadata_with({"joy", "fear_2"}).dump(), "m.pt").emotions == std::vector<std::string>{"joy", "fear_2"});
    CHECK(metadata_error(json::array()) == "m.pt: invalid img2music.json: emotions must be an array of 1..64 names");
    CHECK(metadata_error("joy") == "m.pt: invalid img2music.json: emotions must be an array of 1..64 names");
    CHECK(metadata_error({"joy", 3}) == "m.pt: invalid img2music.json: emotions entries must be strings");
    CHECK(metadata_error({"Joy"}) ==
          "m.pt: invalid img2music.json: emotion name \"Joy\" is not a lower-case identifier of at most 32 characters");
    CHECK(metadata_error({"a,b"}).find("is not a lower-case identifier") != std::string::npos);
    CHECK(metadata_error({"joy", "joy"}) == "m.pt: invalid img2music.json: emotion name \"joy\" appears twice");
    CHECK(metadata_error({std::string(33, 'a')}).find("at most 32 characters") != std::string::npos);
}

TEST_CASE("Emotions: a [N, 2 + k] model returns valence, arousal and a distribution") {
    set_inference_threads(1);
    const VaModel model = VaModel::load(kModels + "emotions_va.pt");
    REQUIRE(model.metadata().emotions == std::vector<std::string>{"anger", "calm", "sadness"});
    const PreprocessSpec& spec = model.metadata().preprocess;
    std::vector<float> batch(2 * spec.tensor_size());
    preprocess(Image::load(kImages + "red.png"), spec, batch.data());
    preprocess(Image::load(kImages + "grey.png"), spec, batch.data() + spec.tensor_size());
    const auto out = model.predict_outputs(batch.data(), 2);
    REQUIRE(out.size() == 2);
    REQUIRE(out[0]);
    REQUIRE(out[1]);
    CHECK(out[0]->va.valence == Approx(1.0));  // the same answers as tiny_va.pt
    CHECK(out[0]->va.arousal == Approx(1.0));
    REQUIRE(out[0]->emotions.size() == 3);
    CHECK(out[0]->emotions[0] == Approx(1.0).margin(1e-4));  // pure red: all "anger"
    CHECK(out[0]->emotions[1] == Approx(0.0).margin(1e-4));
    for (float p : out[1]->emotions) CHECK(p == Approx(1.0 / 3).margin(1e-4));  // grey: equal shares
    const auto va_only = model.predict(batch.data(), 2);
    CHECK(va_only[0]->valence == out[0]->va.valence);
}

TEST_CASE("Emotions: a model returning fewer columns than its metadata names is refused at load") {
    CHECK_THROWS_WITH(VaModel::load(kModels + "emotions_short.pt"),
                      Catch::Matchers::Contains("model output has shape [1, 2] for a batch of 1, expected [1, 5] (valence, arousal "
                                                "and the 3 emotions the metadata names)"));
}

TEST_CASE("Emotions: [N, 2] models have none") {
    const VaModel model = VaModel::load(kModels + "tiny_va.pt");
    CHECK(model.metadata().emotions.empty());
    std::vector<float> x(model.metadata().preprocess.tensor_size(), 0.5F);
    const auto out = model.predict_outputs(x.data(), 1);
    REQUIRE(out[0]);
    CHECK(out[0]->emotions.empty());
}

TEST_CASE("Emotions: the top one or two in words") {
    CHECK(emotion_words({}).empty());
    CHECK(emotion_words(scores({{"joy", 0.61F}, {"surprise", 0.2F}, {"fear", 0.19F}})) == "joy (61%)");
    CHECK(emotion_words(scores({{"joy", 0.45F}, {"surprise", 0.3F}, {"fear", 0.25F}})) == "joy (45%) and surprise (30%)");
    CHECK(emotion_words(scores({{"fear", 0.1F}, {"sadness", 0.5F}, {"anger", 0.4F}})) == "sadness (50%) and anger (40%)");
    // equal shares keep the model's order
    CHECK(emotion_words(scores({{"a", 0.5F}, {"b", 0.5F}})) == "a (50%) and b (50%)");
}

TEST_CASE("Emotions: JSON object, CSV/TSV columns, table and explain words") {
    Record failed;
    failed.input = "b.jpg";
    failed.error = "not a supported image, or corrupt";
    RecordWriterOptions options;
    options.emotions = {"anger", "joy", "surprise"};

    const json j = json::parse(format(OutputFormat::Jsonl, {record_with_emotions()}, options));
    CHECK(j["emotions"] == json::parse(R"({"anger":0.05,"joy":0.6,"surprise":0.35})"));
    CHECK_FALSE(j.contains("mood"));
    const std::string jsonl = format(OutputFormat::Jsonl, {record_with_emotions()}, options);
    CHECK(jsonl.find(R"("arousal":0.3,"emotions":{"anger":0.05,"joy":0.6,"surprise":0.35},"songs")") != std::string::npos);

    options.explain = true;
    const json explained = json::parse(format(OutputFormat::Jsonl, {record_with_emotions()}, options));
    CHECK(explained["mood"] == "calm and pleasant, feels like joy (60%) and surprise (35%)");

    options.explain = false;
    const std::string csv = format(OutputFormat::Csv, {record_with_emotions(), failed}, options);
    CHECK(csv.substr(0, csv.find('\n')) ==
          "input,frame,time,segment,start,end,valence,arousal,aligned_valence,aligned_arousal,rank,id,artist,track,album,"
          "song_valence,song_arousal,distance,error,emotion_anger,emotion_joy,emotion_surprise");
    CHECK(csv.find("\na.jpg,,,,,,0.8000,0.3000,,,1,s1,A,T,,0.5000,0.5000,0.1000,,0.0500,0.6000,0.3500\n") != std::string::npos);
    CHECK(csv.find("\nb.jpg,,,,,,,,,,,,,,,,,,\"not a supported image, or corrupt\",,,\n") != std::string::npos);
    const std::string tsv = format(OutputFormat::Tsv, {record_with_emotions()}, options);
    CHECK(tsv.find("\terror\temotion_anger\temotion_joy\temotion_surprise\n") != std::string::npos);

    const std::string table = format(OutputFormat::Table, {record_with_emotions()}, options);
    CHECK(table ==
          "a.jpg\n  valence 0.8000  arousal 0.3000\n  feels like joy (60%) and surprise (35%)\n"
          "   1. A - T  [v 0.50 a 0.50  d 0.1000]\n");
}

TEST_CASE("Emotions: records without emotions print exactly as before") {
    Record r = record_with_emotions();
    r.emotions.clear();
    RecordWriterOptions options;
    options.explain = true;
    const json j = json::parse(format(OutputFormat::Jsonl, {r}, options));
    CHECK_FALSE(j.contains("emotions"));
    CHECK_FALSE(j.contains("mood"));
    CHECK(format(OutputFormat::Table, {r}, {}) == "a.jpg\n  valence 0.8000  arousal 0.3000\n   1. A - T  [v 0.50 a 0.50  d 0.1000]\n");
}
