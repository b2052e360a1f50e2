#pragma once
#include <string>
#include <vector>

#include <QJsonArray>
#include <QJsonObject>

#include "engine/analysis_result.h"

namespace synthscope {

// JSON forms of results, for --json, reports and the case store. Field names are snake_case and stable.
QJsonObject toJson(const AnalysisResult& result, bool includePatches = true);
QJsonObject toJson(const Provenance& provenance);
// The robustness check: {"copies", "label", "agree", "original_label", "original_synthetic_probability",
// "variants", "explanation"}, or {"copies", "error"} when it was not done.
QJsonObject toJson(const RobustnessReport& report);
RobustnessReport robustnessFromJson(const QJsonObject& json);
// A region's control parts: {"asked", "parts": [{"region", "label", "synthetic_probability"}], "flagged"
// (read back from the parts), "explanation", "stands_out" (RegionControls::standOut for the region's
// verdict)}, "inside" and "inside_flagged" when compared at a smaller size, and "error" when they could not
// be analysed.
QJsonObject toJson(const RegionControls& controls, const Verdict& region);
RegionControls regionControlsFromJson(const QJsonObject& json);
// What the file's record says beside the verdict: [{"against_verdict", "text"}, ...] (a result's
// "record.notes", and the case store's record_notes column).
QJsonArray toJson(const std::vector<RecordNote>& notes);
// {"x", "y", "width", "height", "source_width", "source_height"}: the result's image.region, a case's region column.
QJsonObject toJson(const ImageRegion& region);
ImageRegion regionFromJson(const QJsonObject& json);
std::vector<RecordNote> recordNotesFromJson(const QJsonArray& json);
// The inverse of toJson(result) (the case store keeps results as JSON). Missing fields keep their defaults.
AnalysisResult resultFromJson(const QJsonObject& json);

}  // namespace synthscope
