#include "img2music/img2music.hpp"

namespace img2music {

// IMG2MUSIC_VERSION comes from CMake (project version); consumers of the headers need not know it.
const char* version() { return IMG2MUSIC_VERSION; }

}  // namespace img2music
