#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <QJsonObject>

#include "engine/image_analyzer.h"
#include "engine/image_degradation.h"

namespace synthscope {

// JPEG 90, JPEG 65 and a 0.75 rescale: what sharing a photo typically does to it.
std::vector<Degradation> defaultRobustnessDegradations();

struct RobustnessVariant {
    std::string name;  // Degradation::name()
    int width = 0, height = 0;
    VerdictLabel label = VerdictLabel::Inconclusive;
    double syntheticProbability = 0;
};

struct RobustnessReport {
    VerdictLabel originalLabel = VerdictLabel::Inconclusive;
    double originalProbability = 0;
    std::vector<RobustnessVariant> variants;
    bool agree = true;  // every copy got the original's label
    VerdictLabel label = VerdictLabel::Inconclusive;  // the original's label when they agree, else inconclusive
    std::string explanation;  // one sentence for the user
};

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

    const std::vector<Degradation>& degradations() const { return degradations_; }

    // The rule on its own: the original label if every variant has it, otherwise inconclusive.
    static VerdictLabel combine(VerdictLabel original, const std::vector<VerdictLabel>& variants);

private:
    ImageAnalyzer analyzer_;
    std::vector<Degradation> degradations_;
};

// The report as JSON (the "robustness" object of `synthscope analyze --robustness`).
QJsonObject robustnessToJson(const RobustnessReport& report);

}  // namespace synthscope
