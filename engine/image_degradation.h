#pragma once
#include <string>
#include <vector>

#include "engine/image_loader.h"

namespace synthscope {

// A degraded copy of an image of the kind photos go through when shared or edited: a JPEG re-encode, a
// rescale or a contrast change. Used by the robustness check and by `synthscope evaluate --jpeg`,
// `--max-side` and `--contrast`.
struct Degradation {
    enum class Kind { Jpeg, Rescale, MaxSide, Contrast };
    Kind kind = Kind::Jpeg;
    int quality = 90;    // Jpeg: 1..100 (OpenCV/libjpeg, 4:2:0)
    double scale = 1.0;  // Rescale: factor per axis, (0, 4]; area interpolation when shrinking, cubic when enlarging
    int maxSide = 0;     // MaxSide: shrink (area) so that the longer side is at most this; smaller images unchanged
    double contrast = 1.0;  // Contrast: factor about the image's mean grey, (0, 4] (as Pillow's ImageEnhance.Contrast)

    static Degradation jpeg(int quality) { return {Kind::Jpeg, quality, 1.0, 0}; }
    static Degradation rescale(double scale) { return {Kind::Rescale, 0, scale, 0}; }
    static Degradation maxSideOf(int side) { return {Kind::MaxSide, 0, 1.0, side}; }
    static Degradation contrastOf(double factor) { return {Kind::Contrast, 0, 1.0, 0, factor}; }
    std::string name() const;  // "jpeg90", "rescale0.75", "maxside1024", "contrast1.3"
    std::string description() const;  // "JPEG 90", "0.75x rescale", "longest side 1024 px", "1.3x contrast"
};

// Parses "jpeg90", "rescale0.75", "maxside1024" or "contrast1.3" (a colon after the word is allowed: "jpeg:90");
// throws EngineError(BadInput).
Degradation parseDegradation(const std::string& text);

// The copy, in memory, decoded back through the image loader (so it has bytes, a hash and a header like
// any loaded file; a rescaled copy is stored as lossless PNG). Its path is the original's plus
// " (jpeg90)". A MaxSide copy of an image already within the size is the image itself (same bytes). A
// Contrast copy keeps the size and is stored as lossless PNG. Throws EngineError(BadInput) for an invalid
// setting or a result under 2x2 pixels.
LoadedImage degradeImage(const LoadedImage& image, const Degradation& degradation);

}  // namespace synthscope
