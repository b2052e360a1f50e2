#include "engine/analysis_result.h"

#include <algorithm>
#include <cstdio>

namespace synthscope {

const char* verdictLabelName(VerdictLabel label) {
    switch (label) {
    case VerdictLabel::Authentic: return "authentic";
    case VerdictLabel::Synthetic: return "synthetic";
    case VerdictLabel::Inconclusive: break;
    }
    return "inconclusive";
}

std::size_t AnalysisResult::classifiedCount() const {
    return std::size_t(std::count_if(patches.begin(), patches.end(), [](const PatchResult& p) { return p.classified(); }));
}

std::vector<double> AnalysisResult::classProbabilities() const {
    std::vector<double> out(classNames.size(), 0.0);
    for (const ClassScore& s : verdict.classes) {
        const auto c = std::find(classNames.begin(), classNames.end(), s.name);
        if (c != classNames.end()) out[std::size_t(c - classNames.begin())] = s.probability;
    }
    return out;
}

std::optional<ClassScore> Verdict::likelyGenerator() const {
    if (combinedAttribution && !combinedAttribution->ranking.empty()) return combinedAttribution->ranking.front();
    if (!attribution.empty()) return attribution.front();
    return std::nullopt;
}

std::string Verdict::describeFingerprintTerms() const {
    std::string out;
    for (const FingerprintTermValue& t : fingerprintTerms) {
        const auto count = std::count(t.generators.begin(), t.generators.end(), ',') + 1;
        char evidence[32];
        std::snprintf(evidence, sizeof evidence, " %+.2f", t.evidence);
        out += (out.empty() ? "" : ", ") + (count > 2 ? std::to_string(count) + " generators" : t.generators) + evidence;
    }
    return out;
}

}  // namespace synthscope
