#pragma once
#include <string>
#include <vector>

#include "engine/image_loader.h"

namespace synthscope {

// A degraded copy of an image of the kind photos go through when shared: a JPEG re-encode or a rescale.
// Used by the robustness check and by `synthscope evaluate --jpeg`.
struct Degradation {
    enum class Kind { Jpeg, Rescale };
    Kind kind = Kind::Jpeg;
    int quality = 90;    // Jpeg: 1..100 (OpenCV/libjpeg, 4:2:0)
    double scale = 1.0;  // Rescale: factor per axis, (0, 4]; area interpolation when shrinking, cubic when enlarging

    static Degradation jpeg(int quality) { return {Kind::Jpeg, quality, 1.0}; }
    static Degradation rescale(double scale) { return {Kind::Rescale, 0, scale}; }
    std::string name() const;  // "jpeg90", "rescale0.75"
};

// Parses "jpeg90", "jpeg:90", "rescale0.75" or "rescale:0.75"; throws EngineError(BadInput).
Degradation parseDegradation(const std::string& text);

// The copy, in memory, decoded back through the image loader (so it has bytes, a hash and a header like
// any loaded file; a rescaled copy is stored as lossless PNG). Its path is the original's plus
// " (jpeg90)". Throws EngineError(BadInput) for an invalid setting or a result under 2x2 pixels.
LoadedImage degradeImage(const LoadedImage& image, const Degradation& degradation);

}  // namespace synthscope
