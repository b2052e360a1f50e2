#pragma once
#include <vector>

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

// GLCM contrast of each rectangle of an 8-bit RGB image: equal, bit for bit, to
// glcmContrast(toGrey(rgb8)(rect), distance) for every rect, but the grey conversion is done patch by
// patch (no full-size grey copy: a 100-megapixel image would need 100 MB) and the patches are spread
// over OpenCV's worker threads.
std::vector<double> patchContrasts(const cv::Mat& rgb8, const std::vector<cv::Rect>& rects, int distance = 5);

}  // namespace synthscope
