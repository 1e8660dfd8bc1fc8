// libFuzzer target: the server's request parameters (src/server/params.hpp). The input is a
// query string, "name=value&name=value..." (the first byte picks the image or the video set);
// whatever it holds, parsing either throws ParamError or returns a request validate() accepts.
#include "server/params.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto set = data[0] % 2 == 0 ? img2music::server::ParamSet::Image : img2music::server::ParamSet::Video;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    std::vector<std::pair<std::string, std::string>> params;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('&', start);
        if (end == std::string::npos) end = text.size();
        const std::string pair = text.substr(start, end - start);
        const std::size_t eq = pair.find('=');
        params.emplace_back(pair.substr(0, eq), eq == std::string::npos ? std::string() : pair.substr(eq + 1));
        start = end + 1;
    }
    try {
        const img2music::Request r = img2music::server::request_from_params(params, img2music::Request(), set);
        img2music::validate(r);  // must not throw: the parser validated it
    } catch (const img2music::server::ParamError&) {
    }
    return 0;
}
