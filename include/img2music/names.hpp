// Name tables for the library's enums: the one place a value's name is spelled, used to parse
// and to print it, and by every front end (the CLI's flags, its help and completions).
//
//   const NameTable<AlignMode>& t = align_mode_names();
//   t.parse("quantile")      -> AlignMode::Quantile      (throws Error on an unknown name)
//   t.name(AlignMode::None)  -> "none"
//   t.list(", ", " or ")     -> "none, minmax or quantile"
#pragma once

#include "img2music/error.hpp"

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace img2music {

template <typename Enum>
class NameTable {
public:
    // `what` names the kind of value in messages ("alignment", "format").
    NameTable(const char* what, std::initializer_list<std::pair<const char*, Enum>> entries) : what_(what), entries_(entries) {}

    const std::vector<std::pair<const char*, Enum>>& entries() const { return entries_; }

    bool contains(const std::string& name) const {
        for (const auto& [n, v] : entries_) {
            if (name == n) return true;
        }
        return false;
    }
    Enum parse(const std::string& name) const {
        for (const auto& [n, v] : entries_) {
            if (name == n) return v;
        }
        throw Error("unknown " + std::string(what_) + " '" + name + "' (expected " + list(", ", " or ") + ")");
    }
    const char* name(Enum value) const {
        for (const auto& [n, v] : entries_) {
            if (v == value) return n;
        }
        return "?";  // unreachable for a value of the enum: every enumerator is in its table
    }
    // The names in table order, joined: list(" ") for completions, list(", ", " or ") for messages.
    std::string list(const std::string& separator, const std::string& last_separator = "") const {
        std::string out;
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (i > 0) out += i + 1 == entries_.size() && !last_separator.empty() ? last_separator : separator;
            out += entries_[i].first;
        }
        return out;
    }

private:
    const char* what_;
    std::vector<std::pair<const char*, Enum>> entries_;
};

}  // namespace img2music
