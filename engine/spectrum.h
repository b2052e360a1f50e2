#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/denoiser.h"
#include "engine/image_loader.h"
#include "engine/residual.h"

namespace synthscope {

// Fourier spectra of noise residuals. Up-sampling layers (transposed convolutions, nearest or bilinear
// up-sampling in a generator's decoder) leave a periodic grid in the pixels that is invisible in the
// image but shows as bright isolated peaks at k/2^n cycles/pixel in the residual's power spectrum,
// most clearly in the average over many images of one generator.

struct SpectralPeak {
    // Frequency in cycles/pixel. Of each conjugate pair (f, -f) only one is reported: fy >= 0, and
    // fx >= 0 when fy is 0 or 0.5 (Nyquist is reported as +0.5).
    double fx = 0, fy = 0;
    double periodX = 0, periodY = 0;  // 1/|f| in pixels along each axis; 0 when that component is 0
    double strengthDb = 0;            // above the local background (a median of the log spectrum)
    double zScore = 0;                // strengthDb in units of Spectrum::noiseDb
    // |fx| and |fy| both lie on multiples of 1/8 (1/2, 1/4, 3/8, 1/8 ...): where the grid of 2x, 4x and
    // 8x up-sampling puts its energy.
    bool upsamplingHarmonic = false;
    // upsamplingHarmonic in a JPEG source: JPEG's 8x8 block grid puts peaks at the very same
    // frequencies, so such a peak is no evidence of up-sampling.
    bool jpegGrid = false;
};

// A period for people: "2.0" pixels, or "-" when the peak has no component along that axis (period 0:
// the pattern does not repeat that way).
std::string periodText(double period);

struct PeakOptions {
    // A peak is a local maximum (3x3) of the log spectrum's excess over its background that reaches
    // minDb and a robust z-score: minZ anywhere; minZAt2x at the frequencies of 2x up-sampling
    // ((1/2, 0), (0, 1/2), (1/2, 1/2): their nearest bins only), where a lower bar gives a similar
    // false-alarm rate per image because three frequencies are tested instead of tens of thousands.
    // minZAt2x = 2 was tuned once, on attribution/ldm vs real/classic (both non-JPEG) of the shared data
    // (72.7% vs 5.1% of 256x256 crops, highpass residual); minZ = 5 was set so that white noise and
    // photos give almost no peak, not tuned.
    double minZ = 5.0;
    double minZAt2x = 2.0;
    double minDb = 3.0;
    double dcRadius = 0.04;         // cycles/pixel around zero frequency ignored (the content's 1/f slope)
    int backgroundWindow = 11;      // bins; odd, 3 to 63
    int maxPeaks = 32;              // the strongest kept
    double harmonicToleranceBins = 1.0;  // how far (in frequency bins) from k/8 still counts as on it
                                         // (for the upsamplingHarmonic flag; minZAt2x takes 0.5)
};

struct SpectrumOptions {
    ResidualSource residual;        // a built-in filter (highpass by default) or a TorchScript denoiser
    int cropSize = 0;               // centre crop to cropSize x cropSize before anything; 0 = whole image
    bool hannWindow = true;         // against the cross that the image's borders leave on the axes
    // The spectrum of |residual| instead of the residual: shows a periodic noise *level* (interpolated
    // pixels of an up-sampled image are smoother than the others; JPEG blocks are noisier at their
    // edges), which leaves no line in the spectrum of the residual itself.
    bool magnitude = false;
    std::string device = "auto";    // for the FFT: auto (CUDA when available), cpu or cuda
    PeakOptions peaks;
};

struct Spectrum {
    cv::Mat logPower;  // CV_32F, 10*log10(power + 1e-10), fftshifted: zero frequency at (cols/2, rows/2)
    // Azimuthal average, in dB of the mean power: bin k holds |f| in [k - 0.5, k + 0.5) / n with
    // n = min(rows, cols), k = 0 .. n/2 (the inscribed disc; the corners are left out).
    std::vector<double> radialProfile;
    std::vector<SpectralPeak> peaks;  // strongest (in dB) first
    double noiseDb = 0;  // robust spread (1.4826 * MAD) of the excess over the background: zScore's unit
    std::string residual;             // the residual's name ("highpass", "denoiser:<name>", ...)
    bool magnitude = false;           // the spectrum is of |residual| (SpectrumOptions::magnitude)
    std::string device;               // where the FFT ran
    int imagesUsed = 1;
    int jpegImages = 0;               // of imagesUsed, JPEG files (their peaks at k/8 are flagged jpegGrid)

    // A peak at an up-sampling frequency; those explained by a JPEG grid only when countJpegGrid.
    bool hasUpsamplingPeak(bool countJpegGrid = false) const;
    double radialFrequency(std::size_t bin) const;  // cycles/pixel of a radialProfile bin
};

// The spectrum of one image (rgb8: CV_8UC3). Throws EngineError(BadInput) for an empty or wrong-type
// image, or one smaller than cropSize.
Spectrum computeSpectrum(const cv::Mat& rgb8, ResidualMethod method, int cropSize = 0);
Spectrum computeSpectrum(const cv::Mat& rgb8, const SpectrumOptions& options, bool jpegSource = false);
Spectrum computeSpectrum(const LoadedImage& image, const SpectrumOptions& options);  // JPEG from its header

// The steps after the FFT, shared by the single and averaged spectra. power: CV_32F fftshifted
// periodogram (torch_signal.h's powerSpectrum).
Spectrum spectrumFromPower(const cv::Mat& power, const PeakOptions& options, bool jpegSource);
std::vector<double> radialProfile(const cv::Mat& power);
std::vector<SpectralPeak> detectPeaks(const cv::Mat& logPower, const PeakOptions& options, bool jpegSource,
                                      double* noiseDb = nullptr);

// The central size x size region (a view). Throws EngineError(BadInput) when the image is smaller.
cv::Mat centreCrop(const cv::Mat& image, int size);

struct SkippedImage {
    std::string path;
    std::string message;
};

struct AveragedSpectrum {
    Spectrum spectrum;                  // of the mean power; imagesUsed says over how many
    std::vector<SkippedImage> skipped;  // unreadable, too small, ...
};

// done counts images tried so far (used or skipped), of total.
using SpectrumProgress = std::function<void(int done, int total, const std::string& path)>;

// The classic generator fingerprint: every image is centre-cropped to options.cropSize (0: to the
// first usable image's size), its residual's power spectrum computed, the powers (not their logs)
// averaged, then the log taken and peaks searched. Images that cannot be read or are smaller than the
// crop are reported in skipped, not fatal. Throws EngineError(Cancelled) when *cancel turns true,
// EngineError(BadInput) when no image at all could be used.
AveragedSpectrum averageSpectrum(const std::vector<std::string>& paths, const SpectrumOptions& options,
                                 const std::atomic<bool>* cancel = nullptr, const SpectrumProgress& progress = {},
                                 const LoadOptions& load = {});

// The log spectrum for display: CV_8UC3 RGB, colour-mapped (inferno) between its 1st percentile and
// its maximum outside the DC disc; peaks circled (cyan: up-sampling frequency, grey: JPEG grid, white:
// other) when markPeaks.
cv::Mat renderSpectrum(const Spectrum& spectrum, bool markPeaks = true);

}  // namespace synthscope
