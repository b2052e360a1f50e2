#include "engine/double_jpeg.h"

#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>

#include "engine/jpeg_quality.h"

namespace synthscope {

const std::array<int, 64> kZigzagToNatural = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

namespace {

constexpr int kFrequencies = 15;       // DC and the 14 lowest AC frequencies: where the histograms are rich
constexpr int kMaxFirstStep = 64;      // candidate first steps 1..64 (quality ~25 and finer)
constexpr int kMinBlocks = 64;         // below this (~ 64x64 pixels) the histograms say nothing
constexpr int kMaxBlocksSide = 256;    // analyse at most a central 2048x2048 pixels: enough statistics, bounded time
constexpr int kMinHistogramMass = 100; // a frequency with fewer non-zero coefficients is skipped
constexpr int kAcRange = 64;           // AC histograms over -64..64 (beyond: too sparse to matter)
// Several offsets off the 8x8 grid: each gives an estimate of the unquantised coefficients, and pooling
// them makes the model histograms far less noisy than the single classic (4, 4) crop (measured: AUC for
// quality 90 then 70 on 30 BSDS photos 0.84 -> 0.98).
const std::vector<cv::Point> kCalibrationShifts = {{4, 4}, {2, 6}, {6, 2}, {2, 2}, {6, 6}, {4, 2}, {2, 4}, {6, 4}};
constexpr std::size_t kCalibrationBlocks = 40'000;
constexpr double kConfidentFit = 0.5;  // a frequency whose misfit drops by half has a trustworthy q1

// JPEG's quantisation rounds half away from zero, as std::lround does.
inline long quantise(double value, double step) { return std::lround(value / step); }

// The plane as a decoder shows it: dequantise, inverse DCT, level shift, round and clamp to 8 bits.
cv::Mat decodeBlocks(const DctPlane& plane, int bx0, int by0, int bw, int bh) {
    cv::Mat pixels(bh * 8, bw * 8, CV_32F);
    cv::Mat block(8, 8, CV_32F), spatial;
    for (int by = 0; by < bh; ++by) {
        for (int bx = 0; bx < bw; ++bx) {
            const std::int16_t* c = &plane.coefficients[(std::size_t(by0 + by) * plane.blocksWide + (bx0 + bx)) * 64];
            for (int i = 0; i < 64; ++i) block.at<float>(i / 8, i % 8) = float(c[i]) * float(plane.quant[i]);
            cv::idct(block, spatial);  // orthonormal: the same scaling as JPEG's DCT
            for (int y = 0; y < 8; ++y)
                for (int x = 0; x < 8; ++x)
                    pixels.at<float>(by * 8 + y, bx * 8 + x) = std::clamp(std::round(spatial.at<float>(y, x) + 128.f), 0.f, 255.f);
        }
    }
    return pixels;
}

// DCT coefficients of the blocks of `pixels` off the JPEG grid, for every shift in `shifts` (each a pixel
// offset 1..7 in x and y): rows = blocks, 64 columns in natural order.
cv::Mat calibratedCoefficients(const cv::Mat& pixels, const std::vector<cv::Point>& shifts) {
    const int bw = pixels.cols / 8 - 1, bh = pixels.rows / 8 - 1;
    cv::Mat out(bw * bh * int(shifts.size()), 64, CV_32F);
    cv::Mat block, freq;
    int r = 0;
    for (const cv::Point& s : shifts) {
        for (int by = 0; by < bh; ++by) {
            for (int bx = 0; bx < bw; ++bx) {
                pixels(cv::Rect(s.x + bx * 8, s.y + by * 8, 8, 8)).copyTo(block);
                block -= 128.f;
                cv::dct(block, freq);
                float* row = out.ptr<float>(r++);
                for (int i = 0; i < 64; ++i) row[i] = freq.at<float>(i / 8, i % 8);
            }
        }
    }
    return out;
}

// A histogram over the integer values lo..hi, with the bins that take part in the comparison.
struct Histogram {
    int lo = 0, hi = 0;
    bool skipZero = false;  // AC: the zero bin mixes everything small and is where calibration is weakest
    std::vector<double> counts;

