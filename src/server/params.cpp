#include "server/params.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <tuple>

namespace img2music::server {
namespace {

long long parse_int(const std::string& name, const std::string& value, long long low, long long high) {
    long long n = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, n);
    if (value.empty() || ec != std::errc() || ptr != end) throw ParamError(name, "'" + value + "' is not a whole number");
    if (n < low || n > high) throw ParamError(name, std::to_string(n) + " is outside " + std::to_string(low) + ".." + std::to_string(high));
    return n;
}

double parse_number(const std::string& name, const std::string& value) {
    // strtod accepts leading spaces, hex and "inf"; a parameter is a plain decimal number.
    if (value.empty() || value.size() > 32 || value.find_first_not_of("0123456789.eE+-") != std::string::npos)
        throw ParamError(name, "'" + value + "' is not a number");
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size() || errno != 0 || !std::isfinite(d)) throw ParamError(name, "'" + value + "' is not a number");
    return d;
}

// A flag: present with no value, or 1/0, true/false, yes/no, on/off.
bool parse_bool(const std::string& name, const std::string& value) {
    if (value.empty() || value == "1" || value == "true" || value == "yes" || value == "on") return true;
    if (value == "0" || value == "false" || value == "no" || value == "off") return false;
    throw ParamError(name, "'" + value + "' is not true or false");
}

void append_list(std::vector<std::string>& out, const std::string& value) {
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = value.find(',', start);
        const std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
}

}  // namespace

const char* param_of(RequestField field) {
    switch (field) {
        case RequestField::TopK: return "top";
        case RequestField::Align: return "align";
        case RequestField::Songs: return "genre/year/min_popularity/exclude_artist";
        case RequestField::Popularity: return "min_popularity";
        case RequestField::Years: return "year";
        case RequestField::Diversity: return "diversity";
        case RequestField::Every: return "every";
        case RequestField::MinSegment: return "min_segment";
        case RequestField::Fps: return "fps";
    }
    return "?";
}

Request request_from_params(const std::vector<std::pair<std::string, std::string>>& params, const Request& base, ParamSet set) {
    Request r = base;
    for (const auto& [name, value] : params) {
        try {
            if (name == "top") {
                r.top_k = static_cast<std::size_t>(parse_int(name, value, 1, 1000000));
            } else if (name == "genre") {
                append_list(r.songs.genres, value);
            } else if (name == "year") {
                std::tie(r.songs.year_from, r.songs.year_to) = parse_year_range(value);
            } else if (name == "min_popularity") {
                r.songs.min_popularity = static_cast<int>(parse_int(name, value, 0, 100));
            } else if (name == "exclude_artist") {
                append_list(r.songs.exclude_artists, value);
            } else if (name == "one_per_artist") {
                r.one_per_artist = parse_bool(name, value);
            } else if (name == "diversity") {
                r.diversity = parse_number(name, value);
            } else if (name == "explain") {
                r.explain = parse_bool(name, value);
            } else if (name == "align") {
                r.align = align_mode_names().parse(value);
                r.align_required = true;
            } else if (set == ParamSet::Video && name == "every") {
                r.video.every = parse_number(name, value);
            } else if (set == ParamSet::Video && name == "min_segment") {
                r.video.min_segment = parse_number(name, value);
            } else if (set == ParamSet::Video && name == "frames") {
                r.video.frames = parse_bool(name, value);
            } else {
                throw ParamError(name, "unknown parameter");
            }
        } catch (const ParamError&) {
            throw;
        } catch (const Error& e) {
            throw ParamError(name, e.what());
        }
    }
    try {
        validate(r);
    } catch (const RequestError& e) {
        throw ParamError(param_of(e.field()), e.value() + ": " + e.reason());
    }
    // The server reads every video the same way: one record per frame needs no more options.
    r.video.sequence = false;
    r.recursive = false;
    r.thumbnails = false;
    return r;
}

}  // namespace img2music::server
