// One img2music run (CLI only): loads the model and the song table, streams every input
// (images, videos, frame sequences) through the pipeline to the output, and writes the plot and
// report asked for. Returns the exit code (cli_options.hpp).
#pragma once

#include "cli/cli_options.hpp"

namespace img2music::cli {

int run(Options& options);

}  // namespace img2music::cli
