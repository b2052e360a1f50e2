#pragma once
#include <string>
#include <vector>

#include "engine/analysis_result.h"
#include "engine/image_loader.h"
#include "engine/metadata.h"

namespace synthscope {

// A sentence a reader sees beside the verdict (verdict panel, evidence report, `synthscope analyze`)
// about what the file's own record says. Neither settles it alone: metadata can be copied, forged or
// stripped, and a detector errs on photos unlike its training data and misses generators it was not
// trained on. But a reader should not see one without the other.
struct RecordNote {
    bool againstVerdict = false;  // the record points the other way from the verdict
    std::string text;
};

// The notes for a verdict and the file's metadata (its thumbnail compared: checkThumbnail):
// - against a "synthetic" verdict: a camera's record, make and model with the capture date, stronger when
//   the EXIF thumbnail shows the same picture; but when the thumbnail shows another picture the record
//   does not belong to these pixels, and when it differs in one part the photo was changed there after
//   capture (which a generator may have done): then the note says so and is not "against";
// - against an "authentic" or "inconclusive" verdict: a strong generator trace in the metadata (a
//   generator's parameters, an AI digital source type, a C2PA manifest that declares one);
// - beside those two verdicts: an EXIF thumbnail that differs from the image in one part.
// Empty when the record says nothing either way.
std::vector<RecordNote> recordBesideVerdict(VerdictLabel label, const MetadataReport& metadata);

// The same, reading the file at `path` again: its metadata, and its pixels when there is a thumbnail to
// compare. For callers that hold only the detector's result (the command line). Throws EngineError when
// the file cannot be read; a thumbnail whose image cannot be decoded is left uncompared.
std::vector<RecordNote> recordBesideVerdictOfFile(const std::string& path, VerdictLabel label, const LoadOptions& load = {});

}  // namespace synthscope
