#include "server/server.hpp"

#include "server/bounded_server.hpp"
#include "server/metrics.hpp"
#include "server/params.hpp"
#include "server/web_assets.hpp"

#include "img2music/batcher.hpp"
#include "img2music/error.hpp"
#include "img2music/image.hpp"
#include "img2music/img2music.hpp"
#include "img2music/input_source.hpp"
#include "img2music/media.hpp"
#include "img2music/output_format.hpp"
#include "img2music/output_sink.hpp"
#include "img2music/process_settings.hpp"
#include "img2music/sha256.hpp"
#include "img2music/song_table.hpp"
#include "img2music/va_model.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace img2music::server {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

// The HTTP worker threads: they read requests and decode uploads; most of their time they wait
// on the network or on the model, so there are more of them than cores.
constexpr std::size_t kHttpThreads = 32;
// A form field that is not a file (a parameter) is at most this long.
constexpr std::size_t kMaxFieldBytes = 4096;
// A request's line and headers together, at most (cpp-httplib bounds each line, not their number).
constexpr std::size_t kMaxHeadBytes = 64 * 1024;
// Room for multipart framing (boundaries, part headers, small fields) beyond the upload itself.
constexpr std::size_t kMaxFraming = 64 * 1024;

// When the request this thread is answering was read (for the latency histogram); httplib
// answers each request on one thread, from routing to the logger.
thread_local Clock::time_point request_start{};

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

const char* error_type(int status) {
    switch (status) {
        case 400: return "bad_request";
        case 401: return "unauthorized";
        case 404: return "not_found";
        case 405: return "method_not_allowed";
        case 408: return "request_timeout";
        case 413: return "too_large";
        case 415: return "unsupported_media_type";
        case 422: return "undecodable";
        case 503: return "unavailable";
        default: return status >= 500 ? "internal" : "error";
    }
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    Json j;
    j["error"] = {{"code", status}, {"type", error_type(status)}, {"message", message}};
    res.set_content(dump(j), "application/json");
}

void send_busy(httplib::Response& res, const std::string& message) {
    send_error(res, 503, message);
    res.set_header("Retry-After", "1");
}

// The routes, as the metrics' label (anything else is "other", so the label set stays bounded).
std::string route_of(const httplib::Request& req) {
    static const std::set<std::string> routes = {"/v1/recommend", "/v1/soundtrack", "/v1/health", "/v1/info", "/v1/catalogue", "/metrics"};
    if (routes.count(req.path) != 0) return req.path;
    for (const WebAsset& a : web_assets()) {
        if (req.path == a.path || req.path == "/") return "static";
    }
    return "other";
}

// Routes anyone who can reach the server may use: the page itself (it holds no data and asks
// for the key when the API answers 401) and the health check.
bool needs_key(const httplib::Request& req) {
    if (req.method == "OPTIONS") return false;
    if (req.path == "/v1/health") return false;
    return req.path.rfind("/v1/", 0) == 0 || req.path == "/metrics";
}

std::string basename_of(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::vector<std::pair<std::string, std::string>> query_params(const httplib::Request& req) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : req.params) out.emplace_back(k, v);
    return out;
}

