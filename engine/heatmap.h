#pragma once
#include <opencv2/core.hpp>

#include "engine/analysis_result.h"

namespace synthscope {

// The synthetic probability per pixel, averaged over the classified patches that cover it (CV_32F,
// NaN where no classified patch covers the pixel yet). scale < 1 renders a smaller map for display
// (each patch's rectangle is scaled), so a 100-megapixel image needs no full-size float map.
cv::Mat renderHeatmap(const AnalysisResult& result, double scale = 1.0);

// A colour (RGB, CV_8UC3) rendering of a heatmap with the colormap used everywhere in SynthScope
// (OpenCV's "turbo": 0 blue = authentic-looking, 1 red = synthetic-looking); NaN pixels are grey.
cv::Mat colorizeHeatmap(const cv::Mat& heatmap);

// rgb blended with the coloured heatmap at the given opacity (0..1).
cv::Mat overlayHeatmap(const cv::Mat& rgb, const cv::Mat& heatmap, double opacity);

}  // namespace synthscope
