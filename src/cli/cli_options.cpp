#include "cli/cli_options.hpp"

#include "cli/resource_paths.hpp"

#include <algorithm>
#include <tuple>

namespace img2music::cli {

namespace {

// A song filter that takes a list: comma-separated, repeatable, one value per flag (so the
// inputs that follow are not taken for genres or artists).
void add_list_option(CLI::App& app, const std::string& name, std::vector<std::string>& values, const std::string& help,
                     const std::string& type) {
    app.add_option(name, values, help)
        ->delimiter(',')
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name(type)
        ->group("Choosing songs");
}

// The names of `table` (and `extra`, values only the CLI knows) as a CLI11 validator, shown in
// --help as {a,b,c} and refusing anything else as "x not in {a,b,c}". With `to_enum`, a name
// becomes its enum's value, so that the option can be bound to the enum itself.
template <typename Enum>
CLI::Validator choice_of(const NameTable<Enum>& table, std::vector<std::string> extra, bool to_enum) {
    std::string names;
    for (const std::string& e : extra) names += (names.empty() ? "" : ",") + e;
    for (const auto& entry : table.entries()) names += (names.empty() ? "" : ",") + std::string(entry.first);
    names = "{" + names + "}";
    return CLI::Validator(
        [&table, extra, names, to_enum](std::string& value) {
            if (std::find(extra.begin(), extra.end(), value) != extra.end()) return std::string();
            if (!table.contains(value)) return value + " not in " + names;
            if (to_enum) value = std::to_string(static_cast<int>(table.parse(value)));
            return std::string();
        },
        names);
}

// Format names only the CLI knows: auto is decided by the output (runner.cpp).
std::vector<std::string> format_extras() { return {"auto"}; }

template <typename Enum>
std::vector<std::string> names_with(const std::vector<std::string>& extra, const NameTable<Enum>& table) {
    std::vector<std::string> names = extra;
    for (const auto& entry : table.entries()) names.emplace_back(entry.first);
    return names;
}

// The flags about what is loaded and how it runs, shared by the main command and `serve`:
// one declaration, one default, the same variables.
void declare_engine_options(CLI::App& app, Options& o) {
    Request& r = o.request;
    app.add_option("--model", o.engine.model, "TorchScript model with img2music.json metadata")
        ->check(CLI::ExistingFile)
        ->capture_default_str();
    app.add_option("--model-sha256", o.engine.model_sha256, "Refuse the model unless its file has this SHA-256 (64 hex digits)")
        ->type_name("HEX")
        ->check(CLI::Validator(
            [](std::string& v) {
                const bool ok = v.size() == 64 && v.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
                return ok ? std::string() : std::string("expected 64 hexadecimal digits");
            },
            "HEX64"));
    app.add_option("--songs", o.engine.songs, "Song table, CSV or JSON (docs/song-table.md)")
        ->check(CLI::ExistingFile)
        ->capture_default_str();
    app.add_option("--align", r.align,
                   "Map the model's VA into the song table's distribution before matching: " + align_mode_names().list(", ", ", or "))
        ->transform(choice_of(align_mode_names(), {}, true))
        ->type_name("TEXT")
        ->default_str(align_mode_names().name(r.align))
        ->each([&r](const std::string&) { r.align_required = true; });
    app.add_option("--precision", o.engine.precision,
                   "Arithmetic of the model's convolutions: " + precision_names().list(", ", " or ") +
                       " (auto: bfloat16 where the CPU computes it natively, about twice as fast; answers move by about 0.005)")
        ->transform(choice_of(precision_names(), {}, true))
        ->type_name("TEXT")
        ->default_str(precision_names().name(o.engine.precision));
    app.add_option("-j,--threads", o.engine.threads, "Threads for decoding and inference (0 = one per core)")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
    app.add_option("--batch-size", o.engine.batch_size,
                   "Images per forward pass (default: 4 for a 224x224 model input, fewer for larger inputs, e.g. 2 at 320x320, "
                   "so that memory stays the same)")
        ->check(CLI::Range(1, 1024))
        ->type_name("INT")
        ->default_str("auto");
}

}  // namespace

const std::vector<Choice>& choices() {
    static const std::vector<Choice> all = {
        {"--format", names_with(format_extras(), output_format_names())},
        {"--align", names_with({}, align_mode_names())},
        {"--precision", names_with({}, precision_names())},
    };
    return all;
}

const char* flag_of(RequestField field) {
    switch (field) {
        case RequestField::TopK: return "--top";
        case RequestField::Align: return "--align";
        case RequestField::Songs: return "--genre/--min-popularity/--year/--exclude-artist";
        case RequestField::Popularity: return "--min-popularity";
        case RequestField::Years: return "--year";
        case RequestField::Diversity: return "--diversity";
        case RequestField::Every: return "--every";
        case RequestField::MinSegment: return "--min-segment";
        case RequestField::Fps: return "--fps";
    }
    return "?";
}

std::string describe_as_flags(const SongCriteria& c) {
    auto join = [](const std::vector<std::string>& items) {
        std::string out;
        for (const std::string& i : items) out += (out.empty() ? "" : ",") + i;
        return out;
    };
    std::string out;
    auto add = [&out](const std::string& s) { out += (out.empty() ? "" : " ") + s; };
    if (!c.genres.empty()) add("--genre " + join(c.genres));
    if (c.min_popularity) add("--min-popularity " + std::to_string(*c.min_popularity));
    if (c.year_from || c.year_to)
        add("--year " + (c.year_from ? std::to_string(*c.year_from) : std::string()) + "-" +
            (c.year_to ? std::to_string(*c.year_to) : std::string()));
    if (!c.exclude_artists.empty()) add("--exclude-artist " + join(c.exclude_artists));
    return out;
}

void declare_options(CLI::App& app, Options& o) {
    // A flag given twice takes its last value, as in most Unix tools: an alias can be overridden.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.description(
        "img2music: music that fits the mood of a picture.\n"
        "Predicts each image's valence (unpleasant..pleasant) and arousal (calm..excited)\n"
        "and lists the songs whose valence and arousal lie nearest.");
    app.footer(
        "Examples:\n"
        "  img2music photo.jpg --top 10\n"
        "  img2music a.jpg b.png --format jsonl\n"
        "  find frames -name '*.jpg' | img2music - --format csv > picks.csv\n"
        "  img2music -r holiday/ --output picks.jsonl\n"
        "  img2music trip.mp4                      # a soundtrack: one record per mood segment\n"
        "  img2music trip.mp4 --frames --every 5   # one record per frame, every 5 seconds\n"
        "  img2music --sequence frames/ --fps 25   # a folder of frames as one video\n"
        "  img2music photo.jpg --explain --genre pop,rock --one-per-artist\n"
        "  img2music -r holiday/ --report holiday-report --plot holiday.png\n"
        "\n"
        "Output: a readable table on a terminal, JSON Lines otherwise (one record per input,\n"
        "in input order; a failed input gives {\"input\", \"error\"}). Messages go to stderr.\n"
        "A video gives one record per segment ({\"input\",\"segment\",\"start\",\"end\",...}), or\n"
        "per sampled frame with --frames ({\"input\",\"frame\",\"time\",...}). Video files:\n"
        ".mp4 .m4v .mkv .avi .mov .webm, read through FFmpeg.\n"
        "\n"
        "Exit status:\n"
        "  0  every input succeeded (also when the reader closes the pipe early)\n"
        "  1  at least one input failed; the others were processed\n"
        "  2  usage error, or the model or song table cannot be used\n"
        "  130  interrupted (Ctrl-C): the records finished so far are complete\n"
        "\n"
        "Environment: IMG2MUSIC_MODEL and IMG2MUSIC_SONGS override the default model and table.\n"
        "Only load models from sources you trust: a TorchScript file is a program.");

