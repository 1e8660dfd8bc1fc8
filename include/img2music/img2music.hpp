// img2music: music that fits the mood of a picture.
//
// Usage (the library never sees argv; the CLI in src/cli is one client). A whole run, as every
// front end makes it (engine.hpp: the sink, inputs from memory, cancelling):
//
//     #include <img2music/img2music.hpp>
//     using namespace img2music;
//
//     configure_process(0);                               // process_settings.hpp: once
//     const Engine engine = Engine::load({"models/img2music.pt", "", "data/songs.csv"});
//     Request request;                                    // request.hpp: every option, typed
//     request.top_k = 10;
//     DirectoryWalker inputs("photos", /*recursive=*/true);
//     engine.run(request, inputs, my_sink, cancel_token); // records to a RecordSink
//
// Or the parts one by one:
//
//     set_inference_threads(0);                           // one per usable core
//     VaModel model = VaModel::load("models/img2music.pt");
//     SongTable songs = SongTable::load("data/songs.csv");
//     Recommender index(songs);
//     Alignment align = Alignment::fit(AlignMode::Quantile, model.metadata().reference ?
//                                      &*model.metadata().reference : nullptr, points_of(songs));
//
//     std::vector<float> x(model.metadata().preprocess.tensor_size());
//     preprocess(Image::load("photo.jpg"), model.metadata().preprocess, x.data());
//     VA va = *model.predict(x.data(), 1)[0];            // (valence, arousal) in [0,1]
//     for (const Match& m : index.search(align.apply(va), 10))
//         std::cout << songs[m.index].artist << " - " << songs[m.index].track << '\n';
//
// Conventions: VA axes are in [0, 1]; image tensors are float32 CHW (batches NCHW), RGB,
// row-major; song indices are rows of the SongTable. Errors are thrown as img2music::Error
// subclasses (error.hpp) with the input named in the message.
#pragma once

#include "img2music/alignment.hpp"
#include "img2music/batcher.hpp"
#include "img2music/directory_walker.hpp"
#include "img2music/engine.hpp"
#include "img2music/error.hpp"
#include "img2music/explain.hpp"
#include "img2music/image.hpp"
#include "img2music/input_source.hpp"
#include "img2music/media.hpp"
#include "img2music/model_metadata.hpp"
#include "img2music/names.hpp"
#include "img2music/output_format.hpp"
#include "img2music/output_sink.hpp"
#include "img2music/pipeline.hpp"
#include "img2music/plot.hpp"
#include "img2music/precision.hpp"
#include "img2music/preprocess_spec.hpp"
#include "img2music/process_settings.hpp"
#include "img2music/recommender.hpp"
#include "img2music/report.hpp"
#include "img2music/request.hpp"
#include "img2music/segmentation.hpp"
#include "img2music/sha256.hpp"
#include "img2music/song_selector.hpp"
#include "img2music/song_table.hpp"
#include "img2music/soundtrack.hpp"
#include "img2music/types.hpp"
#include "img2music/va_model.hpp"
#include "img2music/video.hpp"

namespace img2music {

// The library's version, e.g. "0.1.0".
const char* version();

}  // namespace img2music
