// Video through FFmpeg's own libraries: libavformat demuxes (ISO base media: mp4, m4v, mov;
// Matroska: mkv, webm; AVI; and whatever else FFmpeg reads, so it is also the decoder for
// files no other decoder recognises), libavcodec decodes with frame threads, libswscale
// converts. Only the frames taken are converted, each in one sws_scale straight to RGB at the
// size the caller needs (VideoStream::set_cover_side). With keyframe sampling (plan_samples)
// the packets are read one group of pictures (keyframe to keyframe) ahead, the rule of video.hpp
// picks the frames from their timestamps, and only the packets those frames need are decoded.
// A keyframe decoded alone (no frame after it is decoded from it) skips the deblocking filter:
// its block edges are invisible at the model's size (a 1080p frame is averaged down 3.4x), it
// saves 8 % of an H.264 keyframe's decoding, and the answers move by at most 0.007
// (docs/performance.md); a frame other frames are decoded from keeps it, so no error spreads.
#include "decode/image_codec.hpp"
#include "decode/video_decoder.hpp"
#include "image_impl.hpp"
#include "img2music/error.hpp"
#include "img2music/process_settings.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <set>

namespace img2music {
namespace {

struct FormatCloser {
    void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct CodecFreer {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFreer {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFreer {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFreer {
    void operator()(SwsContext* s) const { sws_freeContext(s); }
};
struct IoFreer {
    void operator()(AVIOContext* io) const {
        av_freep(&io->buffer);  // FFmpeg may have replaced the buffer given to it
        avio_context_free(&io);
    }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFreer>;
using IoPtr = std::unique_ptr<AVIOContext, IoFreer>;

PacketPtr new_packet() {
    PacketPtr p(av_packet_alloc());
    if (!p) throw std::bad_alloc();
    return p;
}

// Encoded bytes held in memory, read by FFmpeg through a custom AVIOContext (uploads, the fuzzer).
struct MemoryFile {
    std::string bytes;
    std::size_t pos = 0;

    static int read(void* opaque, std::uint8_t* buf, int size) {
        auto* m = static_cast<MemoryFile*>(opaque);
        const std::size_t n = std::min(static_cast<std::size_t>(std::max(size, 0)), m->bytes.size() - m->pos);
        if (n == 0) return AVERROR_EOF;
        std::copy_n(reinterpret_cast<const std::uint8_t*>(m->bytes.data()) + m->pos, n, buf);
        m->pos += n;
        return static_cast<int>(n);
    }
    static std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
        auto* m = static_cast<MemoryFile*>(opaque);
        const auto size = static_cast<std::int64_t>(m->bytes.size());
        if ((whence & AVSEEK_SIZE) != 0) return size;
        std::int64_t to = offset;
        switch (whence & ~AVSEEK_FORCE) {
            case SEEK_SET: break;
            case SEEK_CUR: to += static_cast<std::int64_t>(m->pos); break;
            case SEEK_END: to += size; break;
            default: return -1;
        }
        if (to < 0 || to > size) return -1;
        m->pos = static_cast<std::size_t>(to);
        return to;
    }
};

constexpr std::size_t kIoBuffer = std::size_t{64} * 1024;
// A group of pictures is buffered to plan it; past this much, planning gives way to decoding
// every frame (a stream with rare keyframes would otherwise be held in memory).
constexpr std::size_t kMaxGopBytes = std::size_t{64} << 20;
constexpr double kTimeTolerance = FrameSampler::kTimeTolerance;  // the sampling rule's (video.hpp)

const char* kCannotOpen = "cannot open as a video (not a video, or a container or codec FFmpeg cannot read)";

// Clockwise quarter turns that make the frame upright, from the display matrix phones write.
int quarter_turns(const AVStream* stream) {
    const std::uint8_t* matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
    if (matrix == nullptr) return 0;
    const double ccw = av_display_rotation_get(reinterpret_cast<const std::int32_t*>(matrix));
    if (!std::isfinite(ccw)) return 0;
    const long turns = std::lround(-ccw / 90.0);
    return static_cast<int>(((turns % 4) + 4) % 4);
}

class FfmpegStream : public VideoStream {
public:
    FfmpegStream(const std::string& name, std::unique_ptr<MemoryFile> memory) : name_(name), memory_(std::move(memory)) {
        av_log_set_level(AV_LOG_QUIET);  // errors are ours to report (OpenCV's FFmpeg backend, if loaded, raises it)

        AVFormatContext* raw = avformat_alloc_context();
        if (raw == nullptr) throw std::bad_alloc();
        if (memory_) {
            auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBuffer));
            io_.reset(
                avio_alloc_context(buffer, static_cast<int>(kIoBuffer), 0, memory_.get(), &MemoryFile::read, nullptr, &MemoryFile::seek));
            if (!io_) {
                av_free(buffer);
                avformat_free_context(raw);
                throw std::bad_alloc();
            }
            raw->pb = io_.get();
            raw->flags |= AVFMT_FLAG_CUSTOM_IO;
        }
        if (avformat_open_input(&raw, memory_ ? nullptr : name.c_str(), nullptr, nullptr) < 0) throw InputError(name, kCannotOpen);
        format_.reset(raw);
        if (avformat_find_stream_info(format_.get(), nullptr) < 0) throw InputError(name, kCannotOpen);
        const AVCodec* codec = nullptr;
        index_ = av_find_best_stream(format_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
        if (index_ == AVERROR_DECODER_NOT_FOUND) {
            const int any = av_find_best_stream(format_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
            const char* codec_name = any >= 0 ? avcodec_get_name(format_->streams[any]->codecpar->codec_id) : "?";
            throw InputError(name, std::string("cannot open as a video: FFmpeg has no decoder for its ") + codec_name + " stream");
        }
        if (index_ < 0 || codec == nullptr) throw InputError(name, "cannot open as a video: no video stream");
        stream_ = format_->streams[index_];
        for (unsigned i = 0; i < format_->nb_streams; ++i)
            if (static_cast<int>(i) != index_) format_->streams[i]->discard = AVDISCARD_ALL;  // audio is not demuxed

        codec_.reset(avcodec_alloc_context3(codec));
        if (!codec_) throw std::bad_alloc();
        if (avcodec_parameters_to_context(codec_.get(), stream_->codecpar) < 0) throw InputError(name, kCannotOpen);
        codec_->thread_count = usable_cores();
        codec_->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
        if (avcodec_open2(codec_.get(), codec, nullptr) < 0) throw InputError(name, kCannotOpen);

        time_base_ = av_q2d(stream_->time_base);
        start_ = stream_->start_time != AV_NOPTS_VALUE ? stream_->start_time : 0;
        turns_ = quarter_turns(stream_);
        in_order_ = stream_->codecpar->video_delay == 0 && codec_->has_b_frames == 0;
        const bool sideways = turns_ % 2 == 1;
        info_.width = sideways ? stream_->codecpar->height : stream_->codecpar->width;
        info_.height = sideways ? stream_->codecpar->width : stream_->codecpar->height;
        const double fps = av_q2d(av_guess_frame_rate(format_.get(), stream_, nullptr));
        info_.fps = std::isfinite(fps) && fps > 0.0 && fps < 1000.0 ? fps : 0.0;
        double duration = 0.0;
        if (stream_->duration != AV_NOPTS_VALUE && stream_->duration > 0) {
            duration = static_cast<double>(stream_->duration) * time_base_;
        } else if (format_->duration != AV_NOPTS_VALUE && format_->duration > 0) {
            duration = static_cast<double>(format_->duration) / AV_TIME_BASE;
        }
        if (stream_->nb_frames > 0) {
            info_.frame_count = static_cast<std::size_t>(stream_->nb_frames);
        } else if (duration > 0.0 && info_.fps > 0.0) {
            info_.frame_count = static_cast<std::size_t>(std::llround(duration * info_.fps));
        }
        info_.duration = info_.fps > 0.0 && info_.frame_count > 0 ? static_cast<double>(info_.frame_count) / info_.fps : duration;

        packet_ = new_packet();
        frame_.reset(av_frame_alloc());
        if (!frame_) throw std::bad_alloc();
    }

    const VideoInfo& info() const override { return info_; }
    void set_cover_side(int side) override { cover_side_ = std::max(0, side); }

    bool grab(double* seconds) override {
        if (!decode_next(nullptr)) return false;
        *seconds = frame_seconds();
        return true;
    }

    bool retrieve(Image* frame) override {
        if (frame_->width <= 0 || frame_->height <= 0 || frame_->data[0] == nullptr) return false;
        *frame = convert();
        return true;
    }

    bool plan_samples(double interval) override {
        sampler_ = FrameSampler(interval);
        planning_ = true;
        return true;
    }

    bool next_planned(PlannedFrame* out) override {
        for (;;) {
            if (!planning_) {
                // Planning gave way (no timestamps, a huge group): every frame, sampled on its time.
                if (!decode_next(nullptr)) return false;
                const double t = frame_seconds();
                if (!sampler_.take(t)) continue;
                last_taken_ = t;
                *out = PlannedFrame{static_cast<std::size_t>(std::max(0.0, std::round(t * info_.fps))), t};
                return true;
            }
            std::int64_t pts = 0;
            if (!decode_next(&pts)) return false;
            const auto wanted = wanted_.find(pts);
            if (wanted == wanted_.end()) continue;  // decoded for its successors only: never converted
            wanted_.erase(wanted);
            const auto index = frame_index_.find(pts);
            *out = PlannedFrame{index != frame_index_.end() ? index->second : 0, frame_seconds()};
            if (index != frame_index_.end()) frame_index_.erase(index);
            return true;
        }
    }

    std::size_t frames_demuxed() const override { return frames_demuxed_; }
    std::size_t frames_decoded() const override { return frames_decoded_; }
    double last_demuxed_time() const override { return last_time_; }

private:
    double seconds_of(std::int64_t ts) const { return static_cast<double>(ts - start_) * time_base_; }
    double frame_seconds() const {
        std::int64_t ts = frame_->pts != AV_NOPTS_VALUE ? frame_->pts : frame_->best_effort_timestamp;
        return ts == AV_NOPTS_VALUE ? -1.0 : seconds_of(ts);
    }

    // The next decoded frame into frame_ (its timestamp in *pts when asked); false at the end.
    bool decode_next(std::int64_t* pts) {
        for (;;) {
            av_frame_unref(frame_.get());
            const int r = avcodec_receive_frame(codec_.get(), frame_.get());
            if (r == 0) {
                if (pts != nullptr) *pts = frame_->pts != AV_NOPTS_VALUE ? frame_->pts : frame_->best_effort_timestamp;
                return true;
            }
            if (r == AVERROR_EOF || draining_) return false;
            if (r != AVERROR(EAGAIN)) return false;  // the decoder gave up: a damaged stream ends here
            if (!feed()) {
                draining_ = true;
                avcodec_send_packet(codec_.get(), nullptr);
            }
        }
    }

    // Sends the decoder its next packet; false when there is none left.
    bool feed() {
        while (planning_ && to_send_.empty()) {
            if (!plan_next_group()) break;
        }
        PacketPtr p;
        bool alone = false;
        if (!to_send_.empty()) {
            p = std::move(to_send_.front().packet);
            alone = to_send_.front().alone;
            to_send_.pop_front();
        } else if (planning_) {
            return false;
        } else if (!leftover_.empty()) {  // packets buffered before planning gave way
            p = std::move(leftover_.front());
            leftover_.pop_front();
        } else {
            p = read_packet();
            if (!p) return false;
        }
        send(p.get(), alone);
        return true;
    }

    // `alone`: no other frame is decoded from this one (header comment). Frame threads take the
    // setting with the packet.
    void send(AVPacket* p, bool alone) {
        codec_->skip_loop_filter = alone ? AVDISCARD_ALL : AVDISCARD_DEFAULT;
        ++frames_decoded_;
        // A packet that does not decode (corrupt data) is skipped; the decoder resyncs on the next.
        avcodec_send_packet(codec_.get(), p);
    }

    // The next packet of the video stream, counted; null at the end of the file or a read error.
    PacketPtr read_packet() {
        for (;;) {
            if (av_read_frame(format_.get(), packet_.get()) < 0) return nullptr;
            if (packet_->stream_index != index_) {
                av_packet_unref(packet_.get());
                continue;
            }
            PacketPtr p = new_packet();
            av_packet_move_ref(p.get(), packet_.get());
            ++frames_demuxed_;
            const std::int64_t ts = p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
            if (ts != AV_NOPTS_VALUE) last_time_ = std::max(last_time_, seconds_of(ts));
            return p;
        }
    }

    static std::int64_t timestamp(const AVPacket& p) { return p.pts != AV_NOPTS_VALUE ? p.pts : p.dts; }

    // Reads the next group of pictures (a keyframe and what follows it up to the next keyframe),
    // picks its samples and queues the packets they need. False at the end of the file.
    bool plan_next_group() {
        std::deque<PacketPtr> group;
        if (lookahead_) group.push_back(std::move(lookahead_));
        std::size_t bytes = group.empty() ? 0 : static_cast<std::size_t>(group.front()->size);
        for (;;) {
            PacketPtr p = read_packet();
            if (!p) break;
            if ((p->flags & AV_PKT_FLAG_KEY) != 0 && !group.empty()) {
                lookahead_ = std::move(p);
                break;
            }
            bytes += static_cast<std::size_t>(std::max(p->size, 0));
            group.push_back(std::move(p));
            if (bytes > kMaxGopBytes) break;
        }
        if (group.empty()) return false;
        const bool timed = std::all_of(group.begin(), group.end(), [](const PacketPtr& p) { return timestamp(*p) != AV_NOPTS_VALUE; }) &&
                           (!lookahead_ || timestamp(*lookahead_) != AV_NOPTS_VALUE);
        if (!timed || bytes > kMaxGopBytes) {
            planning_ = false;  // decode everything from here on, sampled on the decoded times
            for (PacketPtr& p : group) leftover_.push_back(std::move(p));
            if (lookahead_) leftover_.push_back(std::move(lookahead_));
            return false;
        }

        // The group's frames in presentation order (packets come in decoding order).
        std::vector<std::int64_t> times;
        times.reserve(group.size());
        for (const PacketPtr& p : group) times.push_back(timestamp(*p));
        std::sort(times.begin(), times.end());
        const std::size_t first_index = frames_planned_;
        frames_planned_ += group.size();
        const bool starts_on_key = (group.front()->flags & AV_PKT_FLAG_KEY) != 0;
        const std::int64_t key = timestamp(*group.front());
        const double key_time = seconds_of(key);
        const double next_key = lookahead_ ? seconds_of(timestamp(*lookahead_)) : std::numeric_limits<double>::infinity();
        const double half = sampler_.interval() / 2.0;
        const auto in_window = [&](double frame, double mark) {
            return frame + kTimeTolerance >= mark - half && frame + kTimeTolerance < mark + half;
        };

        bool key_taken = false;
        bool need_all = false;
        std::set<std::int64_t> taken_here;  // timestamps of the frames taken in this group
        for (;;) {
            const double mark = sampler_.next_mark();
            // A mark is served only when the video reaches it (as FrameSampler's rule), and by
            // the nearer of two keyframes in its window.
            const bool reached = lookahead_ || seconds_of(times.back()) + kTimeTolerance >= mark;
            const bool next_nearer = lookahead_ && in_window(next_key, mark) && std::fabs(next_key - mark) < std::fabs(key_time - mark);
            if (starts_on_key && !key_taken && reached && !next_nearer && key_time > last_taken_ + kTimeTolerance &&
                in_window(key_time, mark)) {
                key_taken = true;
                want(key, first_index + index_in(times, key));
                take(key_time);
                continue;
            }
            if (lookahead_ && in_window(next_key, mark)) break;  // the next group's keyframe serves this mark
            // No keyframe close enough: the first frame at or after the mark.
            const auto at = std::find_if(times.begin(), times.end(), [&](std::int64_t t) {
                const double s = seconds_of(t);
                return s + kTimeTolerance >= mark && s > last_taken_ + kTimeTolerance;
            });
            if (at == times.end()) break;  // in a later group, or past the end
            const double s = seconds_of(*at);
            if (*at == key && starts_on_key) {
                key_taken = true;
            } else {
                need_all = true;
            }
            taken_here.insert(*at);
            want(*at, first_index + static_cast<std::size_t>(at - times.begin()));
            take(s);
        }
        if (need_all) {
            // A frame is decoded from packets before it in decoding order, so the packets after
            // the last one taken serve no frame taken: at --every 0.5 on a video with a keyframe
            // a second, half of each group is never decoded. Only without reordering (no
            // B-frames: what phones write), where the next group cannot refer back to them.
            std::size_t end = group.size();
            if (in_order_) {
                end = 0;
                for (std::size_t i = 0; i < group.size(); ++i)
                    if (taken_here.count(timestamp(*group[i])) != 0) end = i + 1;
            }
            for (std::size_t i = 0; i < end; ++i) to_send_.push_back(Queued{std::move(group[i]), false});
        } else if (key_taken) {
            to_send_.push_back(Queued{std::move(group.front()), true});  // a keyframe decodes on its own
        }
        return true;
    }

    static std::size_t index_in(const std::vector<std::int64_t>& sorted, std::int64_t t) {
        return static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
    }
    void want(std::int64_t pts, std::size_t index) {
        wanted_.insert(pts);
        frame_index_[pts] = index;
    }
    // Marks `time` taken and moves past every mark at or before it (a frame serves one mark;
    // marks closer together than frames are skipped, as FrameSampler does).
    void take(double time) {
        last_taken_ = time;
        sampler_.take_for_next_mark(time);
    }

    // frame_ as an upright RGB image whose shorter side covers cover_side_ (never enlarged).
    Image convert() {
        const int w = frame_->width;
        const int h = frame_->height;
        int out_w = w;
        int out_h = h;
        if (cover_side_ > 0 && std::min(w, h) > cover_side_) {
            const double scale = static_cast<double>(cover_side_) / std::min(w, h);
            out_w = std::max(1, static_cast<int>(std::lround(w * scale)));
            out_h = std::max(1, static_cast<int>(std::lround(h * scale)));
        }
        sws_.reset(sws_getCachedContext(sws_.release(), w, h, static_cast<AVPixelFormat>(frame_->format), out_w, out_h, AV_PIX_FMT_RGB24,
                                        SWS_AREA, nullptr, nullptr, nullptr));
        if (!sws_) throw InputError(name_, "cannot convert its frames to RGB");
        cv::Mat rgb(out_h, out_w, CV_8UC3);
        std::uint8_t* dst[4] = {rgb.data, nullptr, nullptr, nullptr};
        int dst_stride[4] = {static_cast<int>(rgb.step[0]), 0, 0, 0};
        sws_scale(sws_.get(), frame_->data, frame_->linesize, 0, h, dst, dst_stride);
        if (turns_ != 0) {
            cv::Mat upright;
            cv::rotate(rgb, upright, turns_ == 1 ? cv::ROTATE_90_CLOCKWISE : turns_ == 2 ? cv::ROTATE_180 : cv::ROTATE_90_COUNTERCLOCKWISE);
            rgb = upright;
        }
        return ImageAccess::wrap(std::move(rgb));
    }

    std::string name_;
    std::unique_ptr<MemoryFile> memory_;  // outlives io_, which reads it
    IoPtr io_;                            // outlives format_, which uses it
    FormatPtr format_;
    CodecPtr codec_;
    AVStream* stream_ = nullptr;
    int index_ = -1;
    double time_base_ = 0.0;
    std::int64_t start_ = 0;
    int turns_ = 0;
    bool in_order_ = false;  // frames are decoded in presentation order (no B-frames)
    int cover_side_ = 0;
    VideoInfo info_;
    PacketPtr packet_;
    FramePtr frame_;
    SwsPtr sws_;
    bool draining_ = false;

    // Keyframe sampling.
    bool planning_ = false;
    FrameSampler sampler_{1.0};  // the marks, and which are served
    double last_taken_ = -1.0;
    std::size_t frames_planned_ = 0;  // frames (packets) in the groups planned so far
    PacketPtr lookahead_;             // the keyframe that starts the next group
    struct Queued {
        PacketPtr packet;
        bool alone;  // decoded alone: nothing is decoded from it
    };
    std::deque<Queued> to_send_;
    std::deque<PacketPtr> leftover_;
    std::set<std::int64_t> wanted_;  // timestamps of the frames taken, still to come out of the decoder
    std::map<std::int64_t, std::size_t> frame_index_;
    std::size_t frames_demuxed_ = 0;
    std::size_t frames_decoded_ = 0;
    double last_time_ = -1.0;
};

class FfmpegDecoder : public VideoDecoder {
public:
    std::string_view name() const override { return "ffmpeg"; }
    bool sniff(std::string_view h) const override {
        return has_at(h, 4, "ftyp") ||                                   // ISO base media: mp4, m4v, mov
               has_at(h, 0, std::string_view("\x1A\x45\xDF\xA3", 4)) ||  // Matroska: mkv, webm
               (has_at(h, 0, "RIFF") && has_at(h, 8, "AVI "));           // AVI
    }
    std::unique_ptr<VideoStream> open(const std::string& path) const override { return std::make_unique<FfmpegStream>(path, nullptr); }
};

}  // namespace

const VideoDecoder& ffmpeg_video_decoder() {
    static const FfmpegDecoder decoder;
    return decoder;
}

std::unique_ptr<VideoStream> open_ffmpeg_video_in_memory(std::string bytes, const std::string& name) {
    auto memory = std::make_unique<MemoryFile>();
    memory->bytes = std::move(bytes);
    return std::make_unique<FfmpegStream>(name, std::move(memory));
}

}  // namespace img2music
