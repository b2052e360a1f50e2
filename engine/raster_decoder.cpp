#include "engine/raster_decoder.h"


#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/errors.h"

namespace synthscope {
namespace {

// Swaps the first and third channel of an 8-bit 3-channel image in place. cv::cvtColor would copy:
// it clones its input when asked to work in place, which for a 100-megapixel image is 300 MB more.
void swapRedBlueInPlace(cv::Mat& image) {
    cv::parallel_for_(cv::Range(0, image.rows), [&](const cv::Range& rows) {
        for (int r = rows.start; r < rows.end; ++r) {
            std::uint8_t* p = image.ptr<std::uint8_t>(r);
            for (int c = 0; c < image.cols; ++c, p += 3) std::swap(p[0], p[2]);
        }
    });
}

// Converts whatever the decoder returned (8/16-bit or float, 1-4 channels, BGR order) to 8-bit RGB.
// Takes the decoded image by value: 8-bit colour images (the usual case) are converted in place.
cv::Mat toRgb8(cv::Mat decoded) {
    cv::Mat eight;
    switch (decoded.depth()) {
    case CV_8U: eight = std::move(decoded); break;
    case CV_16U: decoded.convertTo(eight, CV_8U, 1.0 / 257.0); break;
    case CV_32F:
    case CV_64F: decoded.convertTo(eight, CV_8U, 255.0); break;  // float images are taken as [0,1]
    default: decoded.convertTo(eight, CV_8U); break;
    }
    cv::Mat rgb;
    switch (eight.channels()) {
    case 1: cv::cvtColor(eight, rgb, cv::COLOR_GRAY2RGB); break;
    case 2: {  // grey + alpha: alpha is dropped, as PIL's convert('RGB') does
        cv::Mat grey;
        cv::extractChannel(eight, grey, 0);
        cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
        break;
    }
    case 3:
        swapRedBlueInPlace(eight);
        rgb = std::move(eight);
        break;
    case 4: cv::cvtColor(eight, rgb, cv::COLOR_BGRA2RGB); break;
    default: throw badInput("unsupported number of colour channels: " + std::to_string(eight.channels()));
    }
    return rgb;
}

}  // namespace

DecodedPicture decodeRasterInProcess(const std::vector<std::uint8_t>& bytes, const std::string& name, ImageFormat format,
                                     std::int64_t maxPixels, ExifOrientation orientation) {
    if (bytes.empty() || bytes.size() > std::size_t(INT32_MAX))  // cv::imdecode's length is an int
        throw badInput(name + ": the " + imageFormatName(format) + " data could not be decoded (empty, or larger than 2 GB)");
    cv::Mat decoded;
    try {
        // ANYDEPTH|ANYCOLOR keeps 16-bit and grey data; without IGNORE_ORIENTATION the EXIF orientation is applied.
        const int flags = cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR | (orientation == ExifOrientation::Ignore ? cv::IMREAD_IGNORE_ORIENTATION : 0);
        decoded = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data())), flags);
    } catch (const cv::Exception& e) {
        throw badInput(name + ": the " + imageFormatName(format) + " data could not be decoded (" + e.err + ")");
    }
    if (decoded.empty())
        throw badInput(name + ": the " + std::string(imageFormatName(format)) + " data could not be decoded (corrupt or truncated file)");
    if (std::int64_t(decoded.cols) * decoded.rows > maxPixels)  // headers that did not state a size
        throw badInput(name + ": " + megapixelsText(double(decoded.cols) * decoded.rows) + " MP is above the limit of " +
                       megapixelsText(double(maxPixels)) + " MP");
    DecodedPicture picture;
    picture.declared = decoded.size();
    picture.rgb = toRgb8(std::move(decoded));
    return picture;
}

}  // namespace synthscope