// A temporary file for an upload, removed when this goes out of scope, whatever happens.
class TempFile {
public:
    TempFile() {
        const char* dir = std::getenv("TMPDIR");
        std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/img2music-upload-XXXXXX";
        fd_ = ::mkstemp(pattern.data());
        if (fd_ < 0) throw ResourceError(pattern, std::strerror(errno));
        path_ = pattern;
    }
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    bool write(const char* data, std::size_t size) {
        while (size > 0) {
            const ssize_t n = ::write(fd_, data, size);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            data += n;
            size -= static_cast<std::size_t>(n);
        }
        return true;
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    const std::string& path() const { return path_; }

private:
    int fd_ = -1;
    std::string path_;
};

// Whether GIF bytes hold an animation (more than one frame), as media_kind_of_file counts them
// for the command line: a GIF upload is written to a temporary file for it (GIFs are rare).
bool is_animation(const std::string& gif) {
    TempFile file;
    if (!file.write(gif.data(), gif.size())) throw ResourceError(file.path(), "cannot write the upload");
    file.close();
    return media_kind_of_file(file.path()) == MediaKind::Video;
}

// The engine's records of one request as `--format json` prints them, each under the name
// the client gave its upload.
class JsonRecords : public RecordSink {
public:
    JsonRecords(const Engine& engine, bool explain, std::string name) : name_(std::move(name)) {
        RecordWriterOptions options;
        options.explain = explain;
        options.emotions = engine.model().metadata().emotions;
        writer_ = make_record_writer(OutputFormat::Json, text_, engine.songs(), options);
    }
    void record(const Record& r, const Image& /*thumbnail*/) override { add(r); }
    void add(const Record& r) {
        Record named = r;
        if (!name_.empty()) named.input = name_;
        if (r.error) {
            ++failures_;
            if (!first_error_) first_error_ = *r.error;
        }
        ++count_;
        writer_->write(named);
    }
    std::string finish() {
        writer_->finish();
        return text_.str();
    }
    std::size_t count() const { return count_; }
    std::size_t failures() const { return failures_; }
    const std::optional<std::string>& first_error() const { return first_error_; }

private:
    std::string name_;
    StringSink text_;
    std::unique_ptr<RecordWriter> writer_;
    std::size_t count_ = 0;
    std::size_t failures_ = 0;
    std::optional<std::string> first_error_;
};

// One video on disk, named by its path, as the engine's only input.
class OneInput : public InputSource {
public:
    explicit OneInput(Input input) : input_(std::move(input)) {}
    std::optional<Input> next() override {
        std::optional<Input> out = std::move(input_);
        input_.reset();
        return out;
    }

private:
    std::optional<Input> input_;
};

class Service {
public:
    Service(const Engine& engine, const Request& defaults, const ServerConfig& config, std::size_t batch_size)
        : engine_(engine),
          defaults_(defaults),
          config_(config),
          metrics_(batch_size),
          batcher_(engine.model(), batcher_options(batch_size)) {
        info_ = make_info(batch_size);
        catalogue_ = make_catalogue();
    }

    void install(httplib::Server& http) {
        http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            request_start = Clock::now();
            add_cors(res);
            if (!config_.api_key.empty() && needs_key(req) && !authorised(req)) {
                send_error(res, 401, "this server needs an API key: send the header 'Authorization: Bearer KEY'");
                res.set_header("WWW-Authenticate", "Bearer");
                res.set_header("Connection", "close");  // the body, if any, stays unread
                return httplib::Server::HandlerResponse::Handled;
            }
            return httplib::Server::HandlerResponse::Unhandled;
        });
        http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return;  // a handler's own JSON error
            switch (res.status) {
                case 404: send_error(res, 404, "no such route: " + req.method + " " + req.path); break;
                case 413: send_error(res, 413, "the request body is larger than this server accepts"); break;
                default: send_error(res, res.status, "HTTP " + std::to_string(res.status) + " for " + req.method + " " + req.path); break;
            }
        });
        http.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr e) {
            std::string what = "unknown exception";
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                what = x.what();
            } catch (...) {
            }
            log("internal error on " + req.method + " " + req.path + ": " + first_line(what));
            send_error(res, 500, "internal error");
        });
        http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            const double seconds =
                request_start == Clock::time_point{} ? 0.0 : std::chrono::duration<double>(Clock::now() - request_start).count();
            request_start = Clock::time_point{};
            metrics_.request(route_of(req), res.status, seconds);
        });

        http.Get("/v1/health",
                 [](const httplib::Request&, httplib::Response& res) { res.set_content("{\"status\":\"ok\"}", "application/json"); });
        http.Get("/v1/info", [this](const httplib::Request&, httplib::Response& res) { res.set_content(info_, "application/json"); });
        http.Get("/v1/catalogue",
                 [this](const httplib::Request&, httplib::Response& res) { res.set_content(catalogue_, "application/json"); });
        http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(metrics_.render(batcher_.queued()), "text/plain; version=0.0.4; charset=utf-8");
        });
        http.Post("/v1/recommend", [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
            recommend(req, res, reader);
        });
        http.Post("/v1/soundtrack", [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
            soundtrack(req, res, reader);
        });
        http.Options(R"(/v1/.*)", [this](const httplib::Request&, httplib::Response& res) {
            if (config_.cors_origin.empty()) {
                send_error(res, 405, "cross-origin requests are not enabled on this server (see --cors-origin)");
                return;
            }
            res.status = 204;
            res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            res.set_header("Access-Control-Max-Age", "600");
        });
        for (const WebAsset& asset : web_assets()) {
            const std::string path = asset.path;
            auto serve_asset = [&asset](const httplib::Request&, httplib::Response& res) {
                res.set_content(reinterpret_cast<const char*>(asset.data), asset.size, asset.content_type);
                res.set_header("X-Content-Type-Options", "nosniff");
                res.set_header("Content-Security-Policy",
                               "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
                res.set_header("Referrer-Policy", "no-referrer");
            };
            // Patterns are regular expressions: the asset's path, with its dots escaped.
            std::string pattern;
            for (const char c : path) pattern += c == '.' ? std::string("\\.") : std::string(1, c);
            http.Get(pattern, serve_asset);
            if (path == "/index.html") http.Get("/", serve_asset);
        }
    }

