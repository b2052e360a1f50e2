#include "engine/record_against_verdict.h"

#include <algorithm>

namespace synthscope {

std::vector<std::string> recordAgainstVerdict(VerdictLabel label, const MetadataReport& m) {
    std::vector<std::string> notes;
    if (label == VerdictLabel::Synthetic && !m.cameraModel.empty() && !m.captureDate.empty() && !m.hasStrongGeneratorTrace()) {
        std::string camera = m.cameraModel;
        if (!m.cameraMake.empty() && m.cameraModel.find(m.cameraMake) == std::string::npos) camera = m.cameraMake + " " + camera;
        const bool thumbnail = m.thumbnailCheck.outcome == ThumbnailComparison::Outcome::Matches;
        notes.push_back("The detector calls it synthetic, but the file carries a camera's record: " + camera + ", taken " + m.captureDate +
                        (thumbnail ? ", with an EXIF thumbnail that shows the same picture" : "") +
                        ". Generators write no such record, though it can be copied from a real photo; and a detector errs on "
                        "photos unlike those it was trained on. Weigh both.");
    }
    if (label != VerdictLabel::Synthetic && m.hasStrongGeneratorTrace()) {
        const auto strong = std::find_if(m.generatorTraces.begin(), m.generatorTraces.end(), [](const Finding& f) { return f.severity == "strong"; });
        notes.push_back(std::string(label == VerdictLabel::Authentic ? "The detector found no sign of generation"
                                                                     : "The detector cannot tell") +
                        ", but the metadata says a generator made or edited it: " + strong->text +
                        " Metadata can be forged; a detector misses generators it was not trained on. Weigh both.");
    }
    return notes;
}

}  // namespace synthscope
