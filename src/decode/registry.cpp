// The decoder families' members, one line each: a new format is its file plus a line here.
#include "decode/image_codec.hpp"
#include "decode/video_decoder.hpp"

namespace img2music {

const ImageCodec& jpeg_codec();  // jpeg.cpp
const ImageCodec& png_codec();   // png.cpp
const ImageCodec& gif_codec();   // gif.cpp
const ImageCodec& heif_codec();  // heif.cpp: HEIC and AVIF
const ImageCodec& webp_codec();  // opencv_formats.cpp, as the next four
const ImageCodec& tiff_codec();
const ImageCodec& bmp_codec();
const ImageCodec& pnm_codec();
const ImageCodec& generic_image_codec();
const VideoDecoder& gif_video_decoder();     // gif.cpp: animated GIFs
const VideoDecoder& ffmpeg_video_decoder();  // ffmpeg_video.cpp

const std::vector<const ImageCodec*>& image_codecs() {
    static const std::vector<const ImageCodec*> all = {
        &jpeg_codec(),          &png_codec(), &gif_codec(), &heif_codec(), &webp_codec(), &tiff_codec(), &bmp_codec(), &pnm_codec(),
        &generic_image_codec(),  // last: sniffs nothing, decodes what OpenCV recognises
    };
    return all;
}

const ImageCodec& image_codec_for(std::string_view head) {
    for (const ImageCodec* c : image_codecs()) {
        if (c->sniff(head)) return *c;
    }
    return generic_image_codec();
}

const std::vector<const VideoDecoder*>& video_decoders() {
    static const std::vector<const VideoDecoder*> all = {&gif_video_decoder(), &ffmpeg_video_decoder()};
    return all;
}

const VideoDecoder& video_decoder_for(std::string_view head) {
    for (const VideoDecoder* d : video_decoders()) {
        if (d->sniff(head)) return *d;
    }
    return ffmpeg_video_decoder();  // the containers FFmpeg knows beyond what is sniffed
}

}  // namespace img2music
