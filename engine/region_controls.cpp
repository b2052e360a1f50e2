#include "engine/region_controls.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "engine/errors.h"

namespace synthscope {
namespace {

// Starts of a side-long span within [0, extent): a grid, the far edge, and the places flush with the region.
std::vector<int> startsAlong(int extent, int side, int regionStart, int regionSide) {
    const int last = extent - side;
    if (last < 0) return {};
    // A quarter of the side, coarser on huge pictures so that there are at most about 260 starts a side
    // (70,000 candidates, a few MB, however small the region).
    const int step = std::max({1, side / 4, extent / 256});
    std::set<int> starts;
    for (int p = 0; p <= last; p += step) starts.insert(p);
    for (int p : {last, regionStart, regionStart - side, regionStart + regionSide})
        if (p >= 0 && p <= last) starts.insert(p);
    return {starts.begin(), starts.end()};
}

bool overlap(const ImageRegion& a, const ImageRegion& b) {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

std::int64_t centreDistance2(const ImageRegion& a, const ImageRegion& b) {
    // Doubled centres: integers.
    const std::int64_t dx = (2 * std::int64_t(a.x) + a.width) - (2 * std::int64_t(b.x) + b.width);
    const std::int64_t dy = (2 * std::int64_t(a.y) + a.height) - (2 * std::int64_t(b.y) + b.height);
    return dx * dx + dy * dy;
}

std::string partsOfTheSameSize(std::size_t n) {
    return std::to_string(n) + " parts of the same size elsewhere in the picture";
}

}  // namespace

std::vector<ImageRegion> controlPlacesFor(const ImageRegion& region, int count) {
    std::vector<ImageRegion> chosen;
    if (count <= 0) return chosen;
    struct Candidate {
        ImageRegion place;
        std::int64_t nearest;  // squared distance to the region or the nearest part chosen
        bool usable;
    };
    std::vector<Candidate> candidates;
    const std::vector<int> xs = startsAlong(region.sourceWidth, region.width, region.x, region.width);
    const std::vector<int> ys = startsAlong(region.sourceHeight, region.height, region.y, region.height);
    for (int y : ys)
        for (int x : xs) {
            ImageRegion place{x, y, region.width, region.height, region.sourceWidth, region.sourceHeight};
            if (!overlap(place, region)) candidates.push_back({place, centreDistance2(place, region), true});
        }
    while (int(chosen.size()) < count) {
        const Candidate* best = nullptr;
        for (const Candidate& c : candidates)
            if (c.usable && (!best || c.nearest > best->nearest)) best = &c;  // the first of equals: deterministic
        if (!best) break;
        const ImageRegion place = best->place;
        chosen.push_back(place);
        for (Candidate& c : candidates) {
            if (overlap(c.place, place)) c.usable = false;
            else c.nearest = std::min(c.nearest, centreDistance2(c.place, place));
        }
    }
    return chosen;
}

RegionControlCheck::RegionControlCheck(std::shared_ptr<Detector> detector, AnalysisSettings settings)
    : analyzer_(std::move(detector), verdictOnly(settings)) {}

RegionControls RegionControlCheck::check(const LoadedImage& image, VerdictLabel regionLabel, int asked,
                                         const std::vector<ImageRegion>& places, const std::atomic<bool>* cancel,
                                         const std::function<void(int)>& onPart) const {
    RegionControls out;
    out.asked = asked;
    if (!image.region || image.wholeRgb.empty()) {
        out.error = "internal error: the controls were asked for an image that is not a region";
        return out;
    }
    try {
        for (const ImageRegion& place : places) {
            LoadedImage part;  // the verdict is all that is read: no bytes, no hash
            part.path = image.path;
            part.header = image.header;
            part.rgb = image.wholeRgb(cv::Rect(place.x, place.y, place.width, place.height)).clone();
            part.wholeRgb = image.wholeRgb;
            part.region = place;
            const AnalysisResult r = analyzer_.analyze(part, nullptr, cancel);
            out.parts.push_back({place, r.verdict.label, r.verdict.syntheticProbability});
            if (onPart) onPart(int(out.parts.size()));
        }
        out.explanation = explain(regionLabel, out.parts);
    } catch (const EngineError& e) {
        if (e.kind() == ErrorKind::Cancelled) throw;
        out.parts.clear();
        out.error = std::string("the control parts could not be analysed: ") + e.what();
    } catch (const std::bad_alloc&) {
        out.parts.clear();
        out.error = "not enough memory to analyse the control parts";
    }
    return out;
}

std::string RegionControlCheck::explain(VerdictLabel regionLabel, const std::vector<ControlPart>& parts) {
    const std::size_t n = parts.size();
    if (n == 0)
        return "No part of the region's size fits elsewhere in the picture without overlapping it, so the region "
               "could not be compared with the rest of the picture (a smaller selection can be).";
    const auto flagged = std::size_t(
        std::count_if(parts.begin(), parts.end(), [](const ControlPart& p) { return p.label == VerdictLabel::Synthetic; }));
    const bool regionFlagged = regionLabel == VerdictLabel::Synthetic;
    std::string counted;
    if (n == 1) counted = std::string("The one part of the same size elsewhere in the picture is ") + (flagged ? "" : "not ") + "flagged";
    else if (flagged == 0) counted = "None of the " + partsOfTheSameSize(n) + " is flagged";
    else if (flagged == n) counted = "All " + partsOfTheSameSize(n) + " are flagged";
    else counted = std::to_string(flagged) + " of the " + partsOfTheSameSize(n) + (flagged == 1 ? " is" : " are") + " flagged";
    if (regionFlagged && flagged == 0) return counted + ": the region stands out from the rest of the picture.";
    if (regionFlagged)
        return counted + " too: the model finds generated-looking parts elsewhere as well, so this verdict says "
                         "little about the region on its own.";
    if (flagged == 0) return counted + " either.";
    return counted + ", though this region is not.";
}

}  // namespace synthscope
