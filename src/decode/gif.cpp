// GIF through giflib. A still GIF (one frame) is an image (GifCodec); an animated one (more
// frames) is a short video (GifVideoDecoder): its frames composited as browsers show them, each
// at its own delay. Which of the two a file is, is decided once by media_kind_of_file
// (ImageCodec::is_animation: a walk over the file's records, no pixel decoded).
//
// Bounds, checked by that walk before any pixel is decoded: the screen and every frame within
// the pixel limit, at most kMaxGifFrames frames, and at most kMaxGifWork pixels decoded and
// composited over the whole animation, so that a bomb ends in a one-line error, not a hang.
#include "decode/image_codec.hpp"
#include "decode/video_decoder.hpp"
#include "file_util.hpp"
#include "image_impl.hpp"
#include "img2music/error.hpp"

#include <gif_lib.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>

namespace img2music {
namespace {

constexpr std::size_t kMaxGifFrames = 10000;
constexpr std::int64_t kMaxGifWork = std::int64_t{1} << 30;  // pixels: ~1-3 s of decoding

// A frame's delay in seconds: the graphics control extension's 1/100 s; 0 or 1 (which browsers
// ignore as too fast) count as 0.1 s.
double delay_seconds(int centiseconds) { return centiseconds <= 1 ? 0.1 : centiseconds / 100.0; }

// ---------------------------------------------------------------- the record walk
// Bytes from memory or a file, for the walk.
class Bytes {
public:
    Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    explicit Bytes(std::FILE* file) : file_(file) {}
    bool read(std::uint8_t* out, std::size_t n) {
        if (file_ != nullptr) return std::fread(out, 1, n, file_) == n;
        if (size_ - pos_ < n) return false;
        std::memcpy(out, data_ + pos_, n);
        pos_ += n;
        return true;
    }
    bool skip(std::size_t n) {
        std::array<std::uint8_t, 768> buf{};
        while (n > 0) {
            const std::size_t k = std::min(n, buf.size());
            if (!read(buf.data(), k)) return false;
            n -= k;
        }
        return true;
    }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t pos_ = 0;
    std::FILE* file_ = nullptr;
};

int le16(const std::uint8_t* p) { return p[0] | (p[1] << 8); }

bool skip_sub_blocks(Bytes& in) {
    std::uint8_t n = 0;
    while (in.read(&n, 1) && n != 0) {
        if (!in.skip(n)) return false;
    }
    return n == 0;
}

struct GifScan {
    int width = 0, height = 0;   // the logical screen
    std::vector<double> delays;  // one per complete frame, seconds
    bool bad_frame = false;      // a frame over the pixel limit
    std::int64_t work = 0;       // pixels decoded and composited
};

// Walks the records up to the trailer, the end of the data, or `max_frames` frames.
// False when the header is not a GIF's.
bool scan_gif(Bytes in, std::size_t max_frames, GifScan* scan) {
    std::array<std::uint8_t, 13> head{};
    if (!in.read(head.data(), head.size()) || std::memcmp(head.data(), "GIF8", 4) != 0) return false;
    scan->width = le16(&head[6]);
    scan->height = le16(&head[8]);
    if ((head[10] & 0x80) != 0 && !in.skip(3u << ((head[10] & 7) + 1))) return true;
    const std::int64_t screen = std::int64_t{scan->width} * scan->height;
    int delay = 0;
    std::uint8_t kind = 0;
    while (scan->delays.size() < max_frames && in.read(&kind, 1)) {
        if (kind == 0x2C) {                    // image descriptor
            std::array<std::uint8_t, 10> d{};  // 9 bytes, then the LZW code size
            if (!in.read(d.data(), 9)) break;
            if ((d[8] & 0x80) != 0 && !in.skip(3u << ((d[8] & 7) + 1))) break;
            if (!in.read(&d[9], 1) || !skip_sub_blocks(in)) break;
            const std::int64_t area = std::int64_t{le16(&d[4])} * le16(&d[6]);
            if (area > kMaxImagePixels) scan->bad_frame = true;
            scan->work += area + screen;
            scan->delays.push_back(delay_seconds(delay));
            delay = 0;
        } else if (kind == 0x21) {            // extension
            std::array<std::uint8_t, 6> e{};  // label, block size, then a control extension's 4 bytes
            if (!in.read(e.data(), 2)) break;
            if (e[0] == 0xF9 && e[1] >= 4) {
                if (!in.read(&e[2], 4) || !in.skip(e[1] - 4u)) break;
                delay = le16(&e[3]);
            } else if (e[1] != 0 && !in.skip(e[1])) {
                break;
            }
            if (e[1] != 0 && !skip_sub_blocks(in)) break;
        } else {
            break;  // the trailer (0x3B), or not a record: what came before is the GIF
        }
    }
    return true;
}

// The walk with its bounds enforced.
GifScan checked_scan(Bytes in, const std::string& name, std::int64_t max_pixels) {
    GifScan scan;
    if (!scan_gif(in, kMaxGifFrames + 1, &scan)) throw InputError(name, "not a GIF");
    if (std::int64_t{scan.width} * scan.height > max_pixels)
        throw InputError(name, "image too large: " + std::to_string(scan.width) + "x" + std::to_string(scan.height) + " pixels (limit " +
                                   std::to_string(max_pixels) + "), refused before decoding");
    if (scan.bad_frame) throw InputError(name, "GIF frame larger than the pixel limit; refused before decoding");
    if (scan.delays.size() > kMaxGifFrames)
        throw InputError(name, "too many frames in the GIF (more than " + std::to_string(kMaxGifFrames) + ")");
    if (scan.work > kMaxGifWork)
        throw InputError(name, "GIF animation too large (more than " + std::to_string(kMaxGifWork) + " pixels over its frames)");
    if (scan.delays.empty()) throw InputError(name, "truncated or corrupt GIF (no complete frame)");
    return scan;
}

// ---------------------------------------------------------------- decoding (giflib)
struct Memory {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t pos;
};

int read_memory(GifFileType* gif, GifByteType* out, int n) {
    auto* m = static_cast<Memory*>(gif->UserData);
    const std::size_t k = std::min(static_cast<std::size_t>(std::max(n, 0)), m->size - m->pos);
    std::memcpy(out, m->data + m->pos, k);
    m->pos += k;
    return static_cast<int>(k);
}

struct GifCloser {
    void operator()(GifFileType* gif) const {
        int error = 0;
        DGifCloseFile(gif, &error);
    }
};

// Decodes frames in order onto an RGBA canvas (alpha 0 or 255), disposal methods applied.
class GifFrames {
public:
    GifFrames(const std::uint8_t* data, std::size_t size, std::string name) : memory_{data, size, 0}, name_(std::move(name)) {
        int error = 0;
        gif_.reset(DGifOpen(&memory_, read_memory, &error));
        if (!gif_) fail(error);
        width_ = gif_->SWidth;
        height_ = gif_->SHeight;
        if (width_ <= 0 || height_ <= 0)
            throw InputError(name_, "GIF with an empty screen (" + std::to_string(width_) + "x" + std::to_string(height_) + ")");
    }
    GifFrames(const GifFrames&) = delete;  // giflib holds &memory_
    GifFrames& operator=(const GifFrames&) = delete;

