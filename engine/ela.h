#pragma once
#include <opencv2/core.hpp>

namespace synthscope {

// The quality the workstation and reports recompress at (high, so that a first compression at a lower
// quality shows as a low error level).
constexpr int kDefaultElaQuality = 90;

// Error level analysis: how much each pixel changes when the image is JPEG-compressed once more. Regions
// that were compressed fewer times, pasted in, or retouched often change more than the rest; uniform
// error levels say nothing either way. It is a visual aid for a person, not a detector.
struct ElaResult {
    cv::Mat ela;            // CV_8UC3 RGB, the input's size: |input - recompressed| * displayScale, saturated
    double displayScale = 1;// chosen so that the 99.5th percentile of the differences maps to about 255 (at most 50x)
    double mean = 0;        // mean absolute difference over pixels and channels, in 8-bit levels (before scaling)
    double p99 = 0;         // 99th percentile of the per-pixel maximum over channels, in 8-bit levels
    double max = 0;         // largest difference, in 8-bit levels
    int quality = kDefaultElaQuality;  // the JPEG quality used to recompress
};

// rgb8: CV_8UC3 in RGB order (as LoadedImage::rgb). quality 1..100. Throws EngineError(BadInput) on an
// empty or wrongly typed image.
ElaResult errorLevelAnalysis(const cv::Mat& rgb8, int quality = kDefaultElaQuality);

}  // namespace synthscope
