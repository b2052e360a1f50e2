#include "engine/glcm.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace synthscope {
namespace {

// SuSy's reference pipeline uses torchvision's Grayscale on uint8 tensors: float32 arithmetic in this
// order, truncated (not rounded). Reproduced exactly, so patch selection matches the published
// recipe; this file is built with -ffp-contract=off because a fused multiply-add changes ~16 colours.
void greyRow(const cv::Vec3b* in, std::uint8_t* out, int n) {
    for (int c = 0; c < n; ++c) {
        const float v = (0.2989f * float(in[c][0]) + 0.587f * float(in[c][1])) + 0.114f * float(in[c][2]);
        out[c] = std::uint8_t(v);
    }
}

void greyInto(const cv::Mat& rgb8, cv::Mat& grey) {
    grey.create(rgb8.size(), CV_8UC1);
    for (int r = 0; r < rgb8.rows; ++r) greyRow(rgb8.ptr<cv::Vec3b>(r), grey.ptr<std::uint8_t>(r), rgb8.cols);
}

}  // namespace

double glcmContrast(const cv::Mat& grey8, int distance) {
    if (grey8.type() != CV_8UC1) throw std::invalid_argument("glcmContrast needs an 8-bit single-channel patch");
    if (distance <= 0) throw std::invalid_argument("glcmContrast: distance must be positive");
    const int pairsPerRow = grey8.cols - distance;
    if (pairsPerRow <= 0 || grey8.rows == 0) return 0.0;
    // Exact integer sum: 224x224 patches sum to < 2^34, far inside 64 bits.
    std::uint64_t sum = 0;
    for (int r = 0; r < grey8.rows; ++r) {
        const std::uint8_t* row = grey8.ptr<std::uint8_t>(r);
        std::uint64_t rowSum = 0;
        for (int c = 0; c < pairsPerRow; ++c) {
            const int d = int(row[c]) - int(row[c + distance]);
            rowSum += std::uint64_t(d * d);
        }
        sum += rowSum;
    }
    return double(sum) / (double(pairsPerRow) * grey8.rows);
}

cv::Mat toGrey(const cv::Mat& rgb8) {
    if (rgb8.type() != CV_8UC3) throw std::invalid_argument("toGrey needs an 8-bit RGB image");
    cv::Mat grey;
    greyInto(rgb8, grey);
    return grey;
}

std::vector<double> patchContrasts(const cv::Mat& rgb8, const std::vector<cv::Rect>& rects, int distance) {
    if (rgb8.type() != CV_8UC3) throw std::invalid_argument("patchContrasts needs an 8-bit RGB image");
    const cv::Rect bounds(0, 0, rgb8.cols, rgb8.rows);
    for (const cv::Rect& r : rects)
        if ((r & bounds) != r) throw std::invalid_argument("patchContrasts: a patch lies outside the image");
    std::vector<double> contrasts(rects.size(), 0.0);
    // A few patches per task: each is ~0.1 ms of work, so finer stripes would cost more than they share.
    const int stripes = std::max(1, int(rects.size() + 3) / 4);
    cv::parallel_for_(cv::Range(0, int(rects.size())), [&](const cv::Range& range) {
        cv::Mat grey;  // reused by the patches of this stripe
        for (int i = range.start; i < range.end; ++i) {
            greyInto(rgb8(rects[std::size_t(i)]), grey);
            contrasts[std::size_t(i)] = glcmContrast(grey, distance);
        }
    }, stripes);
    return contrasts;
}

}  // namespace synthscope
