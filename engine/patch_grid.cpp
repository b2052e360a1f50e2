#include "engine/patch_grid.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace synthscope {

std::vector<int> gridAxisPositions(int length, int patch, int stride) {
    if (patch <= 0 || stride <= 0 || stride > patch || length < patch)
        throw std::invalid_argument("gridAxisPositions: need length >= patch > 0 and 0 < stride <= patch");
    const int n = (length - patch + stride - 1) / stride + 1;
    std::vector<int> positions(n);
    for (int i = 0; i < n; ++i)
        positions[i] = n == 1 ? 0 : int(std::lround(double(i) * (length - patch) / (n - 1)));
    return positions;
}

PatchGrid makePatchGrid(cv::Size imageSize, int patchSize, int stride) {
    if (stride <= 0) stride = patchSize;
    if (stride > patchSize)
        throw std::invalid_argument("patch stride " + std::to_string(stride) + " is larger than the patch size " +
                                    std::to_string(patchSize) + ": pixels between patches would never be analysed");
    if (imageSize.width < patchSize || imageSize.height < patchSize)
        throw std::invalid_argument("image " + std::to_string(imageSize.width) + "x" + std::to_string(imageSize.height) +
                                    " is smaller than one " + std::to_string(patchSize) + "-pixel patch");
    const std::vector<int> xs = gridAxisPositions(imageSize.width, patchSize, stride);
    const std::vector<int> ys = gridAxisPositions(imageSize.height, patchSize, stride);
    PatchGrid grid;
    grid.imageSize = imageSize;
    grid.patchSize = patchSize;
    grid.cols = int(xs.size());
    grid.rows = int(ys.size());
    grid.rects.reserve(xs.size() * ys.size());
    for (int y : ys)
        for (int x : xs) grid.rects.emplace_back(x, y, patchSize, patchSize);
    return grid;
}

}  // namespace synthscope
