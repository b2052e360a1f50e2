#pragma once
#include <string>
#include <vector>

#include "engine/analysis_result.h"
#include "engine/metadata.h"

namespace synthscope {

// Where the file's own record points the other way from the detector's verdict, in sentences a reader
// sees beside the verdict (verdict panel, evidence report). Neither settles it alone: metadata can be
// copied, forged or stripped, and a detector errs on photos unlike its training data and misses
// generators it was not trained on. But a reader should not see one without the other.
// - "synthetic" against a camera's record: make and model with the capture date, stronger when the EXIF
//   thumbnail shows the same picture (the thumbnail must have been compared: checkThumbnail);
// - "authentic" or "inconclusive" against a strong generator trace in the metadata (a generator's
//   parameters, an AI digital source type, a C2PA manifest that declares one).
// Empty when they agree or the record says nothing either way.
std::vector<std::string> recordAgainstVerdict(VerdictLabel label, const MetadataReport& metadata);

}  // namespace synthscope
