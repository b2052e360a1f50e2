#pragma once
#include <opencv2/core.hpp>

namespace synthscope {

// What a decoder gives back: the size the file declares, and its pixels when they are within the caller's
// pixel limit.
struct DecodedPicture {
    cv::Size declared;  // as the file states it, rotation included (what decoding must give); never empty
    cv::Mat rgb;        // CV_8UC3 RGB, rotation and mirroring applied; empty when `declared` is above the limit
};

}  // namespace synthscope
