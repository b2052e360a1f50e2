#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/evaluation.h"

// PNG-ready plots of evaluation figures, drawn with OpenCV (CV_8UC3, RGB order, white background).
namespace synthscope::eval {

struct NamedCurve {
    std::string name;               // legend entry, e.g. "original (AUC 0.67)"
    std::vector<cv::Point2d> points;// in [0,1] x [0,1]
};

// ROC curves of several conditions over the chance diagonal.
cv::Mat plotRoc(const std::vector<NamedCurve>& curves, const std::string& title);

// Reliability diagrams: per condition, each non-empty bin's (mean score, share of fakes), over the
// perfect-calibration diagonal; the first calibration's bin counts as a histogram along the bottom.
cv::Mat plotReliability(const std::vector<std::pair<std::string, Calibration>>& calibrations, const std::string& title);

// The confusion matrix as a grid: cell shade = share of its row, with the count written in it.
cv::Mat plotConfusion(const ConfusionMatrix& matrix, const std::string& title);

}  // namespace synthscope::eval
