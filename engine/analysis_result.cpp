#include "engine/analysis_result.h"

#include <algorithm>

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

}  // namespace synthscope