private:
    BatcherOptions batcher_options(std::size_t batch_size) {
        BatcherOptions o;
        o.batch_size = batch_size;
        o.max_wait = std::chrono::milliseconds(config_.batch_wait_ms);
        o.max_queue = config_.max_queue;
        o.on_batch = [this](std::size_t n) { metrics_.batch(n); };
        // As the CLI's pipeline: two lanes on two or more cores, so that under load two
        // one-threaded passes run side by side; a lone request still gets every thread.
        o.threads = resolve_threads(engine_.config().threads);
        o.lanes = static_cast<std::size_t>(default_model_lanes(o.threads));
        return o;
    }

    void log(const std::string& line) const {
        if (config_.log) config_.log(line);
    }

    bool authorised(const httplib::Request& req) const {
        const std::string header = req.get_header_value("Authorization");
        const std::string prefix = "Bearer ";
        if (header.size() < prefix.size() || header.compare(0, prefix.size(), prefix) != 0) return false;
        return same_secret(header.substr(prefix.size()), config_.api_key);
    }

    void add_cors(httplib::Response& res) const {
        if (config_.cors_origin.empty()) return;
        res.set_header("Access-Control-Allow-Origin", config_.cors_origin);
        res.set_header("Vary", "Origin");
    }

    // The request's parameters as a Request checked against the engine; answers 400 and returns
    // nullopt when they cannot be used.
    std::optional<PreparedRequest> prepare(const std::vector<std::pair<std::string, std::string>>& params, ParamSet set,
                                           httplib::Response& res) const {
        try {
            return engine_.prepare(request_from_params(params, defaults_, set));
        } catch (const ParamError& e) {
            send_error(res, 400, e.what());
        } catch (const RequestError& e) {
            send_error(res, 400, std::string("parameter ") + param_of(e.field()) + " " + e.value() + ": " + e.reason());
        }
        return std::nullopt;
    }

    struct Upload {
        std::string name;
        const std::string* bytes = nullptr;
        int status = 200;  // 415 or 422 once it failed
        std::optional<std::string> error;
    };

    // A Content-Length over the upload limit: answered 413 before reading any of it.
    bool declares_too_much(const httplib::Request& req) const {
        return req.has_header("Content-Length") &&
               req.get_header_value<std::uint64_t>("Content-Length") > config_.max_upload_mb * 1024 * 1024 + kMaxFraming;
    }

    // One part of a request body: a multipart part, or the whole body (name "").
    struct Part {
        std::string name;
        std::string filename;
        std::string content;
    };

    // Reads the body into `parts` within the upload size and the request time; returns 0, or
    // the status it failed with (408, 413, or 400 for a body that does not parse).
    int read_parts(const httplib::Request& req, const httplib::ContentReader& reader, std::vector<Part>& parts) const {
        const std::size_t max_bytes = config_.max_upload_mb * 1024 * 1024 + kMaxFraming;
        const auto deadline = Clock::now() + std::chrono::seconds(config_.request_timeout_s);
        std::size_t total = 0;
        int failure = 0;
        auto append = [&](const char* data, std::size_t size) {
            if (Clock::now() > deadline)
                failure = 408;
            else if ((total += size) > max_bytes)
                failure = 413;
            else
                parts.back().content.append(data, size);
            return failure == 0;
        };
        bool ok = false;
        if (req.is_multipart_form_data()) {
            ok = reader(
                [&](const httplib::MultipartFormData& part) {
                    parts.push_back(Part{part.name, part.filename, {}});
                    return true;
                },
                append);
        } else {
            parts.push_back(Part{});
            ok = reader(append);
        }
        return failure != 0 ? failure : ok ? 0 : 400;
    }

    void recommend(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        std::vector<std::pair<std::string, std::string>> params = query_params(req);
        const std::string content_type = req.get_header_value("Content-Type");
        const bool multipart = req.is_multipart_form_data();
        const bool form = content_type.rfind("application/x-www-form-urlencoded", 0) == 0;
        if (!multipart && !form && !content_type.empty() && content_type.rfind("image/", 0) != 0) {
            res.set_header("Connection", "close");  // the body stays unread
            return send_error(res, 415,
                              "send images as multipart/form-data (field 'image') or one image as the body with Content-Type image/*");
        }
        std::vector<Part> parts;
        if (declares_too_much(req)) {
            res.set_header("Connection", "close");
            return send_error(res, 413, "the request body is larger than " + std::to_string(config_.max_upload_mb) + " MB");
        }
        if (const int failure = read_parts(req, reader, parts); failure != 0) {
            res.set_header("Connection", "close");
            if (failure == 408)
                return send_error(res, 408, "the request took longer than " + std::to_string(config_.request_timeout_s) + " s");
            if (failure == 413)
                return send_error(res, 413, "the request body is larger than " + std::to_string(config_.max_upload_mb) + " MB");
            return send_error(res, 400, "the request body could not be read");
        }
        const Clock::time_point read_at = Clock::now();
        std::vector<Upload> uploads;
        if (multipart) {
            for (const Part& part : parts) {
                if (part.name == "image") {
                    uploads.push_back(Upload{part.filename.empty() ? "image" : part.filename, &part.content, 200, std::nullopt});
                } else if (!part.filename.empty()) {
                    return send_error(res, 400, "unexpected file field '" + part.name + "' (images go in the field 'image')");
                } else if (part.content.size() > kMaxFieldBytes) {
                    return send_error(res, 400, "parameter " + part.name + ": longer than " + std::to_string(kMaxFieldBytes) + " bytes");
                } else {
                    params.emplace_back(part.name, part.content);
                }
            }
        } else if (form) {
            httplib::Params fields;
            httplib::detail::parse_query_text(parts[0].content, fields);
            for (const auto& [k, v] : fields) params.emplace_back(k, v);
        } else if (!parts[0].content.empty() || !content_type.empty()) {
            uploads.push_back(Upload{"image", &parts[0].content, 200, std::nullopt});
        }
        std::optional<PreparedRequest> prepared = prepare(params, ParamSet::Image, res);
        if (!prepared) return;
        if (uploads.empty()) return send_error(res, 400, "no image: send the multipart/form-data field 'image', or an image as the body");
        if (uploads.size() > config_.max_queue)
            return send_error(
                res, 400,
                std::to_string(uploads.size()) + " images in one request; this server takes at most " + std::to_string(config_.max_queue));
        if (batcher_.queued() + uploads.size() > config_.max_queue)
            return send_busy(res, "the server is busy (its queue is full); try again");

        // Decode on this thread; only images that decode go to the model. The batcher is told
        // they are coming, so that a forward pass about to start waits for them (not for nothing).
        Batcher::Announcement coming = batcher_.announce(uploads.size());
        const PreprocessSpec& spec = engine_.model().metadata().preprocess;
        DecodeOptions decode_options = decode_options_for(spec);  // shrink-on-load, as the CLI's pipeline
        decode_options.max_pixels = config_.max_pixels;
        std::vector<std::vector<float>> tensors;
        std::vector<std::size_t> decoded;
        for (std::size_t i = 0; i < uploads.size(); ++i) {
            Upload& u = uploads[i];
            const std::string& bytes = *u.bytes;
            const std::string_view head(bytes.data(), std::min(bytes.size(), kSniffBytes));
            if (media_kind(u.name, head) != MediaKind::Image) {
                u.status = 415;
                u.error = media_kind(u.name, head) == MediaKind::Video ? "is a video, not an image (POST videos to /v1/soundtrack)"
                                                                       : "is not an image img2music can read";
                continue;
            }
            if (sniff_format(head) == "gif" && is_animation(bytes)) {
                u.status = 415;
                u.error =
                    "is an animated GIF, which img2music reads like a short video: POST it to /v1/soundtrack (field 'video') "
                    "for the command line's records";
                continue;
            }
            try {
                const Image image =
                    Image::decode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), u.name, decode_options);
                std::vector<float> t(spec.tensor_size());
                preprocess(image, spec, t.data());
                tensors.push_back(std::move(t));
                decoded.push_back(i);
            } catch (const InputError& e) {
                u.status = 422;
                u.error = e.reason();
            }
        }
        if (uploads.size() == 1 && uploads[0].error) return send_error(res, uploads[0].status, uploads[0].name + ": " + *uploads[0].error);

        const Clock::time_point decoded_at = Clock::now();
        std::vector<std::future<BatchResult>> futures;
        try {
            futures = batcher_.submit(std::move(tensors), &coming);
        } catch (const QueueFull&) {
            return send_busy(res, "the server is busy (its queue is full); try again");
        }
        std::vector<std::optional<Prediction>> predictions(uploads.size());
        std::chrono::microseconds queued{0};
        std::chrono::microseconds forward{0};
        for (std::size_t k = 0; k < futures.size(); ++k) {
            BatchResult result = futures[k].get();  // an error of the model itself reaches the exception handler
            predictions[decoded[k]] = std::move(result.prediction);
            queued = std::max(queued, result.queued);
            forward = std::max(forward, result.forward);
        }
        const Clock::time_point predicted_at = Clock::now();

        JsonRecords out(engine_, prepared->request().explain, "");
        for (std::size_t i = 0; i < uploads.size(); ++i) {
            if (predictions[i]) {
                out.add(prepared->record(uploads[i].name, *predictions[i]));
                continue;
            }
            Record r;
            r.input = uploads[i].name;
            r.error = uploads[i].error ? *uploads[i].error : std::string("the model produced a non-finite value");
            out.add(r);
        }
        res.set_content(out.finish(), "application/json");
        // Where the time went, for clients and benchmarks (the W3C Server-Timing header, in ms).
        const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
        char timing[256];
        std::snprintf(timing, sizeof timing,
                      "read;dur=%.2f, decode;dur=%.2f, queue;dur=%.2f, model;dur=%.2f, songs;dur=%.2f, total;dur=%.2f",
                      ms(read_at - request_start), ms(decoded_at - read_at), ms(queued), ms(forward), ms(Clock::now() - predicted_at),
                      ms(Clock::now() - request_start));
        res.set_header("Server-Timing", timing);
    }

    void soundtrack(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        res.set_header("Connection", "close");  // an answer before the whole body is read ends the connection
        std::unique_lock<std::mutex> one_video(video_mutex_, std::try_to_lock);
        if (!one_video.owns_lock()) return send_busy(res, "the server is reading another video; try again");
        const std::string content_type = req.get_header_value("Content-Type");
        const bool multipart = req.is_multipart_form_data();
        // An animated GIF is read like a short video (README: GIF), so it may come as image/gif.
        if (!multipart && content_type.rfind("video/", 0) != 0 && content_type.rfind("application/octet-stream", 0) != 0 &&
            content_type.rfind("image/gif", 0) != 0)
            return send_error(res, 415,
                              "send a video as multipart/form-data (field 'video') or as the body with Content-Type video/* "
                              "(image/gif for an animated GIF)");

        const std::size_t max_bytes = config_.max_upload_mb * 1024 * 1024;
        if (declares_too_much(req))
            return send_error(res, 413, "the video is larger than " + std::to_string(config_.max_upload_mb) + " MB");
        TempFile file;
        const auto deadline = Clock::now() + std::chrono::seconds(config_.request_timeout_s);
        std::size_t written = 0;
        int failure = 0;  // the status the upload failed with
        auto to_file = [&](const char* data, std::size_t size) {
            if (Clock::now() > deadline)
                failure = 408;
            else if ((written += size) > max_bytes)
                failure = 413;
            else if (!file.write(data, size))
                failure = 500;
            return failure == 0;
        };
        std::vector<std::pair<std::string, std::string>> params = query_params(req);
        std::string name = "video";
        bool ok = false;
        std::size_t videos = 0;
        if (multipart) {
            std::string field;
            bool is_video = false;
            ok = reader(
                [&](const httplib::MultipartFormData& part) {
                    is_video = part.name == "video";
                    field = part.name;
                    if (is_video) {
                        if (++videos > 1) failure = 400;
                        if (!part.filename.empty()) name = part.filename;
                    } else {
                        if (!part.filename.empty()) failure = 400;
                        params.emplace_back(part.name, "");
                    }
                    return failure == 0;
                },
                [&](const char* data, std::size_t size) {
                    if (is_video) return to_file(data, size);
                    std::string& value = params.back().second;
                    if (value.size() + size > kMaxFieldBytes)
                        failure = 400;
                    else
                        value.append(data, size);
                    return failure == 0;
                });
        } else {
            videos = 1;
            ok = reader(to_file);
        }
        file.close();
        if (failure == 408) return send_error(res, 408, "the upload took longer than " + std::to_string(config_.request_timeout_s) + " s");
        if (failure == 413) return send_error(res, 413, "the video is larger than " + std::to_string(config_.max_upload_mb) + " MB");
        if (failure == 500) throw ResourceError(file.path(), "cannot write the upload");
        if (failure == 400) return send_error(res, 400, "one file field 'video' and plain parameters, nothing else");
        if (!ok) return send_error(res, 400, "the upload could not be read");
        if (videos == 0) return send_error(res, 400, "no video: send the multipart/form-data field 'video', or a video as the body");

        std::optional<PreparedRequest> prepared = prepare(params, ParamSet::Video, res);
        if (!prepared) return;
        const MediaKind kind = media_kind_of_file(file.path());
        if (kind != MediaKind::Video)
            return send_error(
                res, 415,
                name + (kind == MediaKind::Image ? ": is an image (POST images to /v1/recommend)" : ": is not a video img2music can read"));
        Input input(file.path());
        input.kind = MediaKind::Video;
        OneInput inputs(std::move(input));
        JsonRecords out(engine_, prepared->request().explain, name);
        CancelToken cancel;  // a stopping server still answers the requests it has
        engine_.run(prepared->request(), inputs, out, cancel);
        if (out.count() == 1 && out.failures() == 1) return send_error(res, 422, name + ": " + *out.first_error());
        res.set_content(out.finish(), "application/json");
    }

    std::string make_info(std::size_t batch_size) const {
        const ModelMetadata& m = engine_.model().metadata();
        Json info;
        info["version"] = version();
        info["backends"] = {{"inference", inference_backend_version()}, {"image", image_backend_version()}};
        Json model;
        model["file"] = basename_of(engine_.config().model);
        model["sha256"] = sha256_file_hex(engine_.config().model);
        model["name"] = m.name;
        model["arch"] = m.arch;
        model["input"] = {{"width", m.preprocess.input_width}, {"height", m.preprocess.input_height}};
        model["emotions"] = m.emotions;
        model["precision"] = precision_names().name(engine_.model().precision());
        model["provenance"] = Json::parse(m.provenance_json, nullptr, false);
        model["metrics"] = Json::parse(m.metrics_json, nullptr, false);
        info["model"] = model;
        info["songs"] = {{"file", basename_of(engine_.config().songs)},
                         {"sha256", sha256_file_hex(engine_.config().songs)},
                         {"count", engine_.songs().size()}};
        info["server"] = {{"batch_size", batch_size},
                          {"batch_wait_ms", config_.batch_wait_ms},
                          {"max_queue", config_.max_queue},
                          {"max_upload_mb", config_.max_upload_mb},
                          {"max_pixels", config_.max_pixels},
                          {"align", align_mode_names().name(defaults_.align)},
                          {"top", defaults_.top_k}};
        return dump(info);
    }

    // The catalogue for the page's plot and filters: the songs' density over the valence-arousal
    // plane (rows from low to high arousal), and the genres and years there are to choose from.
    std::string make_catalogue() const {
        constexpr int kBins = 24;
        std::vector<std::vector<int>> density(kBins, std::vector<int>(kBins, 0));
        std::map<std::string, std::size_t> genres;
        std::optional<int> first_year;
        std::optional<int> last_year;
        for (const Song& s : engine_.songs().songs()) {
            const auto bin = [](float v) { return std::clamp(static_cast<int>(v * kBins), 0, kBins - 1); };
            ++density[static_cast<std::size_t>(bin(s.va.arousal))][static_cast<std::size_t>(bin(s.va.valence))];
            if (!s.genre.empty()) ++genres[s.genre];
            if (s.year) {
                first_year = std::min(first_year.value_or(*s.year), *s.year);
                last_year = std::max(last_year.value_or(*s.year), *s.year);
            }
        }
        Json j;
        j["bins"] = kBins;
        j["density"] = density;
        j["songs"] = engine_.songs().size();
        j["genres"] = genres;
        j["years"] = first_year ? Json::array({*first_year, *last_year}) : Json::array();
        return dump(j);
    }

    const Engine& engine_;
    const Request& defaults_;
    const ServerConfig& config_;
    Metrics metrics_;
    Batcher batcher_;
    std::mutex video_mutex_;  // one video at a time: a video is long work for every core
    std::string info_;
    std::string catalogue_;
};

