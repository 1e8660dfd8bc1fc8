// media_kind (media.hpp): what the decoder families recognise, then the file's name.
#include "decode/image_codec.hpp"
#include "decode/video_decoder.hpp"
#include "file_util.hpp"
#include "img2music/directory_walker.hpp"
#include "img2music/media.hpp"
#include "img2music/video.hpp"

#include <sys/stat.h>

namespace img2music {

std::string_view sniff_format(std::string_view first_bytes) {
    for (const ImageCodec* c : image_codecs()) {
        if (c->sniff(first_bytes)) return c->name();
    }
    for (const VideoDecoder* d : video_decoders()) {
        if (d->sniff(first_bytes)) return d->name();
    }
    return {};
}

MediaKind media_kind(const std::string& path, std::string_view first_bytes) {
    for (const ImageCodec* c : image_codecs()) {
        if (c->sniff(first_bytes)) return MediaKind::Image;
    }
    for (const VideoDecoder* d : video_decoders()) {
        if (d->sniff(first_bytes)) return MediaKind::Video;
    }
    if (has_video_extension(path)) return MediaKind::Video;
    if (has_image_extension(path)) return MediaKind::Image;
    return MediaKind::Other;
}

MediaKind media_kind_of_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return MediaKind::Other;
    const std::string head = read_head(path, kSniffBytes);
    const MediaKind kind = media_kind(path, head);
    // The first bytes cannot tell an animation (a video) from a still image of the same format.
    if (kind == MediaKind::Image && image_codec_for(head).is_animation(path)) return MediaKind::Video;
    return kind;
}

}  // namespace img2music
