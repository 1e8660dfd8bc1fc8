// Test helper: an InputSource over a fixed list of paths, handed out in order.
#pragma once

#include "img2music/input_source.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

class ListSource : public img2music::InputSource {
public:
    explicit ListSource(std::vector<std::string> items) : items_(std::move(items)) {}
    std::optional<img2music::Input> next() override {
        if (i_ >= items_.size()) return std::nullopt;
        return img2music::Input{items_[i_++], std::nullopt};
    }

private:
    std::vector<std::string> items_;
    std::size_t i_ = 0;
};
