#include "server/metrics.hpp"

#include <cstdio>

namespace img2music::server {
namespace {

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::vector<double> batch_bounds(std::size_t max_batch) {
    std::vector<double> b;
    for (std::size_t n = 1; n <= max_batch; ++n) b.push_back(static_cast<double>(n));
    return b;
}

}  // namespace

void Histogram::observe(double value) {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    ++counts_[i];
    sum_ += value;
    ++count_;
}

std::string Histogram::render(const std::string& name) const {
    std::string out;
    std::size_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += counts_[i];
        out += name + "_bucket{le=\"" + number(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
    out += name + "_sum " + number(sum_) + "\n";
    out += name + "_count " + std::to_string(count_) + "\n";
    return out;
}

Metrics::Metrics(std::size_t max_batch)
    : latency_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}), batches_(batch_bounds(max_batch)) {}

void Metrics::request(const std::string& route, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_[{route, status}];
    latency_.observe(seconds);
}

void Metrics::batch(std::size_t images) {
    std::lock_guard<std::mutex> lock(mutex_);
    batches_.observe(static_cast<double>(images));
}

std::string Metrics::render(std::size_t queue_depth) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    out += "# HELP img2music_http_requests_total HTTP requests answered, by route and status.\n";
    out += "# TYPE img2music_http_requests_total counter\n";
    for (const auto& [key, count] : requests_)
        out += "img2music_http_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
               std::to_string(count) + "\n";
    out += "# HELP img2music_http_request_duration_seconds Time from the request read to the answer.\n";
    out += "# TYPE img2music_http_request_duration_seconds histogram\n";
    out += latency_.render("img2music_http_request_duration_seconds");
    out += "# HELP img2music_batch_size Images per forward pass of the model.\n";
    out += "# TYPE img2music_batch_size histogram\n";
    out += batches_.render("img2music_batch_size");
    out += "# HELP img2music_queue_depth Images waiting for the model.\n";
    out += "# TYPE img2music_queue_depth gauge\n";
    out += "img2music_queue_depth " + std::to_string(queue_depth) + "\n";
    return out;
}

}  // namespace img2music::server
