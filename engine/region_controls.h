#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "engine/image_analyzer.h"

namespace synthscope {

// Where to look for controls: up to `count` rectangles of the region's size inside the whole picture
// (region.sourceWidth x region.sourceHeight), overlapping neither the region nor each other, spread over
// the picture (each the farthest, centre to centre, from the region and the ones before it). Positions
// are on a grid of a quarter of the region's side, plus those flush with the picture's edges and the
// region's, so that a tight fit is found. Deterministic; empty when nothing fits.
std::vector<ImageRegion> controlPlacesFor(const ImageRegion& region, int count);

// What a region is compared with. When no part of its size fits beside it (a large selection, 25 of 34
// centred 1024-px squares of camera photos), the comparison is made at a smaller size instead: the region
// is cut into n x n equal parts (n = 2, 3, ...) and up to `count` parts of that size are placed beside it,
// so that its own parts and the picture's other parts are judged alike. n is the smallest that gives
// `count` places (else the one that gives the most), parts are never smaller than minSide (the model's
// patch) and a region is cut into at most kMaxInsideParts.
struct ControlLayout {
    std::vector<ImageRegion> places;  // beside the region
    std::vector<ImageRegion> inside;  // the region's own parts; empty when the places have the region's size
    int partsToAnalyse() const { return int(places.size() + inside.size()); }
};
constexpr int kMaxInsideParts = 36;
ControlLayout controlLayoutFor(const ImageRegion& region, int count, int minSide);

// A region's verdict says something about the region only if the rest of the picture does not look the
// same to the model: on camera photos with nothing pasted, a third of centred squares are flagged, as a
// third of the whole photos are (README, "Regions"). This analyses parts of the same size elsewhere in the
// picture, as the region was but verdict only, and says whether the region stands out from them (at a
// smaller size, through the region's own parts, when none of its size fits: ControlLayout), by the rule
// of RegionControls::standOut.
class RegionControlCheck {
public:
    // settings: the region's analysis settings (the stride and top-k are kept; heatmap and combined
    // attribution are left out, as the verdict is all that is read).
    RegionControlCheck(std::shared_ptr<Detector> detector, AnalysisSettings settings);

    // image: a region cropped by cropToRegion (its wholeRgb is the picture); region: its verdict;
    // layout: controlLayoutFor(*image.region, asked, ...), which the caller has already counted for its progress.
    // A failure other than cancellation (not enough memory) becomes the report's error.
    // Throws EngineError(Cancelled) when `cancel` is set.
    // onPart, when given, is called after each part with the number done (progress).
    RegionControls check(const LoadedImage& image, const Verdict& region, int asked, const ControlLayout& layout,
                         const std::atomic<bool>* cancel = nullptr, const std::function<void(int)>& onPart = {}) const;

    // The sentence for a region's verdict and its controls' (and its own parts', when compared at a smaller
    // size), by RegionControls::standOut's rule.
    static std::string explain(const Verdict& region, const std::vector<ControlPart>& parts, const std::vector<ControlPart>& inside = {});

private:
    ControlPart analysePart(const LoadedImage& image, const ImageRegion& place, const std::atomic<bool>* cancel) const;

    ImageAnalyzer analyzer_;
};

}  // namespace synthscope
