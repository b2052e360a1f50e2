#include "engine/residual.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "engine/errors.h"

namespace synthscope {
namespace {

// One level of the orthonormal 2-D Haar transform of an even-sized single-channel float image:
// returns [LL LH; HL HH] quadrants in one matrix of the same size.
cv::Mat haarForward(const cv::Mat& x) {
    const int h = x.rows / 2, w = x.cols / 2;
    cv::Mat out(x.size(), CV_32F);
    for (int r = 0; r < h; ++r) {
        const float* a = x.ptr<float>(2 * r);
        const float* b = x.ptr<float>(2 * r + 1);
        for (int c = 0; c < w; ++c) {
            const float p = a[2 * c], q = a[2 * c + 1], s = b[2 * c], t = b[2 * c + 1];
            out.at<float>(r, c) = (p + q + s + t) * 0.5f;
            out.at<float>(r, c + w) = (p - q + s - t) * 0.5f;
            out.at<float>(r + h, c) = (p + q - s - t) * 0.5f;
            out.at<float>(r + h, c + w) = (p - q - s + t) * 0.5f;
        }
    }
    return out;
}

cv::Mat haarInverse(const cv::Mat& y) {
    const int h = y.rows / 2, w = y.cols / 2;
    cv::Mat out(y.size(), CV_32F);
    for (int r = 0; r < h; ++r)
        for (int c = 0; c < w; ++c) {
            const float ll = y.at<float>(r, c), lh = y.at<float>(r, c + w), hl = y.at<float>(r + h, c), hh = y.at<float>(r + h, c + w);
            out.at<float>(2 * r, 2 * c) = (ll + lh + hl + hh) * 0.5f;
            out.at<float>(2 * r, 2 * c + 1) = (ll - lh + hl - hh) * 0.5f;
            out.at<float>(2 * r + 1, 2 * c) = (ll + lh - hl - hh) * 0.5f;
            out.at<float>(2 * r + 1, 2 * c + 1) = (ll - lh - hl + hh) * 0.5f;
        }
    return out;
}

void softThreshold(cv::Mat band, float t) {
    band.forEach<float>([t](float& v, const int*) { v = v > t ? v - t : (v < -t ? v + t : 0.f); });
}

// Donoho's estimate of the noise level from the finest diagonal band: median(|HH|) / 0.6745.
float noiseSigma(const cv::Mat& hh) {
    std::vector<float> values(hh.begin<float>(), hh.end<float>());
    for (float& v : values) v = std::abs(v);
    if (values.empty()) return 0.f;
    std::nth_element(values.begin(), values.begin() + long(values.size() / 2), values.end());
    return values[values.size() / 2] / 0.6745f;
}

// The noise level of an image (CV_8UC3) in grey levels, the mean over its channels of Donoho's
// estimate; 0 for an image too small to tell.
float estimateNoiseLevel(const cv::Mat& rgb8) {
    if (rgb8.rows < 2 || rgb8.cols < 2) return 0.f;
    cv::Mat x;
    rgb8(cv::Rect(0, 0, rgb8.cols / 2 * 2, rgb8.rows / 2 * 2)).convertTo(x, CV_32FC3);
    std::vector<cv::Mat> channels;
    cv::split(x, channels);
    float sum = 0.f;
    for (const cv::Mat& c : channels) {
        const cv::Mat bands = haarForward(c);
        sum += noiseSigma(bands(cv::Rect(c.cols / 2, c.rows / 2, c.cols / 2, c.rows / 2)));
    }
    return sum / float(channels.size());
}

// Pads a channel to a multiple of 4 by reflection (crop back afterwards).
cv::Mat padToFour(const cv::Mat& channel) {
    cv::Mat x;
    cv::copyMakeBorder(channel, x, 0, (4 - channel.rows % 4) % 4, 0, (4 - channel.cols % 4) % 4, cv::BORDER_REFLECT_101);
    return x;
}

// The universal threshold sigma*sqrt(2 log N) of a channel. sigma from the finest diagonal Haar band
// taken at every position (not on the decimated grid), so that it does not depend on the grid's phase.
float universalThreshold(const cv::Mat& channel) {
    if (channel.rows < 2 || channel.cols < 2) return 0.f;
    const cv::Mat a = channel(cv::Rect(0, 0, channel.cols - 1, channel.rows - 1)), b = channel(cv::Rect(1, 0, channel.cols - 1, channel.rows - 1)),
                  c = channel(cv::Rect(0, 1, channel.cols - 1, channel.rows - 1)), d = channel(cv::Rect(1, 1, channel.cols - 1, channel.rows - 1));
    const cv::Mat hh = (a - b - c + d) * 0.5;
    return noiseSigma(hh) * std::sqrt(2.f * std::log(float(channel.total())));
}

// Two-level Haar soft-threshold denoising with threshold t.
cv::Mat waveletDenoise(const cv::Mat& channel, float t) {
    const cv::Mat x = padToFour(channel);
    cv::Mat level1 = haarForward(x);
    const int h1 = x.rows / 2, w1 = x.cols / 2;
    cv::Mat ll1 = level1(cv::Rect(0, 0, w1, h1));
    cv::Mat level2 = haarForward(ll1.clone());
    const int h2 = h1 / 2, w2 = w1 / 2;
    for (const cv::Rect& band : {cv::Rect(w2, 0, w2, h2), cv::Rect(0, h2, w2, h2), cv::Rect(w2, h2, w2, h2)}) softThreshold(level2(band), t);
    haarInverse(level2).copyTo(ll1);
    for (const cv::Rect& band : {cv::Rect(w1, 0, w1, h1), cv::Rect(0, h1, w1, h1), cv::Rect(w1, h1, w1, h1)}) softThreshold(level1(band), t);
    return haarInverse(level1)(cv::Rect(0, 0, channel.cols, channel.rows)).clone();
}

// Cycle spinning (Coifman & Donoho 1995): the decimated Haar transform works on a fixed 4x4 grid, so
// its thresholding errors repeat every 2 and 4 pixels and would themselves show as peaks at 1/4 and 1/2
// cycle/pixel in a spectrum, exactly where up-sampling grids are looked for. Averaging the denoising
// over the 16 placements of that grid makes it shift-invariant. 16x the cost of one pass. The
// threshold is set once, from the image as it is, so that all placements share it.
cv::Mat waveletDenoiseShiftInvariant(const cv::Mat& channel) {
    const float t = universalThreshold(channel);
    constexpr int kPad = 3;
    cv::Mat big;
    cv::copyMakeBorder(channel, big, kPad, kPad, kPad, kPad, cv::BORDER_REFLECT_101);
    cv::Mat sum = cv::Mat::zeros(channel.size(), CV_32F);
    for (int dy = 0; dy < 4; ++dy)
        for (int dx = 0; dx < 4; ++dx) {
            // The image's pixel (0, 0) lands at (dx, dy) of the window: a different grid phase each time.
            const cv::Mat window = big(cv::Rect(kPad - dx, kPad - dy, channel.cols + dx, channel.rows + dy)).clone();
            sum += waveletDenoise(window, t)(cv::Rect(dx, dy, channel.cols, channel.rows));
        }
    return sum / 16.0;
}

}  // namespace

const char* residualMethodName(ResidualMethod method) {
    switch (method) {
    case ResidualMethod::HighPass: return "highpass";
    case ResidualMethod::Median: return "median";
    case ResidualMethod::Wavelet: return "wavelet";
    case ResidualMethod::NonLocalMeans: return "nlm";
    }
    return "highpass";
}

ResidualMethod parseResidualMethod(const std::string& name) {
    for (ResidualMethod m : {ResidualMethod::HighPass, ResidualMethod::Median, ResidualMethod::Wavelet, ResidualMethod::NonLocalMeans})
        if (name == residualMethodName(m)) return m;
    throw std::invalid_argument("unknown residual method \"" + name + "\" (highpass, median, wavelet or nlm)");
}

cv::Mat computeResidual(const cv::Mat& rgb8, ResidualMethod method) {
    if (rgb8.type() != CV_8UC3 || rgb8.empty()) throw badInput("a residual needs a non-empty 8-bit RGB image");
    cv::Mat x;
    rgb8.convertTo(x, CV_32FC3, 1.0 / 255.0);
    cv::Mat smooth;
    switch (method) {
    case ResidualMethod::HighPass: cv::blur(x, smooth, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REFLECT_101); break;
    case ResidualMethod::Median: {
        cv::Mat m;
        cv::medianBlur(rgb8, m, 3);
        m.convertTo(smooth, CV_32FC3, 1.0 / 255.0);
        break;
    }
    case ResidualMethod::Wavelet: {
        std::vector<cv::Mat> channels;
        cv::split(x, channels);
        for (cv::Mat& c : channels) c = waveletDenoiseShiftInvariant(c);
        cv::merge(channels, smooth);
        break;
    }
    case ResidualMethod::NonLocalMeans: {
        // Joint NLM on the RGB channels themselves, not fastNlMeansDenoisingColored: that one goes through
        // 8-bit Lab and back, whose rounding (up to 2 levels, even on a flat image) would land in the residual.
        // The filter strength follows the image's noise: patches of pure noise differ by about 2 sigma^2 per
        // pixel, so h = sigma weighs them exp(-2); a fixed h removes nothing from a noisy image (weights
        // vanish) or content from a clean one.
        const float h = std::max(1.0f, estimateNoiseLevel(rgb8));
        cv::Mat denoised;
        cv::fastNlMeansDenoising(rgb8, denoised, std::vector<float>{h, h, h}, 7, 21, cv::NORM_L2);
        denoised.convertTo(smooth, CV_32FC3, 1.0 / 255.0);
        break;
    }
    }
    return x - smooth;
}

}  // namespace synthscope
