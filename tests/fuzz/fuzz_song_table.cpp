// libFuzzer target: the song-table parsers. The first byte picks CSV or JSON.
// Any input must end in a SongTable or a ResourceError, never a crash, hang or sanitizer report.
#include "img2music/error.hpp"
#include "img2music/song_table.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        const img2music::SongTable t =
            (data[0] & 1U) != 0 ? img2music::SongTable::parse_json(text, "fuzz.json") : img2music::SongTable::parse_csv(text, "fuzz.csv");
        for (const img2music::Song& s : t.songs()) {
            if (!(s.va.valence >= 0.0F && s.va.valence <= 1.0F)) __builtin_trap();  // the loader's own promise
        }
    } catch (const img2music::ResourceError&) {
    }
    return 0;
}
