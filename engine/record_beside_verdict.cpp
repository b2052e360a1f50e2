#include "engine/record_beside_verdict.h"

#include <algorithm>

#include "engine/thumbnail_check.h"

namespace synthscope {
namespace {

using Outcome = ThumbnailComparison::Outcome;

// "Canon EOS 5D Mark IV, taken 2021:06:01 12:34:56": the make is not repeated when the model names it.
std::string cameraRecord(const MetadataReport& m) {
    std::string camera = m.cameraModel;
    if (!m.cameraMake.empty() && m.cameraModel.find(m.cameraMake) == std::string::npos) camera = m.cameraMake + " " + camera;
    return camera + ", taken " + m.captureDate;
}

}  // namespace

std::vector<RecordNote> recordBesideVerdict(VerdictLabel label, const MetadataReport& m, const std::optional<ImageRegion>& region) {
    if (region) return recordBesideRegion(label, m, *region);
    std::vector<RecordNote> notes;
    const Outcome thumbnail = m.thumbnailCheck.outcome;
    const bool camera = !m.cameraModel.empty() && !m.captureDate.empty();
    if (label == VerdictLabel::Synthetic && camera && !m.hasStrongGeneratorTrace()) {
        if (thumbnail == Outcome::OtherImage)
            notes.push_back({false, "The file carries a camera's record (" + cameraRecord(m) + "). " + m.thumbnailCheck.finding.text +
                                        " So that record does not speak for these pixels."});
        else if (thumbnail == Outcome::LocalChange)
            notes.push_back({false, "The file carries a camera's record (" + cameraRecord(m) + "). " + m.thumbnailCheck.finding.text +
                                        " A photo changed there by a generator would look like this: compare that part with the heatmap."});
        else
            notes.push_back({true, "The detector calls it synthetic, but the file carries a camera's record: " + cameraRecord(m) +
                                       (thumbnail == Outcome::Matches ? ", with an EXIF thumbnail that shows the same picture" : "") +
                                       ". Generators write no such record, though it can be copied from a real photo; and a detector errs "
                                       "on photos unlike those it was trained on. Weigh both."});
    }
    if (label != VerdictLabel::Synthetic && m.hasStrongGeneratorTrace()) {
        const auto strong = std::find_if(m.generatorTraces.begin(), m.generatorTraces.end(), [](const Finding& f) { return f.severity == "strong"; });
        notes.push_back({true, std::string(label == VerdictLabel::Authentic ? "The detector found no sign of generation"
                                                                            : "The detector cannot tell") +
                                   ", but the metadata says a generator made or edited it: " + strong->text +
                                   " Metadata can be forged; a detector misses generators it was not trained on. Weigh both."});
    }
    if (label != VerdictLabel::Synthetic && thumbnail == Outcome::LocalChange)
        notes.push_back({false, m.thumbnailCheck.finding.text +
                                    " The detector's verdict is about the image as a whole: look at that part in the heatmap."});
    return notes;
}

std::vector<RecordNote> recordBesideRegion(VerdictLabel label, const MetadataReport& m, const ImageRegion& region) {
    const ThumbnailComparison& t = m.thumbnailCheck;
    if (t.outcome != Outcome::LocalChange || t.differingCells == 0) return {};
    const std::uint16_t under =
        thumbnailCellsOverlapping(region.x, region.y, region.width, region.height, region.sourceWidth, region.sourceHeight);
    const std::uint16_t changed = under & t.differingCells;
    if (changed == 0)
        return {{false, std::string("The EXIF thumbnail differs from the picture in part of it (most of all ") + thumbnailCellName(t.worstCellIndex) +
                            "), but not in the part of the picture that holds this region."}};
    int first = 0;
    while (!(changed & (1u << first))) ++first;
    return {{false, std::string("The EXIF thumbnail differs from the picture in the part that holds this region (") + thumbnailCellName(first) +
                        "): the picture was changed there after the thumbnail was written." +
                        (label == VerdictLabel::Synthetic   ? " A photo changed there by a generator would look like this."
                         : label == VerdictLabel::Authentic ? " The detector does not call the region generated; the change may be of another kind."
                                                            : " The detector cannot tell whether a generator made that change.")}};
}

std::vector<RecordNote> recordBesideVerdict(VerdictLabel label, const LoadedImage& image) {
    MetadataReport metadata = readMetadata(image);
    if (metadata.hasThumbnail) checkThumbnail(metadata, image.wholePicture(), image.header.exifOrientation);
    return recordBesideVerdict(label, metadata, image.region);
}

}  // namespace synthscope
