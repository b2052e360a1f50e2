#include "engine/robustness_check.h"

#include <algorithm>
#include <cstdio>

#include "engine/errors.h"

namespace synthscope {

std::vector<Degradation> defaultRobustnessDegradations() {
    return {Degradation::jpeg(90), Degradation::jpeg(65), Degradation::rescale(0.75)};
}

RobustnessCheck::RobustnessCheck(std::shared_ptr<Detector> detector, AnalysisSettings settings,
                                 std::vector<Degradation> degradations)
    : analyzer_(std::move(detector), verdictOnly(settings)), degradations_(std::move(degradations)) {}

VerdictLabel RobustnessCheck::combine(VerdictLabel original, const std::vector<VerdictLabel>& variants) {
    for (VerdictLabel v : variants)
        if (v != original) return VerdictLabel::Inconclusive;
    return original;
}

RobustnessReport RobustnessCheck::check(const LoadedImage& image, const Verdict& original, const std::atomic<bool>* cancel) const {
    RobustnessReport report;
    for (const Degradation& d : degradations_) report.copies.push_back(d.name());
    report.originalLabel = original.label;
    report.originalProbability = original.syntheticProbability;
    std::vector<VerdictLabel> labels;
    for (const Degradation& d : degradations_) {
        const LoadedImage copy = degradeImage(image, d);
        const AnalysisResult r = analyzer_.analyze(copy, nullptr, cancel);
        report.variants.push_back({d.name(), copy.width(), copy.height(), r.verdict.label, r.verdict.syntheticProbability});
        labels.push_back(r.verdict.label);
    }
    report.agree = std::all_of(labels.begin(), labels.end(), [&](VerdictLabel l) { return l == original.label; });
    report.label = combine(original.label, labels);
    if (report.agree) {
        report.explanation = "The verdict is the same on every degraded copy (" + std::to_string(labels.size()) + ").";
    } else {
        std::string changed;
        for (const RobustnessVariant& v : report.variants)
            if (v.label != original.label) {
                char p[16];
                std::snprintf(p, sizeof p, "%.2f", v.syntheticProbability);
                changed += (changed.empty() ? "" : ", ") + v.name + " -> " + verdictLabelName(v.label) + " (p=" + p + ")";
            }
        report.explanation = original.label == VerdictLabel::Inconclusive
                                 ? "Inconclusive already; degraded copies differ too (" + changed + ")."
                                 : "The verdict changes on degraded copies (" + changed + "), so it is reported as inconclusive.";
    }
    return report;
}

RobustnessReport RobustnessCheck::checkOrReport(const LoadedImage& image, const Verdict& original,
                                                const std::atomic<bool>* cancel) const {
    try {
        return check(image, original, cancel);
    } catch (const EngineError& e) {
        if (e.kind() == ErrorKind::Cancelled) throw;
        return notDone(original, e.what());
    } catch (const std::bad_alloc&) {
        return notDone(original, "not enough memory for the robustness check's copies");
    } catch (const std::exception& e) {
        return notDone(original, std::string("internal error: ") + e.what());
    }
}

RobustnessReport RobustnessCheck::notDone(const Verdict& original, std::string why) const {
    RobustnessReport report;
    for (const Degradation& d : degradations_) report.copies.push_back(d.name());
    report.originalLabel = original.label;
    report.originalProbability = original.syntheticProbability;
    report.error = std::move(why);
    return report;
}

std::string describeCopies(const std::vector<std::string>& copyNames) {
    std::string words;
    for (std::size_t i = 0; i < copyNames.size(); ++i) {
        std::string one;
        try {
            one = parseDegradation(copyNames[i]).description();
        } catch (const EngineError&) {
            one = copyNames[i];  // a name from a newer version: shown as it is
        }
        words += (i == 0 ? "" : i + 1 == copyNames.size() ? " and " : ", ") + one;
    }
    return words;
}

}  // namespace synthscope