    // The next frame onto the canvas; false after the last one. Throws on a corrupt frame.
    bool next() {
        if (canvas_.empty()) canvas_ = cv::Mat(height_, width_, CV_8UC4, cv::Scalar(0, 0, 0, 0));
        dispose();
        GraphicsControlBlock gcb{};
        gcb.TransparentColor = NO_TRANSPARENT_COLOR;
        for (;;) {
            GifRecordType type = UNDEFINED_RECORD_TYPE;
            if (DGifGetRecordType(gif_.get(), &type) != GIF_OK) {
                if (frames_ > 0) return false;  // a cut file, or bytes after the last frame
                fail(gif_->Error);
            }
            if (type == TERMINATE_RECORD_TYPE) return false;
            if (type == EXTENSION_RECORD_TYPE) {
                int code = 0;
                GifByteType* ext = nullptr;
                if (DGifGetExtension(gif_.get(), &code, &ext) != GIF_OK) fail(gif_->Error);
                if (code == GRAPHICS_EXT_FUNC_CODE && ext != nullptr && ext[0] >= 4) DGifExtensionToGCB(ext[0], ext + 1, &gcb);
                while (ext != nullptr) {
                    if (DGifGetExtensionNext(gif_.get(), &ext) != GIF_OK) fail(gif_->Error);
                }
            } else if (type == IMAGE_DESC_RECORD_TYPE) {
                draw(gcb);
                ++frames_;
                return true;
            }
        }
    }

