#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/heatmap.h"

using namespace synthscope;

namespace {
PatchResult patch(cv::Rect rect, double synthetic) {
    PatchResult p;
    p.rect = rect;
    p.probabilities = {float(1 - synthetic), float(synthetic)};
    p.synthetic = synthetic;
    return p;
}
}  // namespace

TEST(Heatmap, AveragesOverlappingPatchesAndMarksUncovered) {
    AnalysisResult r;
    r.image.width = 6;
    r.image.height = 2;
    r.patches = {patch({0, 0, 3, 2}, 1.0), patch({2, 0, 3, 2}, 0.0), PatchResult{}};
    r.patches[2].rect = {4, 0, 2, 2};  // not classified yet
    const cv::Mat heat = renderHeatmap(r);
    EXPECT_FLOAT_EQ(heat.at<float>(0, 0), 1.0f);
    EXPECT_FLOAT_EQ(heat.at<float>(1, 2), 0.5f);
    EXPECT_FLOAT_EQ(heat.at<float>(0, 3), 0.0f);
    EXPECT_TRUE(std::isnan(heat.at<float>(0, 5)));

    const cv::Mat small = renderHeatmap(r, 0.5);
    EXPECT_EQ(small.size(), cv::Size(3, 1));
    const cv::Mat colour = colorizeHeatmap(heat);
    EXPECT_EQ(colour.type(), CV_8UC3);
    EXPECT_EQ(colour.at<cv::Vec3b>(0, 5), cv::Vec3b(128, 128, 128));
    EXPECT_GT(colour.at<cv::Vec3b>(0, 0)[0], colour.at<cv::Vec3b>(0, 0)[2]) << "synthetic is red";
}

namespace {
// Luminance (Rec. 601) of each of 256 heatmap values drawn with the given colours: what a grey printout keeps.
std::vector<double> greyRamp(HeatmapColours colours) {
    const cv::Mat rgb = heatmapColourRamp(colours);
    std::vector<double> grey;
    for (int i = 0; i < 256; ++i) {
        const cv::Vec3b c = rgb.at<cv::Vec3b>(0, i);
        grey.push_back(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
    }
    return grey;
}
}  // namespace

TEST(Heatmap, CividisKeepsItsOrderInGreyWhereTurboDoesNot) {
    // Turbo's ends are both dark: printed in grey, 0 and 1 look alike, which is why cividis is offered.
    const std::vector<double> turbo = greyRamp(HeatmapColours::Turbo);
    EXPECT_LT(std::abs(turbo.front() - turbo.back()), 60) << "turbo's ends are both dark";
    EXPECT_GT(*std::max_element(turbo.begin(), turbo.end()), turbo.back() + 100) << "turbo is lightest in the middle";
    const std::vector<double> cividis = greyRamp(HeatmapColours::Cividis);
    for (int i = 8; i < 256; i += 8) EXPECT_GT(cividis[i], cividis[i - 8]) << "lighter at every step, value " << i;
    EXPECT_GT(cividis.back() - cividis.front(), 150);

    // Cividis' middle is grey, so pixels no patch has classified are white there, not grey.
    cv::Mat heat(1, 2, CV_32F);
    heat.at<float>(0, 0) = std::numeric_limits<float>::quiet_NaN();
    heat.at<float>(0, 1) = 0.5f;
    const cv::Mat colour = colorizeHeatmap(heat, HeatmapColours::Cividis);
    EXPECT_EQ(colour.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
    EXPECT_NE(colour.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 255, 255));
    const cv::Mat over = overlayHeatmap(cv::Mat(1, 2, CV_8UC3, cv::Scalar(0, 0, 0)), heat, 1.0, HeatmapColours::Cividis);
    EXPECT_EQ(over.at<cv::Vec3b>(0, 1), colour.at<cv::Vec3b>(0, 1));

    EXPECT_EQ(parseHeatmapColours("cividis"), HeatmapColours::Cividis);
    EXPECT_EQ(parseHeatmapColours("turbo"), HeatmapColours::Turbo);
    EXPECT_FALSE(parseHeatmapColours("jet").has_value());
    EXPECT_NE(heatmapColoursCaption(HeatmapColours::Cividis).find("yellow 1"), std::string::npos);
}
