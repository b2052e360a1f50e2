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

}  // namespace synthscope
