#include "img2music/request.hpp"

#include <cmath>
#include <sstream>

namespace img2music {
namespace {

std::string text_of(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
}

void require_seconds(RequestField field, double value, bool zero_allowed) {
    const bool ok = std::isfinite(value) && (zero_allowed ? value >= 0.0 : value > 0.0) && value <= 86400.0;
    if (!ok) throw RequestError(field, text_of(value), zero_allowed ? "not between 0 and 86400" : "not above 0 and at most 86400");
}

}  // namespace

const NameTable<RequestField>& request_field_names() {
    static const NameTable<RequestField> table("request field", {{"top_k", RequestField::TopK},
                                                                 {"align", RequestField::Align},
                                                                 {"songs", RequestField::Songs},
                                                                 {"popularity", RequestField::Popularity},
                                                                 {"years", RequestField::Years},
                                                                 {"diversity", RequestField::Diversity},
                                                                 {"every", RequestField::Every},
                                                                 {"min_segment", RequestField::MinSegment},
                                                                 {"fps", RequestField::Fps}});
    return table;
}

void validate(const Request& r) {
    if (r.top_k == 0) throw RequestError(RequestField::TopK, "0", "a list needs at least one song");
    if (r.songs.min_popularity && (*r.songs.min_popularity < 0 || *r.songs.min_popularity > 100))
        throw RequestError(RequestField::Popularity, std::to_string(*r.songs.min_popularity), "popularity runs from 0 to 100");
    if (r.songs.year_from && r.songs.year_to && *r.songs.year_from > *r.songs.year_to)
        throw RequestError(RequestField::Years, std::to_string(*r.songs.year_from) + "-" + std::to_string(*r.songs.year_to),
                           "the range is empty (its start is after its end)");
    if (!(r.diversity >= 0.0 && r.diversity <= 1.0))
        throw RequestError(RequestField::Diversity, text_of(r.diversity), "not between 0 and 1");
    require_seconds(RequestField::Every, r.video.every, false);
    require_seconds(RequestField::MinSegment, r.video.min_segment, true);
    require_seconds(RequestField::Fps, r.video.fps, false);
}

std::pair<std::optional<int>, std::optional<int>> parse_year_range(const std::string& text) {
    auto year = [&](const std::string& part) -> std::optional<int> {
        if (part.empty()) return std::nullopt;
        if (part.size() > 4 || part.find_first_not_of("0123456789") != std::string::npos)
            throw Error("expected FROM-TO, FROM-, -TO or YEAR with 4-digit years, got '" + text + "'");
        return std::stoi(part);
    };
    const std::size_t dash = text.find('-');
    std::optional<int> from;
    std::optional<int> to;
    if (dash == std::string::npos) {
        from = to = year(text);
    } else {
        from = year(text.substr(0, dash));
        to = year(text.substr(dash + 1));
    }
    if (!from && !to) throw Error("expected FROM-TO, FROM-, -TO or YEAR, got '" + text + "'");
    if (from && to && *from > *to) throw Error("the range " + text + " is empty (FROM is after TO)");
    return {from, to};
}

}  // namespace img2music
