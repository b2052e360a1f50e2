#include "engine/spectrum.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "engine/errors.h"
#include "engine/torch_signal.h"

namespace synthscope {
namespace {

constexpr double kPowerFloor = 1e-10;  // -100 dB: the log of an all-zero residual stays finite

double toDb(double power) { return 10.0 * std::log10(power + kPowerFloor); }

// Median over a kh x kw window of a CV_32F image whose borders wrap around (a spectrum is periodic).
// coarse: computed at even rows and columns only and the rest interpolated, 4x faster; the background
// of a spectrum is smooth at that scale.
cv::Mat medianFilterWrap(const cv::Mat& src, int kh, int kw, bool coarse) {
    auto fit = [](int k, int n) {  // odd, and no wider than the image
        k = std::min(k, n);
        return std::max(1, k % 2 ? k : k - 1);
    };
    kh = fit(kh, src.rows);
    kw = fit(kw, src.cols);
    const int rh = kh / 2, rw = kw / 2, step = coarse ? 2 : 1;
    cv::Mat padded;
    cv::copyMakeBorder(src, padded, rh, rh, rw, rw, cv::BORDER_WRAP);
    cv::Mat out(src.size(), CV_32F);
    cv::parallel_for_(cv::Range(0, (src.rows + step - 1) / step), [&](const cv::Range& rows) {
        std::vector<float> window(std::size_t(kh) * std::size_t(kw));
        for (int y = rows.start * step; y < rows.end * step; y += step)
            for (int x = 0; x < src.cols; x += step) {
                std::size_t n = 0;
                for (int dy = 0; dy < kh; ++dy) {
                    const float* p = padded.ptr<float>(y + dy) + x;
                    for (int dx = 0; dx < kw; ++dx) window[n++] = p[dx];
                }
                std::nth_element(window.begin(), window.begin() + long(n / 2), window.end());
                out.at<float>(y, x) = window[n / 2];
            }
    });
    if (!coarse) return out;
    // Odd rows or columns: the mean of the computed neighbours (the next one wraps to index 0, also even).
    const int rows = src.rows, cols = src.cols;
    auto at = [&](int y, int x) { return out.at<float>(y % rows, x % cols); };
    for (int y = 0; y < rows; y += 2)
        for (int x = 1; x < cols; x += 2) out.at<float>(y, x) = 0.5f * (at(y, x - 1) + at(y, x + 1));
    for (int y = 1; y < rows; y += 2)
        for (int x = 0; x < cols; ++x)
            out.at<float>(y, x) = x % 2 == 0 ? 0.5f * (at(y - 1, x) + at(y + 1, x))
                                             : 0.25f * (at(y - 1, x - 1) + at(y - 1, x + 1) + at(y + 1, x - 1) + at(y + 1, x + 1));
    return out;
}

double median(std::vector<float> values) {
    if (values.empty()) return 0;
    std::nth_element(values.begin(), values.begin() + long(values.size() / 2), values.end());
    return values[values.size() / 2];
}

// Signed frequency index of column/row i of an fftshifted axis of length n.
int frequencyIndex(int i, int n) { return i - n / 2; }
// The index of -k, brought back into the axis' range [-n/2, (n-1)/2].
int conjugateIndex(int k, int n) { return ((-k + n / 2) % n + n) % n - n / 2; }

// Cycles/pixel; the Nyquist index -n/2 of an even axis is reported as +0.5.
double frequency(int k, int n) { return (n % 2 == 0 && k == -n / 2) ? 0.5 : double(k) / n; }

// Whether |f| lies within toleranceBins frequency bins of a multiple of 1/denominator.
bool onLattice(double f, int n, int denominator, double toleranceBins) {
    const double nearest = std::round(std::abs(f) * denominator) / denominator;
    return std::abs(std::abs(f) - nearest) * n <= toleranceBins + 1e-9;
}

// What is transformed: the residual, or its magnitude.
cv::Mat signalOf(cv::Mat residual, const SpectrumOptions& options) {
    return options.magnitude ? cv::Mat(cv::abs(residual)) : residual;
}

}  // namespace

std::string periodText(double period) {
    if (period == 0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", period);
    return buf;
}

bool Spectrum::hasUpsamplingPeak(bool countJpegGrid) const {
    return std::any_of(peaks.begin(), peaks.end(),
                       [&](const SpectralPeak& p) { return p.upsamplingHarmonic && (countJpegGrid || !p.jpegGrid); });
}

double Spectrum::radialFrequency(std::size_t bin) const {
    const int n = std::min(logPower.rows, logPower.cols);
    return n > 0 ? double(bin) / n : 0.0;
}

cv::Mat centreCrop(const cv::Mat& image, int size) {
    if (size <= 0) return image;
    if (image.cols < size || image.rows < size)
        throw badInput("the image is " + std::to_string(image.cols) + "x" + std::to_string(image.rows) + ", smaller than the " +
                       std::to_string(size) + "x" + std::to_string(size) + " crop; use a smaller crop (or 0 for the whole image)");
    return image(cv::Rect((image.cols - size) / 2, (image.rows - size) / 2, size, size));
}

std::vector<double> radialProfile(const cv::Mat& power) {
    const int n = std::min(power.rows, power.cols);
    if (n == 0) return {};
    std::vector<double> sum(std::size_t(n / 2 + 1), 0.0);
    std::vector<int> count(sum.size(), 0);
    for (int y = 0; y < power.rows; ++y)
        for (int x = 0; x < power.cols; ++x) {
            const double fx = double(frequencyIndex(x, power.cols)) / power.cols, fy = double(frequencyIndex(y, power.rows)) / power.rows;
            const auto bin = std::size_t(std::lround(std::sqrt(fx * fx + fy * fy) * n));
            if (bin >= sum.size()) continue;
            sum[bin] += power.at<float>(y, x);
            ++count[bin];
        }
    std::vector<double> profile(sum.size());
    for (std::size_t i = 0; i < sum.size(); ++i) profile[i] = toDb(count[i] ? sum[i] / count[i] : 0.0);
    return profile;
}

std::vector<SpectralPeak> detectPeaks(const cv::Mat& logPower, const PeakOptions& o, bool jpegSource, double* noiseDb) {
    const int rows = logPower.rows, cols = logPower.cols;
    if (noiseDb) *noiseDb = 0;
    if (rows < 3 || cols < 3) return {};
    // The background: a 2-D median, raised to the median along the row and along the column where those
    // are higher, so that the bright axes of natural images' spectra (and the lines of JPEG or
    // up-sampling harmonics) are not taken for rows of peaks.
    const int w = std::clamp(o.backgroundWindow | 1, 3, 63), line = 2 * w - 1;
    cv::Mat background = cv::max(medianFilterWrap(logPower, w, w, /*coarse=*/w >= 7),
                                 cv::max(medianFilterWrap(logPower, 1, line, false), medianFilterWrap(logPower, line, 1, false)));
    const cv::Mat excess = logPower - background;

    auto outsideDc = [&](int y, int x) {
        const double fx = double(frequencyIndex(x, cols)) / cols, fy = double(frequencyIndex(y, rows)) / rows;
        return fx * fx + fy * fy >= o.dcRadius * o.dcRadius;
    };
    // Robust spread of the excess: peaks are rare, so the median absolute deviation ignores them.
    std::vector<float> values;
    values.reserve(excess.total());
    for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x)
            if (outsideDc(y, x)) values.push_back(excess.at<float>(y, x));
    const double centre = median(values);
    for (float& v : values) v = float(std::abs(v - centre));
    const double sigma = std::max(1.4826 * median(values), 0.05);  // floor: a noiseless spectrum has MAD 0
    if (noiseDb) *noiseDb = sigma;

    struct Candidate {
        int y, x;
        float excess;
    };
    std::vector<Candidate> candidates;
    for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x) {
            const float e = excess.at<float>(y, x);
            if (e < o.minDb || e < std::min(o.minZ, o.minZAt2x) * sigma || !outsideDc(y, x)) continue;
            const double fx = double(frequencyIndex(x, cols)) / cols, fy = double(frequencyIndex(y, rows)) / rows;
            const bool at2x = onLattice(fx, cols, 2, 0.5) && onLattice(fy, rows, 2, 0.5);  // the nearest bins only
            if (e < (at2x ? o.minZAt2x : o.minZ) * sigma) continue;
            bool isMax = true;
            for (int dy = -1; dy <= 1 && isMax; ++dy)
                for (int dx = -1; dx <= 1 && isMax; ++dx)
                    if ((dy || dx) && excess.at<float>((y + dy + rows) % rows, (x + dx + cols) % cols) > e) isMax = false;
            if (isMax) candidates.push_back({y, x, e});
        }
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) { return a.excess > b.excess; });

    std::vector<SpectralPeak> peaks;
    std::vector<std::pair<int, int>> kept;  // (ky, kx) of reported peaks and of their conjugates
    for (const Candidate& c : candidates) {
        if (int(peaks.size()) >= o.maxPeaks) break;
        const int kx = frequencyIndex(c.x, cols), ky = frequencyIndex(c.y, rows);
        const int cx = conjugateIndex(kx, cols), cy = conjugateIndex(ky, rows);
        // One of each conjugate pair, and one of a plateau of equal neighbours (wrap-around distance <= 1).
        const bool near = std::any_of(kept.begin(), kept.end(), [&](const std::pair<int, int>& k) {
            const int dy = std::abs(k.first - ky), dx = std::abs(k.second - kx);
            return std::min(dy, rows - dy) <= 1 && std::min(dx, cols - dx) <= 1;
        });
        if (near) continue;
        kept.push_back({ky, kx});
        kept.push_back({cy, cx});
        // Report the member of the pair with fy > 0, or fy on 0/Nyquist and fx >= 0.
        int rx = kx, ry = ky;
        const bool selfConjugateRow = (cy == ky);
        if (selfConjugateRow ? (frequency(kx, cols) < 0) : (frequency(ky, rows) < 0)) {
            rx = cx;
            ry = cy;
        }
        SpectralPeak p;
        p.fx = frequency(rx, cols);
        p.fy = frequency(ry, rows);
        p.periodX = rx != 0 ? 1.0 / std::abs(p.fx) : 0.0;
        p.periodY = ry != 0 ? 1.0 / std::abs(p.fy) : 0.0;
        p.strengthDb = c.excess;
        p.zScore = c.excess / sigma;
        p.upsamplingHarmonic = onLattice(p.fx, cols, 8, o.harmonicToleranceBins) && onLattice(p.fy, rows, 8, o.harmonicToleranceBins);
        p.jpegGrid = jpegSource && p.upsamplingHarmonic;
        peaks.push_back(p);
    }
    return peaks;
}

