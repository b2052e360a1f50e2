#pragma once
#include <QString>

#include "engine/analysis_result.h"

namespace synthscope::report {

// What SynthScope found about one image, as a few lines of plain text to paste into a message, a ticket or
// a notebook (the workstation's Edit > Copy Verdict Summary): the verdict with its probability, spread and
// robustness check, the likely generator, warnings, what the file's record says beside the verdict, the
// file with its full SHA-256, the model with its own, and the caveat. The evidence report says the same
// first, with the pictures and every check.
QString verdictSummary(const AnalysisResult& result);

}  // namespace synthscope::report
