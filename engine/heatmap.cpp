#include "engine/heatmap.h"

#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

namespace synthscope {

cv::Mat renderHeatmap(const AnalysisResult& result, double scale) {
    const int w = std::max(1, int(std::lround(result.image.width * scale)));
    const int h = std::max(1, int(std::lround(result.image.height * scale)));
    cv::Mat sum(h, w, CV_32F, cv::Scalar(0)), count(h, w, CV_32F, cv::Scalar(0));
    const cv::Rect bounds(0, 0, w, h);
    for (const PatchResult& p : result.patches) {
        if (!p.classified()) continue;
        const cv::Rect r(int(std::lround(p.rect.x * scale)), int(std::lround(p.rect.y * scale)),
                         std::max(1, int(std::lround(p.rect.width * scale))), std::max(1, int(std::lround(p.rect.height * scale))));
        const cv::Rect clipped = r & bounds;
        if (clipped.empty()) continue;
        sum(clipped) += cv::Scalar(p.synthetic);
        count(clipped) += cv::Scalar(1.0);
    }
    cv::Mat heat(h, w, CV_32F);
    for (int y = 0; y < h; ++y) {
        const float* s = sum.ptr<float>(y);
        const float* c = count.ptr<float>(y);
        float* o = heat.ptr<float>(y);
        for (int x = 0; x < w; ++x) o[x] = c[x] > 0 ? s[x] / c[x] : std::numeric_limits<float>::quiet_NaN();
    }
    return heat;
}

const char* heatmapColoursName(HeatmapColours colours) { return colours == HeatmapColours::Cividis ? "cividis" : "turbo"; }

std::optional<HeatmapColours> parseHeatmapColours(const std::string& name) {
    for (const HeatmapColours c : {HeatmapColours::Turbo, HeatmapColours::Cividis})
        if (name == heatmapColoursName(c)) return c;
    return std::nullopt;
}

std::string heatmapColoursCaption(HeatmapColours colours) {
    return colours == HeatmapColours::Cividis ? "dark blue 0, yellow 1; white: not classified" : "blue 0, red 1; grey: not classified";
}

cv::Mat colorizeHeatmap(const cv::Mat& heatmap, HeatmapColours colours) {
    cv::Mat clean = heatmap.clone();
    cv::Mat nanMask = clean != clean;  // NaN compares unequal to itself
    clean.setTo(0, nanMask);
    cv::Mat bytes;
    clean.convertTo(bytes, CV_8U, 255.0);
    cv::Mat bgr;
    cv::applyColorMap(bytes, bgr, colours == HeatmapColours::Cividis ? cv::COLORMAP_CIVIDIS : cv::COLORMAP_TURBO);
    bgr.setTo(colours == HeatmapColours::Cividis ? cv::Scalar(255, 255, 255) : cv::Scalar(128, 128, 128), nanMask);
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

cv::Mat heatmapColourRamp(HeatmapColours colours) {
    cv::Mat values(1, 256, CV_32F);
    for (int i = 0; i < 256; ++i) values.at<float>(0, i) = float(i) / 255.f;
    return colorizeHeatmap(values, colours);
}

cv::Mat overlayHeatmap(const cv::Mat& rgb, const cv::Mat& heatmap, double opacity, HeatmapColours colours) {
    cv::Mat colour = colorizeHeatmap(heatmap, colours);
    if (colour.size() != rgb.size()) cv::resize(colour, colour, rgb.size(), 0, 0, cv::INTER_NEAREST);
    cv::Mat out;
    cv::addWeighted(rgb, 1.0 - opacity, colour, opacity, 0.0, out);
    return out;
}

}  // namespace synthscope