Spectrum spectrumFromPower(const cv::Mat& power, const PeakOptions& options, bool jpegSource) {
    if (power.empty() || power.type() != CV_32F) throw badInput("a spectrum needs a non-empty single-channel float power image");
    Spectrum s;
    s.logPower.create(power.size(), CV_32F);
    for (int y = 0; y < power.rows; ++y)
        for (int x = 0; x < power.cols; ++x) s.logPower.at<float>(y, x) = float(toDb(std::max(0.f, power.at<float>(y, x))));
    s.radialProfile = radialProfile(power);
    s.peaks = detectPeaks(s.logPower, options, jpegSource, &s.noiseDb);
    s.jpegImages = jpegSource ? 1 : 0;
    return s;
}

Spectrum computeSpectrum(const cv::Mat& rgb8, ResidualMethod method, int cropSize) {
    SpectrumOptions options;
    options.residual.method = method;
    options.cropSize = cropSize;
    return computeSpectrum(rgb8, options);
}

Spectrum computeSpectrum(const cv::Mat& rgb8, const SpectrumOptions& options, bool jpegSource) {
    if (rgb8.empty() || rgb8.type() != CV_8UC3) throw badInput("a spectrum needs a non-empty 8-bit RGB image");
    const cv::Mat residual = signalOf(options.residual.compute(centreCrop(rgb8, options.cropSize)), options);
    Spectrum s = spectrumFromPower(powerSpectrum(residual, options.hannWindow, options.device), options.peaks, jpegSource);
    s.residual = options.residual.name();
    s.magnitude = options.magnitude;
    s.device = signalDeviceName(options.device);
    return s;
}

