#pragma once
#include <QImage>

#include <opencv2/core.hpp>

#include "engine/heatmap.h"

namespace synthscope::ui {

// Deep copies between OpenCV matrices and QImage (the Mat may be freed afterwards).
QImage toQImage(const cv::Mat& rgb8);  // CV_8UC3 RGB -> Format_RGB888
cv::Mat toRgbMat(const QImage& image);  // any QImage -> CV_8UC3 RGB

// The scale at which heatmaps are rendered for display: the full image up to 1024 px on its longer side.
double heatmapDisplayScale(int width, int height);

// The heatmap as a translucent overlay: its colours where the synthetic probability is at least
// `threshold`, fully transparent elsewhere and where no patch is classified yet (NaN).
QImage heatmapOverlay(const cv::Mat& heatmap, double threshold, HeatmapColours colours);
// The same from an overlay already made with threshold 0: only the alpha changes (cheap enough for a slider).
QImage thresholdOverlay(const QImage& overlay, const cv::Mat& heatmap, double threshold);

}  // namespace synthscope::ui
