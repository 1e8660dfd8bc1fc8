// img2music command line, built as libimg2music_cli.so and entered from the launcher
// (launcher.cpp) through img2music_cli_main. The only place that sees argv: parses flags, runs
// (runner.cpp), and maps outcomes to exit codes. Results go to stdout, messages to stderr.
#include "cli/cli_options.hpp"
#include "cli/completion.hpp"
#include "cli/console.hpp"
#include "cli/runner.hpp"
#include "cli/stderr_filter.hpp"

#include "img2music/img2music.hpp"

#include <signal.h>

#include <csignal>
#include <iostream>
#include <map>

namespace {

using namespace img2music;
using namespace img2music::cli;

void on_interrupt(int /*signal*/) { interrupt_token().cancel(); }

void print_version(const Options& o) {
    std::cout << "img2music " << version() << " (" << inference_backend_version() << ", " << image_backend_version() << ")\n";
    try {
        const VaModel model = VaModel::load(o.engine.model, o.engine.model_sha256, o.engine.precision);
        const ModelMetadata& m = model.metadata();
        std::cout << "model: " << o.engine.model << "\n  sha256: " << sha256_file_hex(o.engine.model) << "\n  name: " << m.name
                  << "\n  arch: " << m.arch << "\n  input: " << m.preprocess.input_width << "x" << m.preprocess.input_height
                  << "\n  precision: " << precision_names().name(model.precision()) << "\n  provenance: " << m.provenance_json
                  << "\n  metrics: " << m.metrics_json << '\n';
    } catch (const Error& e) {
        std::cout << "model: " << e.what() << '\n';
    }
    try {
        const SongTable songs = SongTable::load(o.engine.songs);
        std::map<std::string, std::size_t> sources;
        for (const Song& s : songs.songs()) ++sources[s.va_source.empty() ? "unspecified" : s.va_source];
        std::cout << "songs: " << o.engine.songs << "\n  count: " << songs.size() << "\n  va_source:";
        for (const auto& [name, count] : sources) std::cout << ' ' << name << '=' << count;
        std::cout << '\n';
    } catch (const Error& e) {
        std::cout << "songs: " << e.what() << '\n';
    }
}

}  // namespace

// Called by the launcher (launcher.cpp) once the OpenMP wait policy is set.
extern "C" __attribute__((visibility("default"))) int img2music_cli_main(int argc, char** argv) {
    // A closed reader shows up as EPIPE from write(2) and ends the run quietly.
    std::signal(SIGPIPE, SIG_IGN);
    // Ctrl-C finishes the batch in hand and flushes it; no SA_RESTART so a blocked stdin read ends.
    interrupt_token();  // constructed now, not first in the handler
    struct sigaction interrupt {};
    interrupt.sa_handler = on_interrupt;
    sigemptyset(&interrupt.sa_mask);
    ::sigaction(SIGINT, &interrupt, nullptr);
    std::ios::sync_with_stdio(false);

    // From here on fd 2 carries only what libraries print; our messages use the real stderr.
    const StderrFilter filter;
    set_message_stream(filter.out());

    CLI::App app{"img2music"};
    Options options;
    declare_options(app, options);
    // Hidden: the build writes the shell completion with it (completion.hpp).
    std::string completion_shell;
    app.add_option("--print-completion", completion_shell, "Print the completion script for SHELL")
        ->check(CLI::IsMember({"bash"}))
        ->group("");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        message(std::string(e.what()) + " (run with --help for more information)");
        return kExitUsage;
    }

    try {
        if (!completion_shell.empty()) {
            std::cout << bash_completion(app);
            return kExitOk;
        }
        if (options.version) {
            print_version(options);
            return kExitOk;
        }
        if (serve_command(app).parsed()) {
            if (!options.inputs.empty()) {
                message("serve takes no inputs: images come in over HTTP (img2music serve --help)");
                return kExitUsage;
            }
            Request defaults = options.request;
            defaults.top_k = static_cast<std::size_t>(options.top);
            options.server.log = [](const std::string& line) { message(line); };
            return server::serve(options.engine, defaults, options.server);
        }
        return run(options);
    } catch (const OutputClosed&) {
        return kExitOk;
    } catch (const Error& e) {
        message(e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        message(std::string("internal error: ") + e.what());
        return kExitUsage;
    }
}
