#pragma once
#include <QString>

#include <string>

#include "engine/analysis_result.h"

namespace synthscope::report {

// A verdict in the words and the printed colour the reports use ("Likely AI-generated", red).
struct VerdictWords {
    QString words, colour;
};
VerdictWords verdictWords(VerdictLabel label);
VerdictWords verdictWords(const std::string& label);  // verdictLabelName()'s text, as a case stores it

}  // namespace synthscope::report
