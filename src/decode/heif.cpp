// HEIF stills through libheif: HEIC (HEVC, what iPhones write) and AVIF (AV1). The primary
// image, with the file's transforms (irot rotation, imir mirror, clap crop) applied by libheif;
// its EXIF orientation is not applied on top (the transforms take precedence, and phones
// write both). An embedded thumbnail is decoded instead of the full image when it covers twice
// what the caller needs (kThumbnailMargin): a 12-megapixel HEVC image costs libheif most of a
// second, a thumbnail a few milliseconds. HDR (10/12-bit) images are converted to 8 bits by
// libheif. An nclx colour box (code points, no ICC profile) becomes an ICC profile for the sRGB
// conversion, as an embedded profile is.
#include "decode/color_profile.hpp"
#include "decode/image_codec.hpp"
#include "img2music/error.hpp"

#include <libheif/heif.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <memory>
#include <vector>

namespace img2music {
namespace {

struct ContextFree {
    void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleRelease {
    void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct ImageRelease {
    void operator()(heif_image* i) const { heif_image_release(i); }
};
struct OptionsFree {
    void operator()(heif_decoding_options* o) const { heif_decoding_options_free(o); }
};
using Context = std::unique_ptr<heif_context, ContextFree>;
using Handle = std::unique_ptr<heif_image_handle, HandleRelease>;
using HeifImage = std::unique_ptr<heif_image, ImageRelease>;

void check(const heif_error& e, const std::string& name, const char* what) {
    // libheif's messages can end in a newline: one line, as every per-input error.
    if (e.code != heif_error_Ok)
        throw InputError(name, std::string(what) + ": " + first_line(e.message != nullptr ? e.message : "libheif error"));
}

// The parsed file (boxes only: nothing is decoded yet) and its primary image.
struct Parsed {
    Context context;
    Handle primary;
};

Parsed parse(const std::uint8_t* data, std::size_t size, const std::string& name) {
    Parsed p{Context(heif_context_alloc()), nullptr};
    if (!p.context) throw ResourceError("libheif", "cannot allocate a context");
    check(heif_context_read_from_memory_without_copy(p.context.get(), data, size, nullptr), name, "not a readable HEIF/AVIF file");
    heif_image_handle* primary = nullptr;
    check(heif_context_get_primary_image_handle(p.context.get(), &primary), name, "HEIF/AVIF file without a primary image");
    p.primary.reset(primary);
    return p;
}

// The smallest thumbnail that covers kThumbnailMargin times min_width x min_height as displayed
// and has the primary image's shape (a thumbnail turned differently would be read wrongly).
Handle covering_thumbnail(const heif_image_handle* primary, const DecodeOptions& options) {
    if (options.min_width <= 0 && options.min_height <= 0) return nullptr;
    const int count = heif_image_handle_get_number_of_thumbnails(primary);
    if (count <= 0) return nullptr;
    std::vector<heif_item_id> ids(static_cast<std::size_t>(count));
    heif_image_handle_get_list_of_thumbnail_IDs(primary, ids.data(), count);
    const double aspect = static_cast<double>(heif_image_handle_get_width(primary)) / heif_image_handle_get_height(primary);
    Handle best;
    for (const heif_item_id id : ids) {
        heif_image_handle* thumb = nullptr;
        if (heif_image_handle_get_thumbnail(primary, id, &thumb).code != heif_error_Ok) continue;
        Handle candidate(thumb);
        const int w = heif_image_handle_get_width(thumb);
        const int h = heif_image_handle_get_height(thumb);
        const bool covers = kThumbnailMarginDen * w >= kThumbnailMarginNum * options.min_width &&
                            kThumbnailMarginDen * h >= kThumbnailMarginNum * options.min_height && h > 0;
        const bool same_shape = covers && std::abs(static_cast<double>(w) / h / aspect - 1.0) < 0.02;
        if (same_shape && (!best || w < heif_image_handle_get_width(best.get()))) best = std::move(candidate);
    }
    return best;
}

class HeifCodec : public ImageCodec {
public:
    std::string_view name() const override { return "heif"; }
    bool sniff(std::string_view h) const override {
        if (!has_at(h, 4, "ftyp") || h.size() < 12) return false;
        const std::string_view brand = h.substr(8, 4);
        for (const char* b : {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"}) {
            if (brand == b) return true;
        }
        return false;
    }
    std::pair<std::uint32_t, std::uint32_t> declared_size(const std::uint8_t* data, std::size_t size) const override {
        try {
            return size_of(parse(data, size, "").primary.get());
        } catch (const InputError&) {
            return {0, 0};  // decode() says why
        }
    }
    std::string icc_profile(const std::uint8_t* data, std::size_t size) const override {
        try {
            return profile_of(parse(data, size, "").primary.get());
        } catch (const InputError&) {
            return {};
        }
    }
    cv::Mat decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& options) const override {
        return pixels_of(parse(data, size, name), name, options);
    }
    // The file's boxes read once for the size check, the pixels and the profile.
    Decoded decode_with_profile(const std::uint8_t* data, std::size_t size, const std::string& name,
                                const DecodeOptions& options) const override {
        const Parsed p = parse(data, size, name);
        const auto [w, h] = size_of(p.primary.get());
        if (std::uint64_t{w} * h > static_cast<std::uint64_t>(options.max_pixels))
            throw InputError(name, too_large_reason(w, h, options.max_pixels));
        Decoded out;
        out.pixels = pixels_of(p, name, options);
        out.icc = profile_of(p.primary.get());
        return out;
    }

private:
    static std::pair<std::uint32_t, std::uint32_t> size_of(const heif_image_handle* primary) {
        return {static_cast<std::uint32_t>(std::max(0, heif_image_handle_get_width(primary))),
                static_cast<std::uint32_t>(std::max(0, heif_image_handle_get_height(primary)))};
    }

    // The primary image's colour space as an ICC profile: its own ("prof" or "rICC"), or one
    // built from an nclx box's primaries and transfer (iPhones describe Display P3 that way).
    static std::string profile_of(const heif_image_handle* primary) {
        const heif_color_profile_type type = heif_image_handle_get_color_profile_type(primary);
        if (type == heif_color_profile_type_prof || type == heif_color_profile_type_rICC) {
            std::string icc(heif_image_handle_get_raw_color_profile_size(primary), '\0');
            if (icc.empty() || icc.size() > kMaxIccBytes ||
                heif_image_handle_get_raw_color_profile(primary, icc.data()).code != heif_error_Ok)
                return {};
            return icc;
        }
        if (type != heif_color_profile_type_nclx) return {};
        heif_color_profile_nclx* raw = nullptr;
        // libheif allocates the profile before it checks its code points: on an error it may
        // still hand one back, which is ours to free (found by fuzz_heif).
        const heif_error got = heif_image_handle_get_nclx_color_profile(primary, &raw);
        const std::unique_ptr<heif_color_profile_nclx, void (*)(heif_color_profile_nclx*)> nclx(raw, heif_nclx_color_profile_free);
        if (got.code != heif_error_Ok || !nclx) return {};
        return icc_from_cicp({nclx->color_primary_red_x, nclx->color_primary_red_y, nclx->color_primary_green_x,
                              nclx->color_primary_green_y, nclx->color_primary_blue_x, nclx->color_primary_blue_y,
                              nclx->color_primary_white_x, nclx->color_primary_white_y, static_cast<int>(nclx->transfer_characteristics)});
    }

    // Whether the image's YCbCr uses BT.601's full-range matrix (what phones and heif-enc write;
    // no nclx box means that to libheif too), the one OpenCV's conversion applies.
    static bool bt601_full_range(const heif_image_handle* handle) {
        heif_color_profile_nclx* raw = nullptr;
        const heif_error got = heif_image_handle_get_nclx_color_profile(handle, &raw);  // may hand one back with an error too
        const std::unique_ptr<heif_color_profile_nclx, void (*)(heif_color_profile_nclx*)> nclx(raw, heif_nclx_color_profile_free);
        if (got.code != heif_error_Ok || !nclx) return true;
        const int m = nclx->matrix_coefficients;
        return (m == 2 || m == 5 || m == 6) && nclx->full_range_flag != 0;
    }

    // The factor (2 or more) by which an 8-bit image without alpha can be scaled down and still
    // cover kScaledDecodeMargin times what is asked; 1 otherwise.
    static int reduction(const heif_image_handle* handle, const DecodeOptions& options) {
        if (options.min_width <= 0 || options.min_height <= 0 || heif_image_handle_has_alpha_channel(handle) != 0 ||
            heif_image_handle_get_luma_bits_per_pixel(handle) != 8 || heif_image_handle_get_chroma_bits_per_pixel(handle) != 8)
            return 1;
        const int k = std::min(heif_image_handle_get_width(handle) / (kScaledDecodeMargin * options.min_width),
                               heif_image_handle_get_height(handle) / (kScaledDecodeMargin * options.min_height));
        return std::max(1, k);
    }

    // The decoded planes averaged down by `k` (area) before anything else is done per pixel.
    // libheif (1.15) is asked for no particular layout: asked for one, it converts the decoded
    // 4:2:0 YCbCr to RGB and then to what was asked, two full-size passes of scalar code (a
    // 4:2:0 request made a 12 MP photo 16 % slower than this, docs/performance.md). Left to
    // itself it converts once, to planar RGB; a version that hands back the 4:2:0 planes as
    // decoded has them converted here, on 1/k^2 of the pixels, when their matrix is BT.601 full
    // range. Returns an empty Mat for any other layout or matrix.
    static cv::Mat reduced_pixels(const heif_image_handle* handle, int k, const heif_decoding_options* decoding, const std::string& name) {
        heif_image* decoded = nullptr;
        check(heif_decode_image(handle, &decoded, heif_colorspace_undefined, heif_chroma_undefined, decoding), name,
              "cannot decode HEIF/AVIF image");
        const HeifImage image(decoded);
        const heif_colorspace colorspace = heif_image_get_colorspace(image.get());
        const heif_chroma chroma = heif_image_get_chroma_format(image.get());
        const bool yuv420 = colorspace == heif_colorspace_YCbCr && chroma == heif_chroma_420 && bt601_full_range(handle);
        const bool rgb_planar = colorspace == heif_colorspace_RGB && chroma == heif_chroma_444;
        if (!yuv420 && !rgb_planar) return {};
        // In the order cv::merge makes OpenCV's YCrCb or BGR from.
        const heif_channel channels[3] = {yuv420 ? heif_channel_Y : heif_channel_B, yuv420 ? heif_channel_Cr : heif_channel_G,
                                          yuv420 ? heif_channel_Cb : heif_channel_R};
        const int w = heif_image_get_width(image.get(), channels[0]);
        const int h = heif_image_get_height(image.get(), channels[0]);
        if (w / k <= 0 || h / k <= 0) return {};
        const cv::Size size(w / k, h / k);
        cv::Mat planes[3];
        for (int c = 0; c < 3; ++c) {
            int stride = 0;
            const std::uint8_t* plane = heif_image_get_plane_readonly(image.get(), channels[c], &stride);
            const int pw = heif_image_get_width(image.get(), channels[c]);
            const int ph = heif_image_get_height(image.get(), channels[c]);
            if (plane == nullptr || pw <= 0 || ph <= 0 || heif_image_get_bits_per_pixel_range(image.get(), channels[c]) != 8) return {};
            const cv::Mat full(ph, pw, CV_8UC1, const_cast<std::uint8_t*>(plane), static_cast<std::size_t>(stride));
            cv::resize(full, planes[c], size, 0, 0, cv::INTER_AREA);
        }
        cv::Mat merged;
        cv::merge(planes, 3, merged);
        if (!yuv420) return merged;
        cv::Mat bgr;
        cv::cvtColor(merged, bgr, cv::COLOR_YCrCb2BGR);  // BT.601, full range
        return bgr;
    }

    static cv::Mat pixels_of(const Parsed& p, const std::string& name, const DecodeOptions& options) {
        const Handle thumbnail = covering_thumbnail(p.primary.get(), options);
        const heif_image_handle* chosen = thumbnail ? thumbnail.get() : p.primary.get();
        const bool alpha = heif_image_handle_has_alpha_channel(chosen) != 0;
        const std::unique_ptr<heif_decoding_options, OptionsFree> decoding(heif_decoding_options_alloc());
        if (!decoding) throw ResourceError("libheif", "cannot allocate decoding options");
        decoding->convert_hdr_to_8bit = 1;
        if (const int k = reduction(chosen, options); k >= 2) {
            cv::Mat reduced = reduced_pixels(chosen, k, decoding.get(), name);
            if (!reduced.empty()) return reduced;
        }
        heif_image* decoded = nullptr;
        check(heif_decode_image(chosen, &decoded, heif_colorspace_RGB, alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
                                decoding.get()),
              name, "cannot decode HEIF/AVIF image");
        const HeifImage image(decoded);
        int stride = 0;
        const std::uint8_t* plane = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
        const int w = heif_image_get_width(image.get(), heif_channel_interleaved);
        const int h = heif_image_get_height(image.get(), heif_channel_interleaved);
        if (plane == nullptr || w <= 0 || h <= 0) throw InputError(name, "HEIF/AVIF image decoded to nothing");
        const cv::Mat rgb(h, w, alpha ? CV_8UC4 : CV_8UC3, const_cast<std::uint8_t*>(plane), static_cast<std::size_t>(stride));
        cv::Mat bgr;  // a copy the Mat owns: the heif_image is released on return
        cv::cvtColor(rgb, bgr, alpha ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGB2BGR);
        return bgr;
    }
};

}  // namespace

const ImageCodec& heif_codec() {
    static const HeifCodec codec;
    return codec;
}

}  // namespace img2music
