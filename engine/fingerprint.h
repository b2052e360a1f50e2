#pragma once
#include <cmath>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/denoiser.h"

namespace synthscope {

// A generator fingerprint after Deep Image Fingerprint (DIF, Sinitsa & Fried, WACV 2024): a pattern the
// size of an analysis crop (256 x 256 for the published ones) that correlates with the noise residuals of
// the generator's images, and the two correlation centres measured when it was made: mu_real (the mean
// correlation of real images' residuals with it) and mu_fake (the same for the generator's images). An
// image is attributed to the generator when its correlation is nearer mu_fake than mu_real.
//
// On disk: <name>.npy (float32 H x W x 3, HWC, RGB, values about [-1, 1]) and <name>.json, the sidecar,
// holding at least "mu_real" and "mu_fake"; every other field is kept as it is.
struct Fingerprint {
    std::string name;           // the generator, from the file name
    cv::Mat pattern;            // CV_32FC3, RGB
    double muReal = 0, muFake = 0;
    std::string residual;       // residual the centres were measured with (ResidualSource::name); "" when unknown (DIF's own: a DnCNN)
    double clip = 0;            // clipResidual()'s k the centres were measured with (0: none, as DIF)
    // Standard deviations of the correlations around each centre ("sigma_real" / "sigma_fake"; 0 when
    // unknown, as for DIF's). With them, fingerprints can be compared on one scale (evidence()).
    double sigmaReal = 0, sigmaFake = 0;
    std::string sidecarJson;    // the whole sidecar as read (or to be written); fields not listed above survive a save
    std::string npyPath;        // where it was read from; empty for a new one

    // 0 at the real centre, 1 at the fake centre, whatever the sign of the correlations: the score that
    // ranks generators. Above 0.5 the correlation is nearer mu_fake, which is DIF's rule for "fake".
    double score(double correlation) const { return (correlation - muReal) / (muFake - muReal); }
    bool nearerFake(double correlation) const { return std::abs(correlation - muFake) < std::abs(correlation - muReal); }
    bool hasSpread() const { return sigmaReal > 0 && sigmaFake > 0; }
    // Log-likelihood ratio of "made by this generator" over "real" for a correlation, both modelled as
    // normal with the pooled spread: positive exactly when nearerFake(). Unlike score(), it weighs a
    // fingerprint whose centres are far apart relative to their spread above one whose centres are close,
    // which is what ranking several generators needs. 0 without a spread.
    double evidence(double correlation) const {
        if (!hasSpread()) return 0.0;
        const double pooled = 0.5 * (sigmaReal * sigmaReal + sigmaFake * sigmaFake);
        return (muFake - muReal) * (correlation - 0.5 * (muFake + muReal)) / pooled;
    }
};

// Reads <dir>/<name>.npy and the sidecar <dir>/<name>.json beside it. Throws EngineError(BadInput)
// with what is wrong: an invalid .npy (see npy.h), a missing or malformed sidecar, centres that are not
// finite numbers or are equal, a sidecar shape_hwc that disagrees with the array.
Fingerprint loadFingerprint(const std::string& npyPath);

struct FingerprintLibrary {
    std::vector<Fingerprint> fingerprints;  // sorted by name
    std::vector<std::string> errors;        // files that could not be read, with the reason
    std::string folder;                     // where it was read from
    // The residual for fingerprints whose sidecar names none (DIF's, made with their DnCNN) or names this
    // denoiser: non-local means as loaded; loadInstalledFingerprints() (model_registry.h) puts the
    // project's learned denoiser here when it is installed.
    ResidualSource defaultResidual{ResidualMethod::NonLocalMeans};
    std::string residualNote;               // set when an installed denoiser could not be used: why
};
// Every <name>.npy with a sidecar in the folder (not its subfolders). A broken one is reported in errors
// and skipped. Throws EngineError(BadInput) when the folder cannot be read.
FingerprintLibrary loadFingerprintLibrary(const std::string& dir);

// The sha256 of what loadFingerprintLibrary(dir) reads: every <name>.npy in the folder with its sidecar,
// by name and content. The same for a library copied elsewhere; different once any fingerprint or sidecar
// changes. "unreadable: <reason>" when the folder cannot be read.
std::string fingerprintLibraryDigest(const std::string& dir);

// Writes <dir>/<name>.npy and <dir>/<name>.json (creating dir). The sidecar is sidecarJson (or an empty
// object) with generator, shape_hwc, mu_real, mu_fake and residual set from the fingerprint. Each file is
// written to a temporary file and renamed. Throws EngineError(BadInput) when it cannot write.
void saveFingerprint(const Fingerprint& fingerprint, const std::string& dir);

// The centred log-magnitude Fourier spectrum of a float image (1 or 3 channels), as DIF plots it: the
// image rescaled to [0, 1], 20 ln(mean over channels of |FFT| / pixels + 1e-8), then rescaled to [0, 1]
// for display. CV_32F, same size, zero frequency in the centre. Periodic generator artefacts (up-sampling
// grids, checkerboards) show as bright dots.
cv::Mat logSpectrum(const cv::Mat& image);

// An 8-bit picture (RGB, or grey for one channel) of a float image, contrast stretched to its own range:
// fingerprints and residuals are faint, and this is how they are shown and saved as previews.
cv::Mat stretchTo8Bit(const cv::Mat& image);

}  // namespace synthscope
