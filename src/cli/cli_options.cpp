#include "cli/cli_options.hpp"

#include "cli/resource_paths.hpp"

namespace img2music::cli {

void declare_options(CLI::App& app, Options& o) {
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
        "\n"
        "Output: a readable table on a terminal, JSON Lines otherwise (one record per input,\n"
        "in input order; a failed input gives {\"input\", \"error\"}). Messages go to stderr.\n"
        "\n"
        "Exit status:\n"
        "  0  every input succeeded (also when the reader closes the pipe early)\n"
        "  1  at least one input failed; the others were processed\n"
        "  2  usage error, or the model or song table cannot be used\n"
        "  130  interrupted (Ctrl-C): the records finished so far are complete\n"
        "\n"
        "Environment: IMG2MUSIC_MODEL and IMG2MUSIC_SONGS override the default model and table.\n"
        "Only load models from sources you trust: a TorchScript file is a program.");

    o.model = default_resource("IMG2MUSIC_MODEL", "models/img2music.pt");
    o.songs = default_resource("IMG2MUSIC_SONGS", "data/songs.csv");

    app.add_option("inputs", o.inputs, "Image files or directories of images; '-' reads newline-separated paths from stdin")
        ->type_name("INPUT...");
    app.add_flag("-r,--recursive", o.recursive, "Descend into subdirectories of directory inputs");
    app.add_flag("-0,--null", o.null_separated, "Paths on stdin are NUL-separated (find -print0)");
    app.add_option("-k,--top", o.top, "Songs per input (1..size of the song table)")->check(CLI::Range(1, 1000000))->capture_default_str();
    app.add_option("--model", o.model, "TorchScript model with img2music.json metadata")->check(CLI::ExistingFile)->capture_default_str();
    app.add_option("--model-sha256", o.model_sha256, "Refuse the model unless its file has this SHA-256 (64 hex digits)")
        ->type_name("HEX")
        ->check(CLI::Validator(
            [](std::string& v) {
                const bool ok = v.size() == 64 && v.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
                return ok ? std::string() : std::string("expected 64 hexadecimal digits");
            },
            "HEX64"));
    app.add_option("--songs", o.songs, "Song table, CSV or JSON (docs/song-table.md)")->check(CLI::ExistingFile)->capture_default_str();
    app.add_option("-f,--format", o.format,
                   "Output format: auto = table on a terminal, jsonl otherwise (with --output: by the file's extension)")
        ->check(CLI::IsMember({"auto", "table", "jsonl", "json", "csv", "tsv"}))
        ->capture_default_str();
    app.add_option("--align", o.align, "Map the model's VA into the song table's distribution before matching: none, minmax, or quantile")
        ->check(CLI::IsMember({"none", "minmax", "quantile"}))
        ->capture_default_str()
        ->each([&o](const std::string&) { o.align_given = true; });
    app.add_option("-j,--threads", o.threads, "Threads for decoding and inference (0 = one per core)")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
    app.add_option("--batch-size", o.batch_size, "Images per forward pass")->check(CLI::Range(1, 1024))->capture_default_str();
    app.add_option("-o,--output", o.output, "Write results to FILE (atomically: a temporary file renamed on success) instead of stdout")
        ->type_name("FILE");
    app.add_flag("-q,--quiet", o.quiet, "No warnings or notes on stderr (errors are still reported)");
    app.add_flag("-V,--version", o.version, "Print the version and the model's and song table's provenance");
}

}  // namespace img2music::cli
