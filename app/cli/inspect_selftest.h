#pragma once
#include <string>
#include <vector>

namespace synthscope::cli {

// Measurements of `synthscope inspect` (figures printed to stdout; they are not unit tests).

// Encodes images with OpenCV at every quality 1..100 and counts exact quality estimates. Uses the first
// `images` photos of dir (any folder of images), or a synthetic image when dir is empty. Returns an exit code.
int selftestQuality(const std::string& dir, int images);

// Single vs double JPEG compression on the photos of dir: each photo is first resized by `scale` (INTER_AREA,
// which erases the grid of its own JPEG compression), then compressed once at q2, or at q1 and again at q2,
// for every pair. Prints score statistics, AUC, detection and false-alarm rates at the threshold, and the
// accuracy of the first-quality estimate. `limit` photos at most (0: all).
struct QualityPair {
    int first = 0, second = 0;
};
int selftestDouble(const std::string& dir, const std::vector<QualityPair>& pairs, int limit, double scale);

}  // namespace synthscope::cli
