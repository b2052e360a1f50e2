#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/image_analyzer.h"
#include "engine/image_degradation.h"

namespace synthscope {

// JPEG 90, JPEG 65 and a 0.75 rescale: what sharing a photo typically does to it.
std::vector<Degradation> defaultRobustnessDegradations();

// Detectors can flip on the same photo once it is re-encoded or rescaled. This check analyses degraded
// copies of an image (verdict only: the top-k patches) and reports "inconclusive" when any copy's label
// differs from the original's, so that a verdict is only given when it survives ordinary handling.
class RobustnessCheck {
public:
    RobustnessCheck(std::shared_ptr<Detector> detector, AnalysisSettings settings,
                    std::vector<Degradation> degradations = defaultRobustnessDegradations());

    // original: the image's own verdict (from a full or verdict-only analysis with the same model).
    // Throws EngineError (Cancelled when `cancel` is set, BadInput when a copy cannot be made).
    RobustnessReport check(const LoadedImage& image, const Verdict& original, const std::atomic<bool>* cancel = nullptr) const;
    // As check(), but a failure (a copy that cannot be made, not enough memory) becomes the report's error:
    // the verdict stands without the check. Only a cancellation still throws (EngineError(Cancelled)).
    RobustnessReport checkOrReport(const LoadedImage& image, const Verdict& original, const std::atomic<bool>* cancel = nullptr) const;
    // The report of a check asked for but not done: its copies, the original verdict and why.
    RobustnessReport notDone(const Verdict& original, std::string why) const;

    const std::vector<Degradation>& degradations() const { return degradations_; }

    // The rule on its own: the original label if every variant has it, otherwise inconclusive.
    static VerdictLabel combine(VerdictLabel original, const std::vector<VerdictLabel>& variants);

private:
    ImageAnalyzer analyzer_;
    std::vector<Degradation> degradations_;
};

// "JPEG 90, JPEG 65 and 0.75x rescale": the copies in words, for the workstation and reports.
std::string describeCopies(const std::vector<std::string>& copyNames);

}  // namespace synthscope
