#pragma once
#include <vector>

#include <opencv2/core.hpp>

namespace synthscope {

// Square patches over the full-resolution image that cover every pixel (SuSy's policy): along each axis
// n = ceil((L - P) / S) + 1 patches, the first at 0, the last ending at L, the rest spread evenly, so
// the overlap is as small as the stride S allows and shared fairly. S = P (the default) gives
// n = ceil(L / P). Patch i of the grid sits at row i / cols, column i % cols.
struct PatchGrid {
    cv::Size imageSize;
    int patchSize = 0;
    int cols = 0;
    int rows = 0;
    std::vector<cv::Rect> rects;  // row-major

    std::size_t size() const { return rects.size(); }
};

// Start offsets along one axis. Requires length >= patch > 0 and 0 < stride <= patch.
std::vector<int> gridAxisPositions(int length, int patch, int stride);

// stride <= 0 means "= patchSize". Throws std::invalid_argument if the image is smaller than a patch
// (pad it first: see ImageAnalyzer) or the stride is larger than the patch (pixels would be skipped).
PatchGrid makePatchGrid(cv::Size imageSize, int patchSize, int stride = 0);

}  // namespace synthscope
