#include "ui/image_conversion.h"

#include <algorithm>
#include <cmath>

#include "engine/heatmap.h"

namespace synthscope::ui {

QImage toQImage(const cv::Mat& rgb8) {
    if (rgb8.empty() || rgb8.type() != CV_8UC3) return {};
    QImage image(rgb8.cols, rgb8.rows, QImage::Format_RGB888);
    for (int y = 0; y < rgb8.rows; ++y) std::memcpy(image.scanLine(y), rgb8.ptr(y), std::size_t(rgb8.cols) * 3);
    return image;
}

cv::Mat toRgbMat(const QImage& image) {
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    cv::Mat out(rgb.height(), rgb.width(), CV_8UC3);
    for (int y = 0; y < rgb.height(); ++y) std::memcpy(out.ptr(y), rgb.constScanLine(y), std::size_t(rgb.width()) * 3);
    return out;
}

double heatmapDisplayScale(int width, int height) {
    constexpr double kOverlaySide = 1024;
    return std::min(1.0, kOverlaySide / std::max(1, std::max(width, height)));
}

QImage heatmapOverlay(const cv::Mat& heatmap, double threshold, HeatmapColours colours) {
    const cv::Mat colour = colorizeHeatmap(heatmap, colours);
    QImage out(heatmap.cols, heatmap.rows, QImage::Format_ARGB32);
    for (int y = 0; y < heatmap.rows; ++y) {
        const float* h = heatmap.ptr<float>(y);
        const cv::Vec3b* c = colour.ptr<cv::Vec3b>(y);
        QRgb* line = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < heatmap.cols; ++x) {
            const bool shown = !std::isnan(h[x]) && h[x] >= threshold;
            line[x] = shown ? qRgba(c[x][0], c[x][1], c[x][2], 255) : qRgba(0, 0, 0, 0);
        }
    }
    return out;
}

QImage thresholdOverlay(const QImage& overlay, const cv::Mat& heatmap, double threshold) {
    if (threshold <= 0) return overlay;
    QImage out = overlay.copy();
    for (int y = 0; y < heatmap.rows && y < out.height(); ++y) {
        const float* h = heatmap.ptr<float>(y);
        QRgb* line = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < heatmap.cols && x < out.width(); ++x)
            if (!(h[x] >= threshold)) line[x] = qRgba(0, 0, 0, 0);  // NaN fails the comparison too
    }
    return out;
}

}  // namespace synthscope::ui
