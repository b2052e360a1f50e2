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

std::string ofThem(std::size_t k, std::size_t n) { return k == 0 ? "none of the " + std::to_string(n) : std::to_string(k) + " of the " + std::to_string(n); }

// No part of the region's size fitted beside it: its own n x n parts and parts of their size beside it.
std::string explainAtSmallerSize(bool regionFlagged, const RegionControls& c) {
    const std::size_t flagged = std::size_t(c.flagged()), n = c.parts.size();
    const std::size_t insideFlagged = std::size_t(c.insideFlagged()), insideCount = c.inside.size();
    std::string said = "No part of the region's size fits elsewhere in the picture, so it was compared at 1/" +
                       std::to_string(c.sizeDivisor()) + " of its size: " + ofThem(insideFlagged, insideCount) +
                       " parts it was cut into and " + ofThem(flagged, n) + (n == 1 ? " part" : " parts") +
                       " of that size elsewhere are flagged";
    if (insideFlagged > 0 && flagged == 0)
        return said + (regionFlagged ? ": the region stands out from the rest of the picture." : ", though the region as a whole is not.");
    if (insideFlagged > 0 || flagged > 0)
        return said + (regionFlagged ? ": the model finds generated-looking parts elsewhere as well, so this verdict says little about the "
                                       "region on its own."
                                     : ".");
    return said + (regionFlagged ? ": at that size nothing in the region stands out, so this verdict says little about where in it "
                                   "the model sees a generator."
                                 : ".");
}

// Up to `count` places of partWidth x partHeight beside the region (controlPlacesFor's rules).
std::vector<ImageRegion> placesBeside(const ImageRegion& region, int partWidth, int partHeight, int count) {
    std::vector<ImageRegion> chosen;
    if (count <= 0) return chosen;
    struct Candidate {
        ImageRegion place;
        std::int64_t nearest;  // squared distance to the region or the nearest part chosen
        bool usable;
    };
    std::vector<Candidate> candidates;
    const std::vector<int> xs = startsAlong(region.sourceWidth, partWidth, region.x, region.width);
    const std::vector<int> ys = startsAlong(region.sourceHeight, partHeight, region.y, region.height);
    for (int y : ys)
        for (int x : xs) {
            ImageRegion place{x, y, partWidth, partHeight, region.sourceWidth, region.sourceHeight};
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

// The region cut into n x n parts of equal size, row by row (a remainder of fewer than n pixels is left at
// its right and bottom edges).
std::vector<ImageRegion> partsOf(const ImageRegion& region, int n) {
    std::vector<ImageRegion> parts;
    const int w = region.width / n, h = region.height / n;
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) parts.push_back({region.x + i * w, region.y + j * h, w, h, region.sourceWidth, region.sourceHeight});
    return parts;
}

}  // namespace

std::vector<ImageRegion> controlPlacesFor(const ImageRegion& region, int count) {
    return placesBeside(region, region.width, region.height, count);
}

ControlLayout controlLayoutFor(const ImageRegion& region, int count, int minSide) {
    ControlLayout layout;
    layout.places = controlPlacesFor(region, count);
    if (count <= 0 || !layout.places.empty()) return layout;
    for (int n = 2; n * n <= kMaxInsideParts && std::min(region.width, region.height) / n >= std::max(1, minSide); ++n) {
        std::vector<ImageRegion> places = placesBeside(region, region.width / n, region.height / n, count);
        if (places.size() > layout.places.size()) layout = {std::move(places), partsOf(region, n)};
        if (int(layout.places.size()) >= count) break;
    }
    return layout;
}

RegionControlCheck::RegionControlCheck(std::shared_ptr<Detector> detector, AnalysisSettings settings)
    : analyzer_(std::move(detector), verdictOnly(settings)) {}

ControlPart RegionControlCheck::analysePart(const LoadedImage& image, const ImageRegion& place, const std::atomic<bool>* cancel) const {
    LoadedImage part;  // the verdict is all that is read: no bytes, no hash
    part.path = image.path;
    part.header = image.header;
    part.rgb = image.wholeRgb(cv::Rect(place.x, place.y, place.width, place.height)).clone();
    part.wholeRgb = image.wholeRgb;
    part.region = place;
    const AnalysisResult r = analyzer_.analyze(part, nullptr, cancel);
    return {place, r.verdict.label, r.verdict.syntheticProbability};
}

RegionControls RegionControlCheck::check(const LoadedImage& image, const Verdict& region, int asked, const ControlLayout& layout,
                                         const std::atomic<bool>* cancel, const std::function<void(int)>& onPart) const {
    RegionControls out;
    out.asked = asked;
    if (!image.region || image.wholeRgb.empty()) {
        out.error = "internal error: the controls were asked for an image that is not a region";
        return out;
    }
    try {
        int done = 0;
        for (const ImageRegion& place : layout.places) {
            out.parts.push_back(analysePart(image, place, cancel));
            if (onPart) onPart(++done);
        }
        for (const ImageRegion& place : layout.inside) {
            out.inside.push_back(analysePart(image, place, cancel));
            if (onPart) onPart(++done);
        }
        out.explanation = explain(region, out.parts, out.inside);
    } catch (const EngineError& e) {
        if (e.kind() == ErrorKind::Cancelled) throw;
        out.parts.clear();
        out.inside.clear();
        out.error = std::string("the control parts could not be analysed: ") + e.what();
    } catch (const std::bad_alloc&) {
        out.parts.clear();
        out.inside.clear();
        out.error = "not enough memory to analyse the control parts";
    }
    return out;
}

std::string RegionControlCheck::explain(const Verdict& region, const std::vector<ControlPart>& parts,
                                        const std::vector<ControlPart>& inside) {
    const std::size_t n = parts.size();
    if (n == 0)
        return "No part of the region's size, nor of a smaller size the model can judge, fits elsewhere in the picture "
               "without overlapping it, so the region could not be compared with the rest of the picture (a smaller "
               "selection can be).";
    const bool regionFlagged = region.label == VerdictLabel::Synthetic;
    RegionControls tally;  // for its counts and its rule
    tally.parts = parts;
    tally.inside = inside;
    if (!inside.empty()) return explainAtSmallerSize(regionFlagged, tally);
    const std::size_t flagged = std::size_t(tally.flagged());
    std::string counted;
    if (n == 1) counted = std::string("The one part of the same size elsewhere in the picture is ") + (flagged ? "" : "not ") + "flagged";
    else if (flagged == 0) counted = "None of the " + partsOfTheSameSize(n) + " is flagged";
    else if (flagged == n) counted = "All " + partsOfTheSameSize(n) + " are flagged";
    else counted = std::to_string(flagged) + " of the " + partsOfTheSameSize(n) + (flagged == 1 ? " is" : " are") + " flagged";
    if (regionFlagged && flagged == 0) return counted + ": the region stands out from the rest of the picture.";
    const std::string against = " (" + percentText(tally.highestBeside()) + " at most, against the region's " +
                                percentText(region.syntheticProbability) + ")";
    if (tally.standOut(region))
        return counted + " too, but less strongly than the region" + against +
               ": the region stands out from the rest of the picture (a part like the others would rank first among these " +
               std::to_string(n + 1) + " one time in " + std::to_string(n + 1) + " by chance).";
    if (regionFlagged)
        return counted + " too, " + (flagged == 1 ? "as strongly as the region or more" : "one of them as strongly as the region or more") +
               against + ": the model finds generated-looking parts elsewhere as well, so this verdict says little about the "
                         "region on its own.";
    if (flagged == 0) return counted + " either.";
    return counted + ", though this region is not.";
}

}  // namespace synthscope
