// Song table and nearest-song benchmarks (issue: loading is fast). Not a test: prints a table.
//   usage: song_table_bench [SHIPPED_TABLE]   (default data/songs.csv)
// Measures, median of several runs:
//   - loading the shipped table                                   (goal <= 50 ms)
//   - loading a generated 1,000,000-row CSV                       (goal <= 1.5 s)
//   - top-10 for 10,000 queries against those 1M songs, grid index (goal <= 2 s), and the
//     brute-force scan for comparison (on 1,000 queries, scaled)
#include "img2music/recommender.hpp"
#include "img2music/song_table.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double median_seconds(int runs, F&& f) {
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        const auto start = Clock::now();
        f();
        t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

std::string write_generated_table(std::size_t rows) {
    const std::string path = "/tmp/img2music_bench_1m.csv";
    std::ofstream f(path);
    f << "id,spotify_id,artist,track,album,genre,subgenre,year,popularity,valence,arousal,va_source\n";
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    char line[256];
    for (std::size_t i = 0; i < rows; ++i) {
        std::snprintf(line, sizeof line, "g%zu,,Artist %zu,\"Track %zu, part %zu\",Album %zu,pop,dance pop,%zu,%zu,%.4f,%.4f,generated\n",
                      i, i % 5000, i, i % 7, i % 20000, 1960 + i % 60, i % 101, static_cast<double>(unit(rng)),
                      static_cast<double>(unit(rng)));
        f << line;
    }
    return path;
}

void row(const char* what, double seconds, const char* goal) { std::printf("| %-52s | %10.1f ms | %-10s |\n", what, seconds * 1e3, goal); }

}  // namespace

int main(int argc, char** argv) {
    using namespace img2music;
    const std::string shipped = argc > 1 ? argv[1] : "data/songs.csv";
    std::printf("| %-52s | %13s | %-10s |\n|---|---:|---|\n", "measurement (median)", "time", "goal");

    std::size_t shipped_size = 0;
    const double t_shipped = median_seconds(11, [&] { shipped_size = SongTable::load(shipped).size(); });
    const std::string label = "load " + shipped + " (" + std::to_string(shipped_size) + " songs)";
    row(label.c_str(), t_shipped, "<= 50 ms");

    const std::string big = write_generated_table(1000000);
    SongTable table;
    const double t_big = median_seconds(3, [&] { table = SongTable::load(big); });
    row("load generated 1,000,000-row CSV", t_big, "<= 1500 ms");

    const double t_index = median_seconds(3, [&] { Recommender r(table); });
    row("build the grid index over 1M songs", t_index, "");
    const Recommender rec(table);
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    std::vector<VA> queries(10000);
    for (VA& q : queries) q = VA{unit(rng), unit(rng)};
    std::size_t sink = 0;
    const double t_grid = median_seconds(5, [&] {
        for (const VA& q : queries) sink += rec.search(q, 10).front().index;
    });
    row("top-10 for 10,000 queries, 1M songs (grid)", t_grid, "<= 2000 ms");
    const double t_brute = median_seconds(1, [&] {
        for (std::size_t i = 0; i < 1000; ++i) sink += rec.search_brute_force(queries[i], 10).front().index;
    });
    row("top-10 for 10,000 queries, 1M songs (brute force, x10)", t_brute * 10, "");
    std::remove(big.c_str());
    return sink == 42 ? 1 : 0;  // keeps the searches from being optimised away
}
