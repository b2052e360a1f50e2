#pragma once
#include <array>
#include <cstdint>

namespace synthscope {

// The IJG (libjpeg) quantisation table for a quality 1..100, natural (row-major 8x8) order: the standard
// table of JPEG Annex K (K.1 luminance, K.2 chrominance) scaled exactly as jpeg_set_quality(q, TRUE) does
// (libjpeg, libjpeg-turbo, and so OpenCV, Pillow, GIMP and most web tools). Qualities outside 1..100 are clamped.
std::array<std::uint16_t, 64> ijgQuantTable(int quality, bool chrominance);

struct QualityEstimate {
    int quality = 0;            // 1..100, 0 when there was no table
    double meanAbsError = -1;   // mean |table - IJG table| per entry, in quantisation steps; 0 = exact
    bool exact = false;         // the tables are IJG's at that quality, entry for entry
};

// The quality whose IJG tables are nearest to the file's luminance table (and chrominance table, when
// given). Exact for files written by libjpeg at that quality; for cameras and other encoders with their own
// tables it is the nearest IJG equivalent, and meanAbsError says how far off that is.
QualityEstimate estimateIjgQuality(const std::array<std::uint16_t, 64>& luminance,
                                   const std::array<std::uint16_t, 64>* chrominance = nullptr);

}  // namespace synthscope
