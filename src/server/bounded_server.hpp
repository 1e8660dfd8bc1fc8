// cpp-httplib's server with the request head bounded: cpp-httplib 0.11 (Debian 12) limits each
// header line (8 KB) but not their number, so one request could make the server hold any amount
// of memory in headers. This server reads each connection through a stream that refuses a
// request whose head (request line and headers, up to the blank line) passes `head_limit` bytes;
// the connection is then closed. Bodies are bounded by set_payload_max_length as before.
#pragma once

#include <httplib.h>

#include <cstddef>

namespace img2music::server {

class BoundedServer : public httplib::Server {
public:
    explicit BoundedServer(std::size_t head_limit) : head_limit_(head_limit) {}

private:
    // The keep-alive loop of cpp-httplib's own, over a BoundedStream.
    bool process_and_close_socket(socket_t sock) override;

    std::size_t head_limit_;
};

}  // namespace img2music::server
