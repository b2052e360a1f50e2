#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/patch_grid.h"

using namespace synthscope;

TEST(PatchGrid, SusyPolicyCoversEveryPixelWithCeilPatches) {
    for (int length : {224, 225, 300, 447, 448, 449, 481, 1000, 4032}) {
        const std::vector<int> pos = gridAxisPositions(length, 224, 224);
        EXPECT_EQ(int(pos.size()), (length + 223) / 224) << length;
        EXPECT_EQ(pos.front(), 0);
        EXPECT_EQ(pos.back(), length - 224);
        for (std::size_t i = 1; i < pos.size(); ++i) {
            EXPECT_GT(pos[i], pos[i - 1]);
            EXPECT_LE(pos[i] - pos[i - 1], 224) << "gap would leave pixels uncovered";
        }
    }
}

TEST(PatchGrid, OverlapIsSpreadEvenly) {
    const std::vector<int> pos = gridAxisPositions(1000, 224, 224);  // 5 patches, 120 px of overlap in all
    ASSERT_EQ(pos.size(), 5u);
    for (std::size_t i = 1; i < pos.size(); ++i) EXPECT_NEAR(pos[i] - pos[i - 1], 194.0, 1.0);
}

TEST(PatchGrid, StrideGivesDenserGrids) {
    const std::vector<int> pos = gridAxisPositions(500, 100, 50);
    EXPECT_EQ(pos.size(), 9u);  // (500-100)/50 + 1
    for (std::size_t i = 1; i < pos.size(); ++i) EXPECT_EQ(pos[i] - pos[i - 1], 50);
}

TEST(PatchGrid, GridIsRowMajorAndCoversTheImage) {
    const PatchGrid grid = makePatchGrid(cv::Size(500, 300), 224);
    EXPECT_EQ(grid.cols, 3);
    EXPECT_EQ(grid.rows, 2);
    ASSERT_EQ(grid.size(), 6u);
    EXPECT_EQ(grid.rects[1].y, 0);
    EXPECT_EQ(grid.rects[3].x, 0);
    cv::Mat covered(300, 500, CV_8U, cv::Scalar(0));
    for (const cv::Rect& r : grid.rects) {
        EXPECT_EQ(r & cv::Rect(0, 0, 500, 300), r) << "patch inside the image";
        covered(r).setTo(1);
    }
    EXPECT_EQ(cv::countNonZero(covered), 500 * 300);
}

TEST(PatchGrid, ExactFitAndInvalidRequests) {
    EXPECT_EQ(makePatchGrid(cv::Size(224, 224), 224).size(), 1u);
    EXPECT_THROW(makePatchGrid(cv::Size(200, 300), 224), std::invalid_argument);
    EXPECT_THROW(makePatchGrid(cv::Size(300, 300), 224, 225), std::invalid_argument);
}
