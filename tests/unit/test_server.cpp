#include "server/metrics.hpp"
#include "server/params.hpp"
#include "server/server.hpp"

#include <catch2/catch.hpp>

using namespace img2music;
using namespace img2music::server;

namespace {

Request parse(std::vector<std::pair<std::string, std::string>> params, ParamSet set = ParamSet::Image) {
    return request_from_params(params, Request(), set);
}

std::string error_of(std::vector<std::pair<std::string, std::string>> params, ParamSet set = ParamSet::Image) {
    try {
        parse(std::move(params), set);
    } catch (const ParamError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("Server parameters: each sets its Request field as the CLI's flag does") {
    const Request r = parse({{"top", "4"},
                             {"genre", "rock,pop"},
                             {"genre", "jazz"},
                             {"year", "1990-1999"},
                             {"min_popularity", "40"},
                             {"exclude_artist", "A,B"},
                             {"one_per_artist", ""},
                             {"diversity", "0.25"},
                             {"explain", "true"},
                             {"align", "minmax"}});
    CHECK(r.top_k == 4);
    CHECK(r.songs.genres == std::vector<std::string>{"rock", "pop", "jazz"});
    CHECK(r.songs.year_from == 1990);
    CHECK(r.songs.year_to == 1999);
    CHECK(r.songs.min_popularity == 40);
    CHECK(r.songs.exclude_artists == std::vector<std::string>{"A", "B"});
    CHECK(r.one_per_artist);
    CHECK(r.diversity == 0.25);
    CHECK(r.explain);
    CHECK(r.align == AlignMode::MinMax);
    CHECK(r.align_required);
    // Unset parameters keep the server's defaults; a scalar given twice takes the last value.
    Request base;
    base.top_k = 7;
    base.align = AlignMode::None;
    const Request d = request_from_params({{"explain", "0"}, {"explain", "yes"}}, base, ParamSet::Image);
    CHECK(d.top_k == 7);
    CHECK(d.align == AlignMode::None);
    CHECK_FALSE(d.align_required);
    CHECK(d.explain);
    const Request v = parse({{"every", "0.5"}, {"min_segment", "10"}, {"frames", "1"}}, ParamSet::Video);
    CHECK(v.video.every == 0.5);
    CHECK(v.video.min_segment == 10);
    CHECK(v.video.frames);
}

TEST_CASE("Server parameters: malformed, out of range or unknown ones are refused, naming the parameter") {
    CHECK(error_of({{"top", "0"}}) == "parameter top: 0 is outside 1..1000000");
    CHECK(error_of({{"top", "5x"}}) == "parameter top: '5x' is not a whole number");
    CHECK(error_of({{"top", ""}}) == "parameter top: '' is not a whole number");
    CHECK(error_of({{"top", "99999999999999999999"}}) == "parameter top: '99999999999999999999' is not a whole number");
    CHECK(error_of({{"diversity", "1.5"}}).rfind("parameter diversity: 1.5", 0) == 0);
    CHECK(error_of({{"diversity", "nan"}}) == "parameter diversity: 'nan' is not a number");
    CHECK(error_of({{"diversity", " 0.5"}}) == "parameter diversity: ' 0.5' is not a number");
    CHECK(error_of({{"diversity", "1e999"}}) == "parameter diversity: '1e999' is not a number");
    CHECK(error_of({{"year", "1999-1990"}}).rfind("parameter year: ", 0) == 0);
    CHECK(error_of({{"min_popularity", "101"}}) == "parameter min_popularity: 101 is outside 0..100");
    CHECK(error_of({{"align", "best"}}).rfind("parameter align: unknown alignment 'best'", 0) == 0);
    CHECK(error_of({{"one_per_artist", "maybe"}}) == "parameter one_per_artist: 'maybe' is not true or false");
    CHECK(error_of({{"model", "/etc/passwd"}}) == "parameter model: unknown parameter");
    CHECK(error_of({{"every", "1"}}) == "parameter every: unknown parameter");  // images have no video options
    CHECK(error_of({{"every", "0"}}, ParamSet::Video).rfind("parameter every: ", 0) == 0);
}

TEST_CASE("Server: the API key compare, and which hosts are loopback") {
    CHECK(same_secret("abc", "abc"));
    CHECK_FALSE(same_secret("abc", "abd"));
    CHECK_FALSE(same_secret("abc", "abcd"));
    CHECK_FALSE(same_secret("", "a"));
    CHECK(same_secret("", ""));
    CHECK(is_loopback("127.0.0.1"));
    CHECK(is_loopback("127.1.2.3"));
    CHECK(is_loopback("::1"));
    CHECK(is_loopback("localhost"));
    CHECK_FALSE(is_loopback("0.0.0.0"));
    CHECK_FALSE(is_loopback("::"));
    CHECK_FALSE(is_loopback("192.168.1.10"));
    CHECK_FALSE(is_loopback("127.evil.example"));
}

TEST_CASE("Server metrics: Prometheus text with cumulative buckets") {
    Histogram h({1, 2, 4});
    for (double v : {0.5, 1.0, 3.0, 9.0}) h.observe(v);
    CHECK(h.render("x") ==
          "x_bucket{le=\"1\"} 2\nx_bucket{le=\"2\"} 2\nx_bucket{le=\"4\"} 3\nx_bucket{le=\"+Inf\"} 4\nx_sum 13.5\nx_count 4\n");
    Metrics m(2);
    m.request("/v1/recommend", 200, 0.02);
    m.request("/v1/recommend", 200, 0.03);
    m.request("other", 404, 0.001);
    m.batch(2);
    const std::string text = m.render(3);
    CHECK(text.find("img2music_http_requests_total{route=\"/v1/recommend\",status=\"200\"} 2\n") != std::string::npos);
    CHECK(text.find("img2music_http_requests_total{route=\"other\",status=\"404\"} 1\n") != std::string::npos);
    CHECK(text.find("img2music_batch_size_bucket{le=\"2\"} 1\n") != std::string::npos);
    CHECK(text.find("img2music_queue_depth 3\n") != std::string::npos);
}
