// The server's request parameters (query string or form fields) as the library's Request.
// Names and meanings are the CLI's flags without the dashes (docs/server.md); values are
// parsed with the library's name tables and parse_year_range, and checked by validate().
//
//   top=5&genre=rock,pop&year=1990-1999&min_popularity=40&exclude_artist=X&one_per_artist=1
//   &diversity=0.3&explain=true&align=minmax            (+ every, min_segment for a video)
#pragma once

#include "img2music/error.hpp"
#include "img2music/request.hpp"

#include <string>
#include <utility>
#include <vector>

namespace img2music::server {

// A parameter that cannot be used: its name and why (a 400 answer).
class ParamError : public Error {
public:
    ParamError(const std::string& name, const std::string& reason) : Error("parameter " + name + ": " + reason), name_(name) {}
    const std::string& name() const { return name_; }

private:
    std::string name_;
};

// The parameter that sets a request field ("top" for top_k), for messages.
const char* param_of(RequestField field);

enum class ParamSet { Image, Video };

// `base` (the server's defaults) with `params` applied, in order; a scalar given twice takes
// its last value, list parameters (genre, exclude_artist) gather every value, comma-separated
// or repeated. Throws ParamError on an unknown name, a malformed value, or one validate() refuses.
Request request_from_params(const std::vector<std::pair<std::string, std::string>>& params, const Request& base, ParamSet set);

}  // namespace img2music::server
