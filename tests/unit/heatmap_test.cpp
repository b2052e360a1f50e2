#include <gtest/gtest.h>

#include <cmath>

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
