#include "engine/robustness_check.h"

#include <QJsonArray>

#include <algorithm>
#include <cstdio>

namespace synthscope {

std::vector<Degradation> defaultRobustnessDegradations() {
    return {Degradation::jpeg(90), Degradation::jpeg(65), Degradation::rescale(0.75)};
}

namespace {

AnalysisSettings verdictOnly(AnalysisSettings settings) {
    settings.fullHeatmap = false;
    return settings;
}

}  // namespace

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

QJsonObject robustnessToJson(const RobustnessReport& r) {
    QJsonArray variants;
    for (const RobustnessVariant& v : r.variants)
        variants.append(QJsonObject{{"degradation", QString::fromStdString(v.name)},
                                    {"width", v.width},
                                    {"height", v.height},
                                    {"label", verdictLabelName(v.label)},
                                    {"synthetic_probability", v.syntheticProbability}});
    return QJsonObject{{"label", verdictLabelName(r.label)},
                       {"agree", r.agree},
                       {"original_label", verdictLabelName(r.originalLabel)},
                       {"original_synthetic_probability", r.originalProbability},
                       {"variants", variants},
                       {"explanation", QString::fromStdString(r.explanation)}};
}

}  // namespace synthscope
