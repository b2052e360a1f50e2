#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace synthscope {

// Zig-zag position (0 = DC) -> index in natural (row-major 8x8) order.
extern const std::array<int, 64> kZigzagToNatural;

// The quantised DCT coefficients of one JPEG component, as stored in the file.
struct DctPlane {
    int blocksWide = 0, blocksHigh = 0;
    std::vector<std::int16_t> coefficients;  // 64 per block, natural order, blocks row-major
    std::array<std::uint16_t, 64> quant{};   // the component's quantisation steps, natural order
};

// What the double-quantisation fit found at one frequency.
struct DoubleQuantFit {
    int zigzag = 0;            // frequency, zig-zag position (0 = DC)
    int q2 = 0;                // the file's quantisation step
    int q1 = 0;                // first step that best explains the histogram (q2: a single compression fits best)
    double singleError = 0;    // L1 distance of the observed histogram to the single-compression model
    double bestError = 0;      // ... and to the best double-compression model
};

struct DoubleQuantResult {
    bool analysed = false;     // false: too few blocks or no usable frequency (score is then 0)
    double score = 0;          // 0..1: share of the single-compression misfit that a first quantisation explains
    std::vector<DoubleQuantFit> fits;  // the frequencies used
    int primaryQuality = 0;    // IJG quality whose luminance steps best match the estimated first steps; 0: none
};

// Aligned double JPEG compression from the luminance coefficients (Lukas & Fridrich's "estimation of the
// primary quantisation matrix" with calibration):
//  - decode the plane and take the 8x8 DCT again at offsets off the block grid (the classic crop of 4 pixels,
//    and 7 more offsets pooled): with the grid broken, these coefficients approximate the image's
//    coefficients before any quantisation ("calibration");
//  - for each low frequency, compare the file's histogram with the model "quantised once with step q2" and
//    with "quantised with step q1, then with q2", for every candidate q1;
//  - the score is the share of the single-compression misfit that the best q1 removes, pooled over frequencies.
// What it can show: the image was JPEG-compressed with other tables before this compression, on the same
// 8x8 grid (the usual case of re-saving a JPEG, at a different quality).
// What it cannot show: re-saving at the same quality (q1 == q2 leaves no trace), a first step that divides
// the second one, a first compression followed by cropping off the grid or by resizing (the traces are
// destroyed), or anything about content: social networks and editors re-save authentic photos, and a
// generated image saved twice scores as high as a photo saved twice. Double compression is history, not
// evidence of synthesis or of tampering by itself.
DoubleQuantResult detectDoubleQuantization(const DctPlane& luma);

}  // namespace synthscope
