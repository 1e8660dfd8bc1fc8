#include "img2music/output_sink.hpp"

#include "img2music/error.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace img2music {

void FdSink::write_out(std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) throw OutputClosed();
            throw Error(std::string("cannot write results: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace img2music
