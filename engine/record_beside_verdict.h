#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/analysis_result.h"
#include "engine/image_loader.h"
#include "engine/metadata.h"

namespace synthscope {

// What a reader sees beside the verdict (verdict panel, evidence reports, case table, `synthscope
// analyze` and `batch`) about what the file's own record says (RecordNote, analysis_result.h). Neither
// settles it alone: metadata can be copied, forged or stripped, and a detector errs on photos unlike its
// training data and misses generators it was not trained on. But a reader should not see one without
// the other.
//
// The notes for a verdict and the file's metadata (its thumbnail compared: checkThumbnail):
// - against a "synthetic" verdict: a camera's record, make and model with the capture date, stronger when
//   the EXIF thumbnail shows the same picture; but when the thumbnail shows another picture the record
//   does not belong to these pixels, and when it differs in one part the photo was changed there after
//   capture (which a generator may have done): then the note says so and is not "against";
// - against an "authentic" or "inconclusive" verdict: a strong generator trace in the metadata (a
//   generator's parameters, an AI digital source type, a C2PA manifest that declares one);
// - beside those two verdicts: an EXIF thumbnail that differs from the image in one part.
// Empty when the record says nothing either way. With a region: recordBesideRegion's notes instead.
std::vector<RecordNote> recordBesideVerdict(VerdictLabel label, const MetadataReport& metadata,
                                            const std::optional<ImageRegion>& region = std::nullopt);

// The same for a file as it was loaded for its analysis: its metadata read from its bytes (Exiv2 in the
// decoder process), its thumbnail compared with its whole picture; for a region of the file
// (image.region), the region's notes. Never throws for bad metadata (a file whose metadata cannot
// be read has nothing to say).
std::vector<RecordNote> recordBesideVerdict(VerdictLabel label, const LoadedImage& image);

// For a region of a picture: the file's record describes the whole picture, and a camera's record beside a
// region that looks generated is what a local edit looks like, not a contradiction. What the record can say
// of the region is where an EXIF thumbnail that differs from the picture in part of it differs: in a part
// of the 4x4 grid the region overlaps (the picture was changed there after the thumbnail was written), or
// elsewhere only. A thumbnail compared at 64 px cannot see an edit much smaller than a sixteenth of the
// picture, so a thumbnail that matches says nothing about a small region and no note is made.
std::vector<RecordNote> recordBesideRegion(VerdictLabel label, const MetadataReport& wholeFile, const ImageRegion& region);

}  // namespace synthscope