Spectrum computeSpectrum(const LoadedImage& image, const SpectrumOptions& options) {
    return computeSpectrum(image.rgb, options, image.header.format == ImageFormat::Jpeg);
}

AveragedSpectrum averageSpectrum(const std::vector<std::string>& paths, const SpectrumOptions& options,
                                 const std::atomic<bool>* cancel, const SpectrumProgress& progress, const LoadOptions& load) {
    AveragedSpectrum out;
    cv::Mat sum;  // CV_64F: hundreds of powers are summed
    cv::Size size = options.cropSize > 0 ? cv::Size(options.cropSize, options.cropSize) : cv::Size();
    int used = 0, jpeg = 0;
    const int total = int(paths.size());
    for (int i = 0; i < total; ++i) {
        if (cancel && cancel->load()) throw cancelled();
        const std::string& path = paths[std::size_t(i)];
        try {
            const LoadedImage image = loadImage(path, load);
            if (size.empty()) size = image.rgb.size();  // no crop: the first usable image sets the size
            if (image.width() < size.width || image.height() < size.height)
                throw badInput(path + " is " + std::to_string(image.width()) + "x" + std::to_string(image.height()) +
                               ", smaller than the " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                               " crop the average is taken over");
            const cv::Mat crop = image.rgb(cv::Rect((image.width() - size.width) / 2, (image.height() - size.height) / 2,
                                                   size.width, size.height));
            cv::Mat power;
            powerSpectrum(signalOf(options.residual.compute(crop), options), options.hannWindow, options.device).convertTo(power, CV_64F);
            if (sum.empty()) sum = power;
            else sum += power;
            ++used;
            jpeg += image.header.format == ImageFormat::Jpeg;
        } catch (const EngineError& e) {
            if (e.kind() != ErrorKind::BadInput) throw;  // a broken denoiser or device is not the image's fault
            out.skipped.push_back({path, e.what()});
        }
        if (progress) progress(i + 1, total, path);
    }
    if (used == 0)
        throw badInput("none of the " + std::to_string(total) + " images could be used for the average" +
                       (out.skipped.empty() ? std::string() : " (first problem: " + out.skipped.front().message + ")"));
    cv::Mat mean;
    sum.convertTo(mean, CV_32F, 1.0 / used);
    out.spectrum = spectrumFromPower(mean, options.peaks, jpeg > 0);
    out.spectrum.residual = options.residual.name();
    out.spectrum.magnitude = options.magnitude;
    out.spectrum.device = signalDeviceName(options.device);
    out.spectrum.imagesUsed = used;
    out.spectrum.jpegImages = jpeg;
    return out;
}

