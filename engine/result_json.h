#pragma once
#include <string>
#include <vector>

#include <QJsonObject>

#include "engine/analysis_result.h"

namespace synthscope {

// JSON forms of results, for --json, reports and the case store. Field names are snake_case and stable.
QJsonObject toJson(const AnalysisResult& result, bool includePatches = true);
QJsonObject toJson(const Provenance& provenance);

}  // namespace synthscope
