// What kind of input a file is, decided once and by its content first: what the image codecs
// and video decoders img2music has recognise (src/decode/, listed in registry.cpp). A file whose first bytes match none (empty, cut short,
// or a format it does not know) goes by its extension (directory_walker.hpp, video.hpp), so that it is still tried and fails with its
// decoder's own reason.
//
//   media_kind("x.jpg", "\x89PNG\r\n\x1a\n...")  -> Image   (content wins over the name)
//   media_kind("clip.mp4", "")                   -> Video   (no content: the name decides)
//   media_kind("notes.txt", "hello")             -> Other
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace img2music {

enum class MediaKind { Image, Video, Other };

// Bytes from the start of a file that media_kind looks at.
constexpr std::size_t kSniffBytes = 32;

MediaKind media_kind(const std::string& path, std::string_view first_bytes);

// media_kind of the file at `path`, reading its first kSniffBytes (none when it cannot be read:
// the name decides, and reading it later reports why). A directory is Other. An animated GIF
// (more than one frame, counted in the file) is a Video; media_kind alone says Image for it.
MediaKind media_kind_of_file(const std::string& path);

// The codec or decoder that recognises a file's first bytes ("jpeg", "png", "gif", "heif", "webp",
// "tiff", "bmp", "pnm"; "ffmpeg" for the video containers), or "" when none does.
std::string_view sniff_format(std::string_view first_bytes);

}  // namespace img2music
