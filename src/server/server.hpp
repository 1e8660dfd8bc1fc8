// `img2music serve`: the library behind HTTP (docs/server.md). A client of the library like the
// CLI: it loads an Engine once, turns each HTTP request's parameters into a Request
// (params.hpp), decodes uploads on the HTTP worker threads and runs their images through the
// model in batches shared between requests (batcher.hpp); answers are what `--format json`
// prints for the same images and options.
#pragma once

#include "img2music/engine.hpp"
#include "img2music/request.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace img2music::server {

struct ServerConfig {
    std::string host = "127.0.0.1";
    int port = 8080;      // 0: any free port (the ready line says which)
    std::string api_key;  // set: every route but /v1/health and the page needs "Authorization: Bearer KEY"
    std::size_t max_upload_mb = 32;
    std::size_t max_queue = 64;                   // images waiting for the model; beyond it 503 at once
    int batch_wait_ms = 2;                        // the oldest queued image waits at most this for its batch to fill
    std::int64_t max_pixels = 50'000'000;         // a larger image is refused before decoding
    int request_timeout_s = 60;                   // reading one request body, at most
    std::string cors_origin;                      // set: this origin may call the API from a browser
    std::function<void(const std::string&)> log;  // one line to the operator (stderr)
};

// Is `host` a loopback address (127.0.0.0/8, ::1, localhost)? Anything else needs an API key.
bool is_loopback(const std::string& host);

// Constant-time equality (the API key must not leak through timing).
bool same_secret(const std::string& a, const std::string& b);

// Serves until SIGINT or SIGTERM (blocked in the calling thread and every thread it starts),
// then answers the requests in flight and returns 0. Returns 2 with a logged reason when the
// configuration is refused (a non-loopback host without a key) or the port cannot be bound.
// Throws what Engine::load throws.
int serve(const EngineConfig& engine_config, const Request& defaults, const ServerConfig& config);

}  // namespace img2music::server
