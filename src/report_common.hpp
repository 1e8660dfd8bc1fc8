// What plots and reports share (internal): how they name records and write numbers, and the
// check that a record belongs to the song table at hand.
#pragma once

#include "img2music/error.hpp"
#include "img2music/plot.hpp"
#include "img2music/record.hpp"

#include <cstddef>
#include <string>

namespace img2music {

// The last component of `path` ("a/b/c.jpg" -> "c.jpg"; "frames/" -> "frames").
inline std::string base_name(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    const std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos || path.size() == 1 ? path : path.substr(slash + 1);
}

// "photo.jpg", "clip.mp4 #2 1:05" (a segment, numbered from 1, and its start), "clip.mp4 @1:05" (a frame).
inline std::string record_label(const Record& r) {
    std::string label = base_name(r.input);
    if (r.segment) label += " #" + std::to_string(r.segment->index + 1) + " " + clock_time(r.segment->start);
    if (r.frame) label += " @" + clock_time(r.frame->time);
    return label;
}

// 28540 -> "28,540".
inline std::string thousands(std::size_t n) {
    std::string digits = std::to_string(n);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
    return digits;
}

// Throws Error when `r` names a song that a table of `table_size` songs does not have (a record
// made with another table), before anything indexes the table with it.
inline void check_song_indices(const Record& r, std::size_t table_size) {
    for (const Match& m : r.songs) {
        if (m.index >= table_size) {
            throw Error(r.input + ": song index " + std::to_string(m.index) + " is not in the song table (" + std::to_string(table_size) +
                        " songs)");
        }
    }
}

}  // namespace img2music
