#include "server/bounded_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

namespace img2music::server {
namespace {

// Waits until `sock` is readable (POLLIN) or writable (POLLOUT), at most sec + usec.
bool wait_for(int sock, short events, time_t sec, time_t usec) {
    pollfd p{sock, events, 0};
    const int ms = static_cast<int>(sec * 1000 + usec / 1000);
    int n = 0;
    do {
        n = ::poll(&p, 1, ms);
    } while (n < 0 && errno == EINTR);
    return n > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
}

void address_of(int sock, bool local, std::string& ip, int& port) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int r = local ? ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len)
                        : ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len);
    if (r != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    }
    ip = text;
}

// A socket stream with a read buffer (cpp-httplib reads a request's head one byte at a time)
// that counts the head's bytes: past `head_limit` before the blank line that ends it, reads fail.
class BoundedStream : public httplib::Stream {
public:
    BoundedStream(int sock, std::size_t head_limit, time_t read_sec, time_t read_usec, time_t write_sec, time_t write_usec)
        : sock_(sock),
          head_limit_(head_limit),
          read_sec_(read_sec),
          read_usec_(read_usec),
          write_sec_(write_sec),
          write_usec_(write_usec) {}

    // A new request starts: its head is counted from zero.
    void next_request() {
        head_bytes_ = 0;
        in_head_ = true;
        tail_ = 0;
    }
    bool buffered() const { return begin_ < end_; }

    bool is_readable() const override { return buffered() || wait_for(sock_, POLLIN, read_sec_, read_usec_); }
    bool is_writable() const override { return wait_for(sock_, POLLOUT, write_sec_, write_usec_); }

    ssize_t read(char* ptr, size_t size) override {
        if (!buffered()) {
            if (!wait_for(sock_, POLLIN, read_sec_, read_usec_)) return -1;
            ssize_t n = 0;
            do {
                n = ::recv(sock_, buffer_, sizeof buffer_, 0);
            } while (n < 0 && errno == EINTR);
            if (n <= 0) return n;
            begin_ = 0;
            end_ = static_cast<std::size_t>(n);
        }
        std::size_t n = std::min(size, end_ - begin_);
        if (in_head_) {
            // Count up to the end of the head ("\r\n\r\n"); what follows is the body's.
            std::size_t i = 0;
            while (i < n && in_head_) {
                tail_ = (tail_ << 8) | static_cast<unsigned char>(buffer_[begin_ + i]);
                ++i;
                if ((tail_ & 0xffffffffU) == 0x0d0a0d0aU) in_head_ = false;
            }
            head_bytes_ += i;
            if (head_bytes_ > head_limit_) return -1;
        }
        std::memcpy(ptr, buffer_ + begin_, n);
        begin_ += n;
        return static_cast<ssize_t>(n);
    }

    ssize_t write(const char* ptr, size_t size) override {
        if (!is_writable()) return -1;
        ssize_t n = 0;
        do {
            n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        return n;
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(sock_, false, ip, port); }
    void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(sock_, true, ip, port); }
    socket_t socket() const override { return sock_; }

private:
    int sock_;
    std::size_t head_limit_;
    time_t read_sec_, read_usec_, write_sec_, write_usec_;
    char buffer_[4096];
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::size_t head_bytes_ = 0;
    bool in_head_ = true;
    std::uint64_t tail_ = 0;  // the last bytes of the head read, for spotting "\r\n\r\n"
};

}  // namespace

bool BoundedServer::process_and_close_socket(socket_t sock) {
    BoundedStream stream(sock, head_limit_, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_, write_timeout_usec_);
    bool ok = false;
    for (std::size_t count = keep_alive_max_count_; count > 0 && svr_sock_ != INVALID_SOCKET; --count) {
        // Keep-alive: wait for the next request, giving up when idle too long or stopping.
        const auto idle_until = std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
        while (!stream.buffered() && !wait_for(sock, POLLIN, 0, 10000)) {
            if (svr_sock_ == INVALID_SOCKET || std::chrono::steady_clock::now() > idle_until) {
                count = 0;
                break;
            }
        }
        if (count == 0) break;
        stream.next_request();
        bool closed = false;
        ok = process_request(stream, count == 1, closed, nullptr);
        if (!ok || closed) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
}

}  // namespace img2music::server
