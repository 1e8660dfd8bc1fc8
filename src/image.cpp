#include "img2music/image.hpp"

#include "decode/color_profile.hpp"
#include "decode/image_codec.hpp"
#include "file_util.hpp"
#include "image_impl.hpp"
#include "img2music/error.hpp"
#include "img2music/media.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

namespace img2music {
namespace {

// Any decoded cv::Mat (1-4 channels, 8/16-bit or float) -> 8-bit RGB.
cv::Mat to_rgb8(cv::Mat m, const std::string& name) {
    if (m.depth() == CV_16U) {
        m.convertTo(m, CV_8U, 1.0 / 257.0);
    } else if (m.depth() == CV_32F || m.depth() == CV_64F) {
        m.convertTo(m, CV_8U, 255.0);  // saturating
    } else if (m.depth() != CV_8U) {
        m.convertTo(m, CV_8U);
    }
    cv::Mat rgb;
    switch (m.channels()) {
        case 1: cv::cvtColor(m, rgb, cv::COLOR_GRAY2RGB); break;
        case 3: cv::cvtColor(m, rgb, cv::COLOR_BGR2RGB); break;
        case 4: {
            // Composite over white: transparent regions read as paper, not as black.
            cv::Mat bgra_f;
            m.convertTo(bgra_f, CV_32F, 1.0 / 255.0);
            std::vector<cv::Mat> ch;
            cv::split(bgra_f, ch);
            for (int c = 0; c < 3; ++c) ch[static_cast<std::size_t>(c)] = ch[static_cast<std::size_t>(c)].mul(ch[3]) + (1.0F - ch[3]);
            cv::Mat bgr_f;
            cv::merge(std::vector<cv::Mat>{ch[0], ch[1], ch[2]}, bgr_f);
            cv::Mat bgr;
            bgr_f.convertTo(bgr, CV_8U, 255.0);
            cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
            break;
        }
        default: throw InputError(name, "unsupported image with " + std::to_string(m.channels()) + " channels");
    }
    return rgb;
}

}  // namespace

Image::Image() : impl_(std::make_shared<Impl>()) {}
Image::~Image() = default;
Image::Image(const Image&) = default;
Image& Image::operator=(const Image&) = default;
Image::Image(Image&&) noexcept = default;
Image& Image::operator=(Image&&) noexcept = default;
Image::Image(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

int Image::width() const { return impl_->rgb.cols; }
int Image::height() const { return impl_->rgb.rows; }
bool Image::empty() const { return impl_->rgb.empty(); }

DecodeOptions decode_options_for(const PreprocessSpec& spec) {
    DecodeOptions options;
    if (spec.resize == ResizePolicy::Stretch) {
        options.min_width = spec.input_width;
        options.min_height = spec.input_height;
    } else {
        // The shorter side is scaled to resize_shorter and the result is at least the input.
        const int side = std::max({spec.resize_shorter, spec.input_width, spec.input_height});
        options.min_width = side;
        options.min_height = side;
    }
    return options;
}

Image Image::load(const std::string& path, const DecodeOptions& options) {
    const std::string bytes = read_file_or_throw_input(path);
    return decode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), path, options);
}

Image Image::decode(const std::uint8_t* data, std::size_t size, const std::string& name, const DecodeOptions& options) {
    if (size == 0) throw InputError(name, "empty file");
    const ImageCodec& codec = image_codec_for(std::string_view(reinterpret_cast<const char*>(data), std::min(size, kSniffBytes)));
    const auto [decoded, icc] = codec.decode_with_profile(data, size, name, options);
    if (static_cast<std::int64_t>(decoded.cols) * decoded.rows > options.max_pixels) {
        throw InputError(name, "image too large (" + std::to_string(decoded.cols) + "x" + std::to_string(decoded.rows) + " pixels)");
    }
    auto impl = std::make_shared<Impl>();
    impl->rgb = to_rgb8(decoded, name);
    to_srgb(impl->rgb, icc);
    return Image(std::move(impl));
}

std::string too_large_reason(std::uint64_t width, std::uint64_t height, std::int64_t limit) {
    return "image too large: " + std::to_string(width) + "x" + std::to_string(height) + " pixels (limit " + std::to_string(limit) +
           "), refused before decoding";
}

ImageCodec::Decoded ImageCodec::decode_with_profile(const std::uint8_t* data, std::size_t size, const std::string& name,
                                                    const DecodeOptions& options) const {
    const auto [declared_w, declared_h] = declared_size(data, size);
    if (std::uint64_t{declared_w} * declared_h > static_cast<std::uint64_t>(options.max_pixels))
        throw InputError(name, too_large_reason(declared_w, declared_h, options.max_pixels));
    Decoded out;
    out.pixels = decode(data, size, name, options);
    out.icc = icc_profile(data, size);
    return out;
}

cv::Mat imdecode_or_throw(const std::uint8_t* data, std::size_t size, int flags, const std::string& name) {
    const cv::Mat encoded(1, static_cast<int>(size), CV_8UC1, const_cast<std::uint8_t*>(data));
    cv::Mat decoded;
    try {
        decoded = cv::imdecode(encoded, flags);
    } catch (const cv::Exception& e) {
        const std::string what = e.what();
        if (what.find("CV_IO_MAX_IMAGE_PIXELS") != std::string::npos)
            throw InputError(name, "image too large (over OpenCV's limit of OPENCV_IO_MAX_IMAGE_PIXELS pixels), refused before decoding");
        throw InputError(name, "cannot decode image: " + first_line(e.err));
    }
    if (decoded.empty()) throw InputError(name, "not a supported image, or corrupt");
    return decoded;
}

Image Image::from_rgb(const std::uint8_t* rgb, int width, int height) {
    auto impl = std::make_shared<Impl>();
    impl->rgb = cv::Mat(height, width, CV_8UC3, const_cast<std::uint8_t*>(rgb)).clone();
    return Image(std::move(impl));
}

Image Image::thumbnail(int longest_side) const {
    const cv::Mat& rgb = impl_->rgb;
    const int longest = std::max(rgb.cols, rgb.rows);
    if (rgb.empty() || longest <= longest_side) return *this;
    const double scale = static_cast<double>(longest_side) / longest;
    auto scaled = [scale](int n) { return std::max(1, static_cast<int>(std::lround(n * scale))); };
    cv::Mat small;
    cv::resize(rgb, small, cv::Size(scaled(rgb.cols), scaled(rgb.rows)), 0.0, 0.0, cv::INTER_AREA);
    return ImageAccess::wrap(std::move(small));
}

void set_image_threads(int n) { cv::setNumThreads(n); }

std::string image_backend_version() { return std::string("OpenCV ") + CV_VERSION; }

}  // namespace img2music