    o.engine.model = default_resource("IMG2MUSIC_MODEL", "models/img2music.pt");
    o.engine.songs = default_resource("IMG2MUSIC_SONGS", "data/songs.csv");
    Request& r = o.request;

    app.add_option("inputs", o.inputs, "Image or video files, or directories of them; '-' reads newline-separated paths from stdin")
        ->type_name("INPUT...");
    app.add_flag("-r,--recursive", r.recursive, "Descend into subdirectories of directory inputs");
    app.add_flag("-0,--null", o.null_separated, "Paths on stdin are NUL-separated (find -print0)");
    app.add_option("-k,--top", o.top, "Songs per input (1..size of the song table)")->check(CLI::Range(1, 1000000))->capture_default_str();
    // The check runs before the callback, so the callback parses only names it knows.
    app.add_option_function<std::string>(
           "-f,--format",
           [&o](const std::string& name) {
               o.format = name == "auto" ? std::nullopt : std::optional<OutputFormat>(output_format_names().parse(name));
           },
           "Output format: auto = table on a terminal, jsonl otherwise (with --output: by the file's extension); "
           "ids = one song id per line, links = one Spotify link per line, for piping onward")
        ->check(choice_of(output_format_names(), format_extras(), false))
        ->type_name("TEXT")
        ->default_str("auto");
    declare_engine_options(app, o);
    app.add_option("-o,--output", o.output, "Write results to FILE (atomically: a temporary file renamed on success) instead of stdout")
        ->type_name("FILE");
    app.add_flag("-q,--quiet", o.quiet, "No warnings or notes on stderr (errors are still reported)");
    app.add_flag("-V,--version", o.version, "Print the version and the model's and song table's provenance");

