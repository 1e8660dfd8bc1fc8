#include "img2music/model_metadata.hpp"

#include "img2music/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace img2music {
namespace {

using nlohmann::json;

// Thrown with the offending key; parse_model_metadata adds the source.
struct MetadataError {
    std::string message;
};

const json& require(const json& obj, const char* key, const std::string& where) {
    const auto it = obj.find(key);
    if (it == obj.end()) throw MetadataError{"missing " + where + key};
    return *it;
}

std::string require_string(const json& obj, const char* key, const std::string& where) {
    const json& v = require(obj, key, where);
    if (!v.is_string() || v.get<std::string>().empty()) throw MetadataError{where + key + " must be a non-empty string"};
    return v.get<std::string>();
}

int require_int(const json& obj, const char* key, const std::string& where, int lo, int hi) {
    const json& v = require(obj, key, where);
    if (!v.is_number_integer()) throw MetadataError{where + key + " must be an integer"};
    const auto x = v.get<long long>();
    if (x < lo || x > hi) throw MetadataError{where + key + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"};
    return static_cast<int>(x);
}

float require_finite(const json& v, const std::string& what) {
    if (!v.is_number()) throw MetadataError{what + " must be a number"};
    const double x = v.get<double>();
    if (!std::isfinite(x)) throw MetadataError{what + " must be finite"};
    return static_cast<float>(x);
}

std::array<float, 3> require_triplet(const json& obj, const char* key, const std::string& where, bool positive) {
    const json& v = require(obj, key, where);
    if (!v.is_array() || v.size() != 3) throw MetadataError{where + key + " must be an array of 3 numbers"};
    std::array<float, 3> out{};
    for (std::size_t i = 0; i < 3; ++i) {
        out[i] = require_finite(v[i], where + key + "[" + std::to_string(i) + "]");
        if (positive && !(out[i] > 0)) throw MetadataError{where + key + " values must be > 0"};
    }
    return out;
}

std::vector<float> parse_quantiles(const json& obj, const char* key) {
    const std::string what = std::string("reference_distribution.") + key;
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_array() || it->size() < 2) throw MetadataError{what + " must be an array of at least 2 numbers"};
    std::vector<float> q;
    q.reserve(it->size());
    for (const json& x : *it) {
        q.push_back(require_finite(x, what + " entries"));
        if (q.size() > 1 && q.back() < q[q.size() - 2]) throw MetadataError{what + " must be non-decreasing"};
    }
    return q;
}

// Lower-case identifiers (they become JSON keys and CSV column suffixes), distinct, 1..64 of them.
std::vector<std::string> parse_emotion_names(const json& v) {
    constexpr std::size_t kMaxEmotions = 64;
    constexpr std::size_t kMaxNameLength = 32;
    if (!v.is_array() || v.empty() || v.size() > kMaxEmotions) throw MetadataError{"emotions must be an array of 1..64 names"};
    std::vector<std::string> names;
    for (const json& e : v) {
        if (!e.is_string()) throw MetadataError{"emotions entries must be strings"};
        const std::string name = e.get<std::string>();
        const bool identifier =
            !name.empty() && name.size() <= kMaxNameLength && name[0] >= 'a' && name[0] <= 'z' &&
            std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
        if (!identifier) throw MetadataError{"emotion name \"" + name + "\" is not a lower-case identifier of at most 32 characters"};
        if (std::find(names.begin(), names.end(), name) != names.end()) throw MetadataError{"emotion name \"" + name + "\" appears twice"};
        names.push_back(name);
    }
    return names;
}

PreprocessSpec parse_preprocess(const json& p) {
    const std::string where = "preprocess.";
    if (!p.is_object()) throw MetadataError{"preprocess must be an object"};
    PreprocessSpec spec;
    spec.input_height = require_int(p, "input_height", where, 1, 4096);
    spec.input_width = require_int(p, "input_width", where, 1, 4096);
    const std::string resize = require_string(p, "resize", where);
    if (resize == "shorter_side") {
        spec.resize = ResizePolicy::ShorterSide;
        spec.resize_shorter = require_int(p, "resize_shorter", where, 1, 8192);
        if (spec.resize_shorter < std::max(spec.input_height, spec.input_width)) {
            throw MetadataError{"preprocess.resize_shorter must be >= the input height and width"};
        }
    } else if (resize == "stretch") {
        spec.resize = ResizePolicy::Stretch;
    } else {
        throw MetadataError{"preprocess.resize must be \"shorter_side\" or \"stretch\", not \"" + resize + "\""};
    }
    const std::string interp = require_string(p, "interpolation", where);
    if (interp == "area") {
        spec.interpolation = Interpolation::Area;
    } else if (interp == "linear") {
        spec.interpolation = Interpolation::Linear;
    } else {
        throw MetadataError{"preprocess.interpolation must be \"area\" or \"linear\", not \"" + interp + "\""};
    }
    spec.pixel_scale = require_finite(require(p, "pixel_scale", where), "preprocess.pixel_scale");
    if (!(spec.pixel_scale > 0)) throw MetadataError{"preprocess.pixel_scale must be > 0"};
    spec.mean = require_triplet(p, "mean", where, false);
    spec.std = require_triplet(p, "std", where, true);
    return spec;
}

ModelMetadata parse(const json& doc) {
    if (!doc.is_object()) throw MetadataError{"metadata must be a JSON object"};
    const json& format = require(doc, "format", "");
    if (format != "img2music-model") throw MetadataError{"format must be \"img2music-model\""};
    const json& version = require(doc, "format_version", "");
    if (version != 1) throw MetadataError{"unsupported format_version " + version.dump() + " (this build reads 1)"};
    ModelMetadata meta;
    meta.name = require_string(doc, "name", "");
    meta.arch = require_string(doc, "arch", "");
    if (require(doc, "outputs", "") != json::array({"valence", "arousal"}))
        throw MetadataError{"outputs must be [\"valence\", \"arousal\"]"};
    meta.preprocess = parse_preprocess(require(doc, "preprocess", ""));
    if (const auto it = doc.find("emotions"); it != doc.end() && !it->is_null()) meta.emotions = parse_emotion_names(*it);
    if (const auto it = doc.find("reference_distribution"); it != doc.end() && !it->is_null()) {
        if (!it->is_object()) throw MetadataError{"reference_distribution must be an object"};
        ReferenceDistribution ref;
        ref.valence = parse_quantiles(*it, "valence");
        ref.arousal = parse_quantiles(*it, "arousal");
        if (ref.valence.size() != ref.arousal.size()) throw MetadataError{"reference_distribution.valence and .arousal differ in length"};
        if (const auto d = it->find("description"); d != it->end() && d->is_string()) ref.description = d->get<std::string>();
        meta.reference = std::move(ref);
    }
    const auto compact = [&doc](const char* key) {
        const auto it = doc.find(key);
        return it == doc.end() ? std::string("{}") : it->dump();
    };
    meta.provenance_json = compact("provenance");
    meta.metrics_json = compact("metrics");
    return meta;
}

}  // namespace

ModelMetadata parse_model_metadata(std::string_view json_text, const std::string& source) {
    if (json_text.empty())
        throw ResourceError(source, std::string("no ") + kModelMetadataFile + " metadata inside the model (see docs/model-contract.md)");
    json doc;
    try {
        doc = json::parse(json_text.begin(), json_text.end());
    } catch (const json::exception& e) {
        throw ResourceError(source, std::string("invalid ") + kModelMetadataFile + ": " + first_line(e.what()));
    }
    try {
        return parse(doc);
    } catch (const MetadataError& e) {
        throw ResourceError(source, std::string("invalid ") + kModelMetadataFile + ": " + e.message);
    } catch (const json::exception& e) {
        throw ResourceError(source, std::string("invalid ") + kModelMetadataFile + ": " + first_line(e.what()));
    }
}

}  // namespace img2music