// SIGINT and SIGTERM are written to a pipe that a thread reads: that thread may call
// httplib's stop(), which a signal handler may not.
int stop_pipe[2] = {-1, -1};

void on_stop_signal(int signal) {
    const char c = static_cast<char>(signal);
    [[maybe_unused]] const ssize_t n = ::write(stop_pipe[1], &c, 1);
}

}  // namespace

bool is_loopback(const std::string& host) {
    // Literal addresses only (and "localhost"): a name like "127.example.org" may resolve anywhere.
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
    return host == "localhost";
}

bool same_secret(const std::string& a, const std::string& b) {
    // Every byte of the longer string is looked at whatever the contents, so the time depends
    // only on the lengths.
    const std::size_t n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff = static_cast<unsigned char>(diff | (x ^ y));
    }
    return diff == 0;
}

int serve(const EngineConfig& engine_config, const Request& defaults, const ServerConfig& config) {
    auto log = [&config](const std::string& line) {
        if (config.log) config.log(line);
    };
    if (!is_loopback(config.host) && config.api_key.empty()) {
        log("serve: refusing to listen on " + config.host +
            " without an API key: anyone who can reach it could use it (give --api-key or IMG2MUSIC_API_KEY, or listen on 127.0.0.1)");
        return 2;
    }
    configure_process(engine_config.threads);  // this process is the server's: it owns the settings
    // Loaded on a thread of its own that then ends. The load's probe is a forward pass, and
    // libgomp gives each thread that starts one its own team of worker threads; loaded here, the
    // main thread's team would live on beside the inference thread's, and with more OpenMP
    // threads than cores libgomp throttles its spinning between parallel regions, so every
    // layer of a forward pass waits for sleeping workers (28 ms a pass instead of 14, measured).
    // A thread that ends takes its team with it.
    const Engine engine = [&engine_config] {
        std::optional<Engine> loaded;
        std::exception_ptr error;
        std::thread([&] {
            try {
                loaded.emplace(Engine::load(engine_config));
            } catch (...) {
                error = std::current_exception();
            }
        }).join();
        if (error) std::rethrow_exception(error);
        return std::move(*loaded);
    }();
    engine.check(defaults);
    const PreprocessSpec& input = engine.model().metadata().preprocess;
    const std::size_t batch_size =
        engine_config.batch_size > 0 ? engine_config.batch_size : default_batch_size(input.input_height, input.input_width);

    BoundedServer http(kMaxHeadBytes);
    http.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
    http.set_payload_max_length(config.max_upload_mb * 1024 * 1024 + kMaxFraming);
    http.set_read_timeout(10, 0);
    http.set_write_timeout(10, 0);
    http.set_keep_alive_timeout(5);
    http.set_keep_alive_max_count(1000);
    http.set_tcp_nodelay(true);
    Service service(engine, defaults, config, batch_size);
    service.install(http);

    int port = config.port;
    if (port == 0) {
        port = http.bind_to_any_port(config.host);
        if (port < 0) port = 0;
    } else if (!http.bind_to_port(config.host, port)) {
        port = 0;
    }
    if (port == 0) {
        log("serve: cannot listen on " + config.host + ":" + std::to_string(config.port) + " (in use, or not an address of this machine)");
        return 2;
    }

    if (::pipe2(stop_pipe, O_CLOEXEC) != 0) throw ResourceError("serve", std::string("cannot create a pipe: ") + std::strerror(errno));
    struct sigaction stop {};
    stop.sa_handler = on_stop_signal;
    sigemptyset(&stop.sa_mask);
    stop.sa_flags = SA_RESTART;
    struct sigaction old_int {};
    struct sigaction old_term {};
    ::sigaction(SIGINT, &stop, &old_int);
    ::sigaction(SIGTERM, &stop, &old_term);
    std::thread stopper([&http, &log] {
        char c = 0;
        ssize_t n = 0;
        do {
            n = ::read(stop_pipe[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        if (c != 0) log("serve: stopping: answering the requests in flight");
        http.stop();
    });

    const std::string shown =
        config.host.find(':') != std::string::npos && config.host.front() != '[' ? "[" + config.host + "]" : config.host;
    log("serve: listening on http://" + shown + ":" + std::to_string(port) + " (" + std::to_string(engine.songs().size()) +
        " songs; Ctrl-C stops)");
    http.listen_after_bind();
    // listen_after_bind returns once stopped, its worker threads joined: every request read has
    // been answered. Wake the stopper if the server ended by itself.
    const char zero = 0;
    [[maybe_unused]] const ssize_t n = ::write(stop_pipe[1], &zero, 1);
    stopper.join();
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
    ::close(stop_pipe[0]);
    ::close(stop_pipe[1]);
    log("serve: stopped");
    return 0;
}

}  // namespace img2music::server
