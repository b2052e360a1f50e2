#include "engine/residual.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

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

// Two-level Haar soft-threshold denoising with the universal threshold sigma*sqrt(2 log N).
cv::Mat waveletDenoise(const cv::Mat& channel) {
    // Pad to a multiple of 4 by reflection; crop back afterwards.
    const int padB = (4 - channel.rows % 4) % 4, padR = (4 - channel.cols % 4) % 4;
    cv::Mat x;
    cv::copyMakeBorder(channel, x, 0, padB, 0, padR, cv::BORDER_REFLECT_101);
    cv::Mat level1 = haarForward(x);
    const int h1 = x.rows / 2, w1 = x.cols / 2;
    const float sigma = noiseSigma(level1(cv::Rect(w1, h1, w1, h1)));
    const float t = sigma * std::sqrt(2.f * std::log(float(x.total())));
    cv::Mat ll1 = level1(cv::Rect(0, 0, w1, h1));
    cv::Mat level2 = haarForward(ll1.clone());
    const int h2 = h1 / 2, w2 = w1 / 2;
    for (const cv::Rect& band : {cv::Rect(w2, 0, w2, h2), cv::Rect(0, h2, w2, h2), cv::Rect(w2, h2, w2, h2)}) softThreshold(level2(band), t);
    haarInverse(level2).copyTo(ll1);
    for (const cv::Rect& band : {cv::Rect(w1, 0, w1, h1), cv::Rect(0, h1, w1, h1), cv::Rect(w1, h1, w1, h1)}) softThreshold(level1(band), t);
    return haarInverse(level1)(cv::Rect(0, 0, channel.cols, channel.rows)).clone();
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
    if (rgb8.type() != CV_8UC3 || rgb8.empty()) throw std::invalid_argument("computeResidual needs a non-empty 8-bit RGB image");
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
        for (cv::Mat& c : channels) c = waveletDenoise(c);
        cv::merge(channels, smooth);
        break;
    }
    case ResidualMethod::NonLocalMeans: {
        cv::Mat bgr, denoised;  // OpenCV's colour NLM works in Lab converted from BGR
        cv::cvtColor(rgb8, bgr, cv::COLOR_RGB2BGR);
        cv::fastNlMeansDenoisingColored(bgr, denoised, 3.0f, 3.0f, 7, 21);
        cv::cvtColor(denoised, denoised, cv::COLOR_BGR2RGB);
        denoised.convertTo(smooth, CV_32FC3, 1.0 / 255.0);
        break;
    }
    }
    return x - smooth;
}

}  // namespace synthscope
