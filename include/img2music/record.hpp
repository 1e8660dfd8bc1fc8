// One result record: an input and its recommended songs, or the reason it failed.
#pragma once

#include "img2music/recommender.hpp"
#include "img2music/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace img2music {

struct Record {
    std::string input;
    std::optional<std::string> error;  // set: the input failed, the fields below are unset
    VA va;                             // the model's own prediction
    std::optional<VA> aligned;         // the point distances are measured from, when aligned
    std::vector<Match> songs;          // closest first
};

}  // namespace img2music