    Histogram(int lo_, int hi_, bool skipZero_) : lo(lo_), hi(hi_), skipZero(skipZero_), counts(std::size_t(hi_ - lo_ + 1), 0.0) {}
    void add(long v) {
        if (v >= lo && v <= hi && !(skipZero && v == 0)) counts[std::size_t(v - lo)] += 1;
    }
    double mass() const {
        double m = 0;
        for (double c : counts) m += c;
        return m;
    }
};

// L1 distance between the two histograms normalised to unit mass (0..2).
double distance(const Histogram& a, const Histogram& b) {
    const double ma = a.mass(), mb = b.mass();
    if (ma <= 0 || mb <= 0) return 2.0;
    double d = 0;
    for (std::size_t i = 0; i < a.counts.size(); ++i) d += std::abs(a.counts[i] / ma - b.counts[i] / mb);
    return d;
}

int primaryQualityFrom(const std::vector<DoubleQuantFit>& fits) {
    std::vector<const DoubleQuantFit*> confident;
    for (const DoubleQuantFit& f : fits)
        if (f.q1 != f.q2 && f.singleError > 0 && (f.singleError - f.bestError) / f.singleError >= kConfidentFit) confident.push_back(&f);
    if (confident.size() < 3) return 0;
    int bestQuality = 0, bestMatches = 0;
    long bestDiff = 0;
    for (int q = 1; q <= 100; ++q) {
        const auto table = ijgQuantTable(q, false);
        int matches = 0;
        long diff = 0;
        for (const DoubleQuantFit* f : confident) {
            const int step = table[std::size_t(kZigzagToNatural[std::size_t(f->zigzag)])];
            matches += step == f->q1;
            diff += std::labs(long(step) - f->q1);
        }
        if (matches > bestMatches || (matches == bestMatches && matches > 0 && diff < bestDiff)) {
            bestQuality = q;
            bestMatches = matches;
            bestDiff = diff;
        }
    }
    // Most first steps must agree with one IJG quality, or the first encoder used other tables.
    return bestMatches * 5 >= int(confident.size()) * 3 ? bestQuality : 0;
}

}  // namespace

DoubleQuantResult detectDoubleQuantization(const DctPlane& luma) {
    DoubleQuantResult result;
    if (luma.blocksWide < 2 || luma.blocksHigh < 2 || std::size_t(luma.blocksWide) * luma.blocksHigh < kMinBlocks ||
        luma.coefficients.size() != std::size_t(luma.blocksWide) * luma.blocksHigh * 64)
        return result;
    const int bw = std::min(luma.blocksWide, kMaxBlocksSide), bh = std::min(luma.blocksHigh, kMaxBlocksSide);
    const int bx0 = (luma.blocksWide - bw) / 2, by0 = (luma.blocksHigh - bh) / 2;
    // As many offsets as it takes to have ~kCalibrationBlocks model blocks: small images need all of them.
    const std::size_t offsets = std::clamp<std::size_t>(kCalibrationBlocks / (std::size_t(bw) * bh) + 1, 1, kCalibrationShifts.size());
    const std::vector<cv::Point> shifts(kCalibrationShifts.begin(), kCalibrationShifts.begin() + std::ptrdiff_t(offsets));
    const cv::Mat calibrated = calibratedCoefficients(decodeBlocks(luma, bx0, by0, bw, bh), shifts);

    double singleSum = 0, bestSum = 0;
    for (int k = 0; k < kFrequencies; ++k) {
        const int n = kZigzagToNatural[std::size_t(k)];
        const int q2 = luma.quant[std::size_t(n)];
        if (q2 <= 0) continue;
        const bool dc = k == 0;
        // DC spans the whole level range (+-1024 before quantisation); AC histograms are cut at kAcRange.
        const int range = dc ? 1024 / q2 + 2 : std::min(kAcRange, 1024 / q2 + 2);
        Histogram observed(-range, range, !dc);
        for (int by = by0; by < by0 + bh; ++by)
            for (int bx = bx0; bx < bx0 + bw; ++bx)
                observed.add(luma.coefficients[(std::size_t(by) * luma.blocksWide + bx) * 64 + std::size_t(n)]);
        if (observed.mass() < kMinHistogramMass) continue;

        DoubleQuantFit fit;
        fit.zigzag = k;
        fit.q2 = q2;
        fit.q1 = q2;
        fit.bestError = 1e9;
        for (int q1 = 1; q1 <= std::max(kMaxFirstStep, q2); ++q1) {
            Histogram model(-range, range, !dc);
            for (int r = 0; r < calibrated.rows; ++r) {
                const double c = calibrated.at<float>(r, n);
                model.add(quantise(double(quantise(c, q1)) * q1, q2));
            }
            const double d = distance(observed, model);
            if (q1 == q2) fit.singleError = d;
            if (d < fit.bestError) {
                fit.bestError = d;
                fit.q1 = q1;
            }
        }
        // Only a strictly better fit counts: a first step that changes nothing (q1 == q2, or one of its
        // divisors) leaves the verdict "single compression".
        if (fit.bestError >= fit.singleError - 1e-12) {
            fit.bestError = fit.singleError;
            fit.q1 = q2;
        }
        singleSum += fit.singleError;
        bestSum += fit.bestError;
        result.fits.push_back(fit);
    }
    if (result.fits.empty() || singleSum <= 0) return result;
    result.analysed = true;
    result.score = std::clamp((singleSum - bestSum) / singleSum, 0.0, 1.0);
    result.primaryQuality = primaryQualityFrom(result.fits);
    return result;
}

}  // namespace synthscope
