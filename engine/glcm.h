#pragma once
#include <opencv2/core.hpp>

namespace synthscope {

// GLCM contrast of an 8-bit grey patch, exactly as scikit-image's
// graycoprops(graycomatrix(p, [distance], [0], levels=256, symmetric=True, normed=True), 'contrast'):
// the normalised co-occurrence matrix of horizontal pixel pairs `distance` apart, weighted by (i-j)^2.
// Symmetry and normalisation leave that equal to the mean of (p(r,c) - p(r,c+d))^2 over all pairs,
// which is what is computed (no 256x256 matrix). Returns 0 when the patch has no pair.
double glcmContrast(const cv::Mat& grey8, int distance = 5);

// The grey conversion used before GLCM, bit-exact with SuSy's (torchvision Grayscale on uint8).
cv::Mat toGrey(const cv::Mat& rgb8);

}  // namespace synthscope