    const auto positive = CLI::Range(0.001, 86400.0);  // seconds or frames per second
    app.add_option("--every", r.video.every,
                   "Videos: seconds between samples. Each mark k*S takes the keyframe nearest it within S/2, else the first "
                   "frame at or after it; records give the real time of the frame taken (docs/video.md)")
        ->check(positive)
        ->capture_default_str()
        ->group("Videos");
    app.add_flag("--frames", r.video.frames, "Videos: one record per sampled frame instead of one per mood segment")->group("Videos");
    app.add_flag("--sequence", r.video.sequence, "Directory inputs are the frames of one video, in name order (natural: 2 before 10)")
        ->group("Videos");
    app.add_option("--fps", r.video.fps, "Videos: frame rate of a --sequence directory")
        ->check(positive)
        ->capture_default_str()
        ->group("Videos");
    app.add_option("--min-segment", r.video.min_segment, "Videos: shortest segment in seconds (a shorter video is one segment)")
        ->check(CLI::Range(0.0, 86400.0))
        ->capture_default_str()
        ->group("Videos");

    app.add_option("--plot", o.plot, "Draw the valence-arousal plane with every input and its songs to FILE.png")
        ->type_name("FILE.png")
        ->group("Seeing the answer");
    app.add_option("--report", o.report, "Write an HTML report (index.html, thumbnails, plots) into DIR")
        ->type_name("DIR")
        ->group("Seeing the answer");
    app.add_flag("--explain", r.explain, "Say why each song was picked (a \"why\" field; a line in the table)")->group("Seeing the answer");

    add_list_option(app, "--genre", r.songs.genres, "Only songs of these genres or subgenres (comma-separated, case-insensitive)",
                    "G[,G...]");
    app.add_option_function<int>(
           "--min-popularity", [&r](const int& n) { r.songs.min_popularity = n; }, "Only songs at least this popular (0..100)")
        ->check(CLI::Range(0, 100))
        ->type_name("N")
        ->group("Choosing songs");
    app.add_option_function<std::string>(
           "--year", [&r](const std::string& v) { std::tie(r.songs.year_from, r.songs.year_to) = parse_year_range(v); },
           "Only songs released in these years: FROM-TO, FROM-, -TO or YEAR")
        ->type_name("FROM-TO")
        ->check(CLI::Validator(
            [](std::string& v) {
                try {
                    parse_year_range(v);  // the callback parses it again, once it is known to parse
                    return std::string();
                } catch (const Error& e) {
                    return std::string(e.what());
                }
            },
            "YEARS"))
        ->group("Choosing songs");
    add_list_option(app, "--exclude-artist", r.songs.exclude_artists,
                    "Never these artists (repeatable, or comma-separated; case-insensitive)", "NAME");
    app.add_option("--diversity", r.diversity, "Trade closeness for variety, 0 (nearest only) .. 1 (most varied), MMR-style")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str()
        ->group("Choosing songs");
    app.add_flag("--one-per-artist", r.one_per_artist, "At most one song by each artist in a list")->group("Choosing songs");

    // The man page is help2man's reading of --help-all: this command's help, then serve's.
    app.set_help_all_flag("--help-all", "Print this help and that of the subcommand serve, then exit");
    CLI::App& serve = *app.add_subcommand("serve", "Serve recommendations over HTTP, with a web page at / (docs/server.md)");
    serve.footer(
        "Example:\n"
        "  img2music serve --port 8080\n"
        "  curl -F image=@photo.jpg 'http://127.0.0.1:8080/v1/recommend?top=5'\n"
        "\n"
        "Listens on 127.0.0.1 unless --host says otherwise; any other address needs an API key.\n"
        "When ready it prints 'listening on http://HOST:PORT' on stderr; SIGINT or SIGTERM stop it\n"
        "after the requests in flight are answered.");
    server::ServerConfig& c = o.server;
    declare_engine_options(serve, o);
    serve.add_option("--host", c.host, "Address to listen on (anything but loopback needs --api-key)")->capture_default_str();
    serve.add_option("--port", c.port, "Port to listen on (0: any free port)")->check(CLI::Range(0, 65535))->capture_default_str();
    serve.add_option("--api-key", c.api_key, "Clients must send 'Authorization: Bearer KEY' (env IMG2MUSIC_API_KEY)")
        ->envname("IMG2MUSIC_API_KEY")
        ->type_name("KEY");
    serve.add_option("--max-upload-mb", c.max_upload_mb, "Largest request body, in MB")->check(CLI::Range(1, 4096))->capture_default_str();
    serve.add_option("--max-queue", c.max_queue, "Images waiting for the model, at most; beyond it requests get 503 at once")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    serve
        .add_option("--batch-wait-ms", c.batch_wait_ms,
                    "Longest an image waits for images other requests are decoding, to share its batch (none coming: no wait)")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
    serve.add_option("--max-pixels", c.max_pixels, "Largest image accepted, in pixels (refused before decoding)")
        ->check(CLI::Range(std::int64_t{1}, kMaxImagePixels))
        ->capture_default_str();
    serve.add_option("--request-timeout", c.request_timeout_s, "Longest time to receive one request's body, in seconds (then 408)")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    serve.add_option("--cors-origin", c.cors_origin, "Let web pages from this origin call the API (default: no cross-origin access)")
        ->type_name("ORIGIN");
}

CLI::App& serve_command(CLI::App& app) { return *app.get_subcommand("serve"); }

}  // namespace img2music::cli
