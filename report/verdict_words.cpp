#include "report/verdict_words.h"

namespace synthscope::report {

VerdictWords verdictWords(VerdictLabel label) {
    switch (label) {
    case VerdictLabel::Synthetic: return {"Likely AI-generated", "#c0392b"};
    case VerdictLabel::Authentic: return {"No sign of AI generation found", "#2e7d4f"};
    case VerdictLabel::Inconclusive: break;
    }
    return {"Inconclusive", "#b07800"};
}

VerdictWords verdictWords(const std::string& label) {
    if (label == verdictLabelName(VerdictLabel::Synthetic)) return verdictWords(VerdictLabel::Synthetic);
    if (label == verdictLabelName(VerdictLabel::Authentic)) return verdictWords(VerdictLabel::Authentic);
    return verdictWords(VerdictLabel::Inconclusive);
}

}  // namespace synthscope::report