cv::Mat renderSpectrum(const Spectrum& s, bool markPeaks) {
    const cv::Mat& l = s.logPower;
    if (l.empty()) return {};
    const PeakOptions defaults;
    std::vector<float> values(l.begin<float>(), l.end<float>());
    std::sort(values.begin(), values.end());
    const double lo = values[values.size() / 100];
    double hi = lo;
    for (int y = 0; y < l.rows; ++y)
        for (int x = 0; x < l.cols; ++x) {
            const double fx = double(frequencyIndex(x, l.cols)) / l.cols, fy = double(frequencyIndex(y, l.rows)) / l.rows;
            if (fx * fx + fy * fy >= defaults.dcRadius * defaults.dcRadius) hi = std::max(hi, double(l.at<float>(y, x)));
        }
    cv::Mat grey, bgr, rgb;
    l.convertTo(grey, CV_8U, hi > lo ? 255.0 / (hi - lo) : 0.0, hi > lo ? -lo * 255.0 / (hi - lo) : 0.0);
    cv::applyColorMap(grey, bgr, cv::COLORMAP_INFERNO);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    if (!markPeaks) return rgb;
    const int radius = std::max(4, std::min(l.rows, l.cols) / 64);
    for (const SpectralPeak& p : s.peaks) {
        const cv::Scalar colour = p.jpegGrid ? cv::Scalar(160, 160, 160) : p.upsamplingHarmonic ? cv::Scalar(0, 255, 255) : cv::Scalar(255, 255, 255);
        for (int sign : {1, -1}) {
            const int x = int(std::lround(l.cols / 2 + sign * p.fx * l.cols)), y = int(std::lround(l.rows / 2 + sign * p.fy * l.rows));
            cv::circle(rgb, cv::Point(((x % l.cols) + l.cols) % l.cols, ((y % l.rows) + l.rows) % l.rows), radius, colour, 1, cv::LINE_AA);
        }
    }
    return rgb;
}

}  // namespace synthscope