    // The canvas composited over white, as RGB.
    cv::Mat rgb() const {
        cv::Mat out(height_, width_, CV_8UC3);
        for (int y = 0; y < height_; ++y) {
            const auto* src = canvas_.ptr<cv::Vec4b>(y);
            auto* dst = out.ptr<cv::Vec3b>(y);
            for (int x = 0; x < width_; ++x)
                dst[x] = src[x][3] != 0 ? cv::Vec3b(src[x][0], src[x][1], src[x][2]) : cv::Vec3b(255, 255, 255);
        }
        return out;
    }

    int width() const { return width_; }
    int height() const { return height_; }

private:
    [[noreturn]] void fail(int error) const {
        const char* what = GifErrorString(error);
        throw InputError(name_, std::string("truncated or corrupt GIF: ") + (what != nullptr ? what : "unknown error"));
    }

    void draw(const GraphicsControlBlock& gcb) {
        if (DGifGetImageDesc(gif_.get()) != GIF_OK) fail(gif_->Error);
        const GifImageDesc& d = gif_->Image;
        const ColorMapObject* map = d.ColorMap != nullptr ? d.ColorMap : gif_->SColorMap;
        if (d.Width <= 0 || d.Height <= 0 || std::int64_t{d.Width} * d.Height > kMaxImagePixels)
            throw InputError(name_, "GIF frame of " + std::to_string(d.Width) + "x" + std::to_string(d.Height) + " pixels refused");
        if (gcb.DisposalMode == DISPOSE_PREVIOUS) saved_ = canvas_.clone();
        dispose_mode_ = gcb.DisposalMode;
        rect_ = cv::Rect(d.Left, d.Top, d.Width, d.Height) & cv::Rect(0, 0, width_, height_);
        std::vector<GifPixelType> line(static_cast<std::size_t>(d.Width));
        // Interlaced frames store rows in four passes: every 8th from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
        constexpr std::array<int, 4> kStart = {0, 4, 2, 1};
        constexpr std::array<int, 4> kStep = {8, 8, 4, 2};
        const int passes = d.Interlace ? 4 : 1;
        for (int p = 0; p < passes; ++p) {
            const int start = d.Interlace ? kStart[static_cast<std::size_t>(p)] : 0;
            const int step = d.Interlace ? kStep[static_cast<std::size_t>(p)] : 1;
            for (int row = start; row < d.Height; row += step) {
                if (DGifGetLine(gif_.get(), line.data(), d.Width) != GIF_OK) fail(gif_->Error);
                const int y = d.Top + row;
                if (y < 0 || y >= height_) continue;
                auto* dst = canvas_.ptr<cv::Vec4b>(y);
                for (int col = 0; col < d.Width; ++col) {
                    const int x = d.Left + col;
                    const int index = line[static_cast<std::size_t>(col)];
                    if (x >= width_ || index == gcb.TransparentColor) continue;
                    if (map == nullptr || index >= map->ColorCount) {
                        dst[x] = cv::Vec4b(0, 0, 0, 255);  // no colour for it: black, as browsers show it
                        continue;
                    }
                    const GifColorType& c = map->Colors[index];
                    dst[x] = cv::Vec4b(c.Red, c.Green, c.Blue, 255);
                }
            }
        }
    }

    // The previous frame's disposal: 2 clears its rectangle (to transparent, as browsers do),
    // 3 restores the canvas from before it; 0 and 1 leave it.
    void dispose() {
        if (dispose_mode_ == DISPOSE_BACKGROUND && rect_.area() > 0) {
            canvas_(rect_).setTo(cv::Scalar(0, 0, 0, 0));
        } else if (dispose_mode_ == DISPOSE_PREVIOUS && !saved_.empty()) {
            canvas_ = saved_;
            saved_ = cv::Mat();
        }
        dispose_mode_ = DISPOSAL_UNSPECIFIED;
    }

