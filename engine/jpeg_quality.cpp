#include "engine/jpeg_quality.h"

#include <algorithm>
#include <cstdlib>

namespace synthscope {
namespace {

// JPEG standard Annex K.1 / K.2, natural order (as in libjpeg's jcparam.c).
constexpr std::array<int, 64> kStdLuminance = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
constexpr std::array<int, 64> kStdChrominance = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

}  // namespace

std::array<std::uint16_t, 64> ijgQuantTable(int quality, bool chrominance) {
    quality = std::clamp(quality, 1, 100);
    // jpeg_quality_scaling(): integer division, as libjpeg does it.
    const long scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
    const std::array<int, 64>& base = chrominance ? kStdChrominance : kStdLuminance;
    std::array<std::uint16_t, 64> table{};
    for (int i = 0; i < 64; ++i) {
        const long v = (base[i] * scale + 50) / 100;  // jpeg_add_quant_table(), force_baseline = TRUE
        table[i] = std::uint16_t(std::clamp(v, 1L, 255L));
    }
    return table;
}

QualityEstimate estimateIjgQuality(const std::array<std::uint16_t, 64>& luminance,
                                   const std::array<std::uint16_t, 64>* chrominance) {
    QualityEstimate best;
    long bestError = -1;
    for (int q = 1; q <= 100; ++q) {
        long error = 0;
        const auto lum = ijgQuantTable(q, false);
        for (int i = 0; i < 64; ++i) error += std::labs(long(luminance[i]) - lum[i]);
        if (chrominance) {
            const auto chr = ijgQuantTable(q, true);
            for (int i = 0; i < 64; ++i) error += std::labs(long((*chrominance)[i]) - chr[i]);
        }
        if (bestError < 0 || error < bestError) {
            bestError = error;
            best.quality = q;
        }
    }
    best.meanAbsError = double(bestError) / (chrominance ? 128 : 64);
    best.exact = bestError == 0;
    return best;
}

}  // namespace synthscope
