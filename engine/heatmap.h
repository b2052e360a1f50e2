#pragma once
#include <opencv2/core.hpp>

#include <optional>
#include <string>

#include "engine/analysis_result.h"

namespace synthscope {

// The synthetic probability per pixel, averaged over the classified patches that cover it (CV_32F,
// NaN where no classified patch covers the pixel yet). scale < 1 renders a smaller map for display
// (each patch's rectangle is scaled), so a 100-megapixel image needs no full-size float map.
cv::Mat renderHeatmap(const AnalysisResult& result, double scale = 1.0);

// The colour scales a heatmap can be drawn with. Turbo (the default) spreads the probabilities over many
// hues, but its two ends are both dark, so a grey printout shows 0 and 1 alike, and its green-to-red half is
// what red-green colour blindness confuses. Cividis rises in lightness from 0 to 1 in blue and yellow only:
// readable with red-green colour blindness and in a grey printout.
enum class HeatmapColours { Turbo, Cividis };

const char* heatmapColoursName(HeatmapColours colours);  // "turbo", "cividis": settings and the command line
std::optional<HeatmapColours> parseHeatmapColours(const std::string& name);
// What the colours mean, for a caption: "blue 0, red 1; grey: not classified".
std::string heatmapColoursCaption(HeatmapColours colours);

// A colour (RGB, CV_8UC3) rendering of a heatmap: 0 authentic-looking, 1 synthetic-looking; NaN pixels
// (not classified) are grey for turbo and white for cividis, whose middle is grey.
cv::Mat colorizeHeatmap(const cv::Mat& heatmap, HeatmapColours colours = HeatmapColours::Turbo);

// The colour scale itself, 0 to 1 from left to right (1 x 256, RGB): what legends draw.
cv::Mat heatmapColourRamp(HeatmapColours colours);

// rgb blended with the coloured heatmap at the given opacity (0..1).
cv::Mat overlayHeatmap(const cv::Mat& rgb, const cv::Mat& heatmap, double opacity, HeatmapColours colours = HeatmapColours::Turbo);

}  // namespace synthscope
