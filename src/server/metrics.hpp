// The server's counters in the Prometheus text format (GET /metrics): requests by route and
// status, request latency and batch size as histograms, and the queue depth at scrape time.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace img2music::server {

class Histogram {
public:
    explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
    void observe(double value);
    // The `name`_bucket/_sum/_count lines.
    std::string render(const std::string& name) const;

private:
    std::vector<double> bounds_;
    std::vector<std::size_t> counts_;  // per bucket (not cumulative); the last is +Inf
    double sum_ = 0.0;
    std::size_t count_ = 0;
};

class Metrics {
public:
    explicit Metrics(std::size_t max_batch);
    // `route` is one of the server's routes or "other", so the label set stays bounded.
    void request(const std::string& route, int status, double seconds);
    void batch(std::size_t images);
    std::string render(std::size_t queue_depth) const;

private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::size_t> requests_;
    Histogram latency_;
    Histogram batches_;
};

}  // namespace img2music::server
