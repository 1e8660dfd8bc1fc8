// RFC 4180 record reader on top of libcsv (internal).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace img2music {

// Calls `on_record(fields, count, line)` for every record of `text`: the record's fields are
// fields[0 .. count) (the vector's strings are reused between records, so it may be longer),
// and `line` is the 1-based physical line the record starts on. Strict RFC 4180: a stray quote, or a quote left open at
// the end, throws ResourceError "source:line: reason". Spaces around fields are kept; CRLF and
// LF both end records; blank lines are skipped. A leading UTF-8 BOM is skipped.
using CsvRecordHandler = std::function<void(const std::vector<std::string>& fields, std::size_t count, std::size_t line)>;
void read_csv_records(std::string_view text, const std::string& source, char delimiter, const CsvRecordHandler& on_record);

}  // namespace img2music
