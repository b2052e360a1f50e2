#include "engine/ela.h"

#include <algorithm>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/errors.h"

namespace synthscope {
namespace {

// The q-th quantile (0..1) of an 8-bit single-channel image, from its histogram.
double quantile8(const cv::Mat& grey8, double q) {
    int hist[256] = {};
    for (int y = 0; y < grey8.rows; ++y) {
        const std::uint8_t* row = grey8.ptr<std::uint8_t>(y);
        for (int x = 0; x < grey8.cols; ++x) ++hist[row[x]];
    }
    const double target = q * double(grey8.total());
    double cumulative = 0;
    for (int v = 0; v < 256; ++v) {
        cumulative += hist[v];
        if (cumulative >= target) return v;
    }
    return 255;
}

}  // namespace

ElaResult errorLevelAnalysis(const cv::Mat& rgb8, int quality) {
    if (rgb8.empty() || rgb8.type() != CV_8UC3) throw badInput("Error level analysis needs a decoded 8-bit colour image.");
    if (quality < 1 || quality > 100) throw badInput("The error level analysis quality must be from 1 to 100.");
    ElaResult r;
    r.quality = quality;
    // OpenCV's encoder is libjpeg with standard tables; the channel order does not matter for a round trip
    // as long as it is the same both ways, but BGR keeps the colour conversion identical to a real save.
    cv::Mat bgr;
    cv::cvtColor(rgb8, bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> jpeg;
    if (!cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality}))
        throw EngineError(ErrorKind::Internal, "The image could not be recompressed for error level analysis.");
    const cv::Mat again = cv::imdecode(jpeg, cv::IMREAD_COLOR);
    if (again.size() != bgr.size())
        throw EngineError(ErrorKind::Internal, "The recompressed image could not be decoded for error level analysis.");
    cv::Mat diffBgr, diff;
    cv::absdiff(bgr, again, diffBgr);
    cv::cvtColor(diffBgr, diff, cv::COLOR_BGR2RGB);

    r.mean = cv::mean(diff.reshape(1))[0];
    std::vector<cv::Mat> channels;
    cv::split(diff, channels);
    cv::Mat perPixelMax = cv::max(cv::max(channels[0], channels[1]), channels[2]);
    double minValue = 0;
    cv::minMaxLoc(perPixelMax, &minValue, &r.max);
    r.p99 = quantile8(perPixelMax, 0.99);
    // Differences are small (a few levels): stretch them for display, the way ELA tools do.
    const double reference = std::max(1.0, quantile8(perPixelMax, 0.995));
    r.displayScale = std::min(50.0, 255.0 / reference);
    diff.convertTo(r.ela, CV_8UC3, r.displayScale);
    return r;
}

}  // namespace synthscope
