#include "csv_reader.hpp"

#include "img2music/error.hpp"

#include <csv.h>

#include <cstring>
#include <exception>
#include <memory>

namespace img2music {
namespace {

// libcsv keeps its state in a public struct; ROW_NOT_BEGUN (0) is its "between records" state.
constexpr int kLibcsvRowNotBegun = 0;

struct ParserState {
    std::vector<std::string> fields;  // reused: strings keep their capacity between records
    std::size_t count = 0;
    std::size_t record_line = 1;
    const CsvRecordHandler* on_record = nullptr;
    // Exceptions must not unwind through libcsv's C frames: park them and rethrow after.
    std::exception_ptr failure;
};

void on_field(void* data, std::size_t len, void* user) {
    auto* state = static_cast<ParserState*>(user);
    if (state->count < state->fields.size()) {
        state->fields[state->count].assign(static_cast<const char*>(data), len);
    } else {
        state->fields.emplace_back(static_cast<const char*>(data), len);
    }
    ++state->count;
}

void on_record_end(int /*terminator*/, void* user) {
    auto* state = static_cast<ParserState*>(user);
    if (!state->failure) {
        try {
            (*state->on_record)(state->fields, state->count, state->record_line);
        } catch (...) {
            state->failure = std::current_exception();
        }
    }
    state->count = 0;
}

struct ParserDeleter {
    void operator()(csv_parser* p) const {
        csv_free(p);
        delete p;
    }
};

}  // namespace

void read_csv_records(std::string_view text, const std::string& source, char delimiter, const CsvRecordHandler& on_record) {
    if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) text.remove_prefix(3);

    std::unique_ptr<csv_parser, ParserDeleter> parser(new csv_parser{});
    if (csv_init(parser.get(), CSV_STRICT | CSV_STRICT_FINI) != 0) throw ResourceError(source, "cannot initialise the CSV parser");
    csv_set_delim(parser.get(), static_cast<unsigned char>(delimiter));

    ParserState state;
    state.on_record = &on_record;
    // Feed one physical line at a time so every record knows the line it starts on.
    std::size_t line = 1;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        end = (end == std::string_view::npos) ? text.size() : end + 1;
        if (parser->pstate == kLibcsvRowNotBegun) state.record_line = line;
        const std::size_t chunk = end - pos;
        if (csv_parse(parser.get(), text.data() + pos, chunk, on_field, on_record_end, &state) != chunk) {
            throw ResourceError(source + ":" + std::to_string(line),
                                std::string("malformed CSV (") + csv_strerror(csv_error(parser.get())) + ", e.g. a stray quote)");
        }
        if (state.failure) std::rethrow_exception(state.failure);
        pos = end;
        ++line;
    }
    if (csv_fini(parser.get(), on_field, on_record_end, &state) != 0) {
        throw ResourceError(source + ":" + std::to_string(state.record_line), "unterminated quoted field");
    }
    if (state.failure) std::rethrow_exception(state.failure);
}

}  // namespace img2music