    Memory memory_;
    std::string name_;
    std::unique_ptr<GifFileType, GifCloser> gif_;
    int width_ = 0, height_ = 0;
    cv::Mat canvas_;  // RGBA
    cv::Mat saved_;   // for DISPOSE_PREVIOUS
    int dispose_mode_ = DISPOSAL_UNSPECIFIED;
    cv::Rect rect_;
    std::size_t frames_ = 0;
};

bool is_gif(std::string_view head) { return has_at(head, 0, "GIF87a") || has_at(head, 0, "GIF89a"); }

// ---------------------------------------------------------------- a still GIF
class GifCodec : public ImageCodec {
public:
    std::string_view name() const override { return "gif"; }
    bool sniff(std::string_view head) const override { return is_gif(head); }
    std::pair<std::uint32_t, std::uint32_t> declared_size(const std::uint8_t* data, std::size_t size) const override {
        if (size < 10) return {0, 0};
        return {static_cast<std::uint32_t>(le16(data + 6)), static_cast<std::uint32_t>(le16(data + 8))};
    }
    bool is_animation(const std::string& path) const override {
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
        if (!file) return false;
        GifScan scan;
        return scan_gif(Bytes(file.get()), 2, &scan) && scan.delays.size() > 1;
    }
    // The first frame (an animation given as an image, e.g. an upload, reads as its first frame).
    cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& options) const override {
        GifScan scan;
        if (!scan_gif(Bytes(data, size), 1, &scan)) throw InputError(name, "not a GIF");
        if (scan.bad_frame) throw InputError(name, "GIF frame larger than the pixel limit; refused before decoding");
        if (scan.delays.empty()) throw InputError(name, "truncated or corrupt GIF (no complete frame)");
        (void)options;  // the screen's size was checked against options.max_pixels (declared_size)
        GifFrames frames(data, size, name);
        if (!frames.next()) throw InputError(name, "truncated or corrupt GIF (no frame)");
        cv::Mat bgr;
        cv::cvtColor(frames.rgb(), bgr, cv::COLOR_RGB2BGR);
        return bgr;
    }
};

// ---------------------------------------------------------------- an animated GIF
class GifStream : public VideoStream {
public:
    GifStream(std::string bytes, const std::string& name) : bytes_(std::move(bytes)) {
        const auto* data = reinterpret_cast<const std::uint8_t*>(bytes_.data());
        const GifScan scan = checked_scan(Bytes(data, bytes_.size()), name, kMaxImagePixels);
        delays_ = scan.delays;
        frames_ = std::make_unique<GifFrames>(data, bytes_.size(), name);
        info_.width = frames_->width();
        info_.height = frames_->height();
        info_.frame_count = delays_.size();
        for (double d : delays_) info_.duration += d;
        // A GIF has no nominal rate. The reader ends the last frame 1/fps after its start
        // (VideoReader::decoded_duration): the last frame's own rate makes that the real end.
        info_.fps = 1.0 / delays_.back();
    }

    const VideoInfo& info() const override { return info_; }

    bool grab(double* seconds) override {
        try {
            if (index_ >= delays_.size() || !frames_->next()) return false;
        } catch (const InputError&) {
            return false;  // a frame that does not decode ends the stream: the frames before it stand
        }
        *seconds = time_;
        time_ += delays_[index_++];
        return true;
    }

    bool retrieve(Image* frame) override {
        cv::Mat rgb = frames_->rgb();
        const int shorter = std::min(rgb.cols, rgb.rows);
        if (cover_side_ > 0 && shorter > cover_side_) {
            const double f = static_cast<double>(cover_side_) / shorter;
            cv::resize(rgb, rgb,
                       cv::Size(std::max(1, static_cast<int>(rgb.cols * f + 0.5)), std::max(1, static_cast<int>(rgb.rows * f + 0.5))), 0, 0,
                       cv::INTER_AREA);
        }
        *frame = ImageAccess::wrap(std::move(rgb));
        return true;
    }

    void set_cover_side(int side) override { cover_side_ = side; }

private:
    std::string bytes_;  // giflib reads from here
    std::vector<double> delays_;
    std::unique_ptr<GifFrames> frames_;
    VideoInfo info_;
    std::size_t index_ = 0;
    double time_ = 0.0;  // start of the next frame
    int cover_side_ = 0;
};

class GifVideoDecoder : public VideoDecoder {
public:
    std::string_view name() const override { return "gif"; }
    bool sniff(std::string_view head) const override { return is_gif(head); }
    std::unique_ptr<VideoStream> open(const std::string& path) const override {
        return std::make_unique<GifStream>(read_file_or_throw_input(path), path);
    }
};

}  // namespace

const ImageCodec& gif_codec() {
    static const GifCodec codec;
    return codec;
}

const VideoDecoder& gif_video_decoder() {
    static const GifVideoDecoder decoder;
    return decoder;
}

// A GIF in memory as a video (the fuzz target). Throws InputError(name, reason).
std::unique_ptr<VideoStream> open_gif_video_in_memory(std::string bytes, const std::string& name) {
    return std::make_unique<GifStream>(std::move(bytes), name);
}

}  // namespace img2music
