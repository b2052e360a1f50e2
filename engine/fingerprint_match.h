#pragma once
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/denoiser.h"
#include "engine/fingerprint.h"
#include "engine/residual.h"

namespace synthscope {

// Pearson correlation of two float matrices of the same size and type, over all values of all channels
// together (DIF's corr_fun: both standardised over C x H x W, multiplied, averaged). 0 when either is flat.
double correlation(const cv::Mat& a, const cv::Mat& b);

// Clips a residual to +-k robust standard deviations (1.4826 x the median absolute deviation over all
// values; the plain standard deviation when most of the residual is flat). Image content leaves a few
// large residuals along edges that outweigh a generator's faint, dense pattern in a correlation; clipping
// them makes the correlation robust. k <= 0 returns the residual unchanged.
cv::Mat clipResidual(const cv::Mat& residual, double k);

// DIF's centre crop, placed as PIL's Image.crop places it: the box ((w - s) / 2, (h - s) / 2) rounded half
// to even. Sides smaller than s are taken whole.
cv::Rect centreCropRect(cv::Size image, int size);

// Where an image is correlated with a size x size fingerprint. maxCrops 1: DIF's centre crop. More: up to
// maxCrops crops on a grid of step `stride` from the image's origin (generators' up-sampling grids are
// aligned to the origin, so a stride that is a multiple of their period keeps the fingerprint in phase),
// evenly thinned when the grid holds more; the centre crop when none fits.
std::vector<cv::Rect> cropRects(cv::Size image, int size, int maxCrops, int stride);

// The noise residual of rgb8 inside rect, computed on the rect plus a margin of up to 16 pixels so that
// the filters (and a learned denoiser's receptive field) see real neighbours rather than a border.
// CV_32FC3, rect's size.
cv::Mat residualOfCrop(const cv::Mat& rgb8, const cv::Rect& rect, const ResidualSource& source);

// The residual of the centre size x size crop, for building fingerprints. Throws EngineError(BadInput)
// when the image is smaller than size in either direction.
cv::Mat centreResidual(const cv::Mat& rgb8, int size, const ResidualSource& source);

struct MatchOptions {
    int maxCrops = 1;   // 1 = DIF's centre crop; more = average over a grid of crops (see cropRects)
    int stride = 128;
    // The residual for every fingerprint when set; otherwise each fingerprint's own (its sidecar's
    // "residual": a built-in method, or "denoiser:<name>" when defaultResidual is that denoiser), and
    // defaultResidual for the rest (such as DIF's, made with their DnCNN, which names none).
    std::optional<ResidualSource> residual;
    // nlm gave the published DIF fingerprints their best accuracy among the built-in filters with their
    // published centres on DIF's samples (synthscope fingerprint evaluate). Over a library, its
    // defaultResidual is used instead: the project's learned denoiser when loadInstalledFingerprints()
    // (model_registry.h) found one.
    ResidualSource defaultResidual{ResidualMethod::NonLocalMeans};
    // clipResidual()'s k for the image's residual when set; otherwise each fingerprint's own (the clip its
    // centres were measured with; 0 for DIF's: plain Pearson correlation).
    std::optional<double> clip;
};

struct GeneratorMatch {
    std::string generator;
    double correlation = 0;  // mean over the crops
    double score = 0;        // 0 at the fingerprint's real centre, 1 at its fake centre (Fingerprint::score)
    double evidence = 0;     // Fingerprint::evidence: log-likelihood ratio fake / real; 0 without spreads
    bool nearerFake = false; // DIF's rule: the correlation is nearer mu_fake than mu_real
    std::string residual;    // the residual used (ResidualSource::name)
};

struct FingerprintAttribution {
    // Highest first, by evidence when every fingerprint knows its spreads (those built by SynthScope),
    // else by score (DIF's publish only the centres).
    std::vector<GeneratorMatch> ranking;
    bool rankedByEvidence = false;
    std::string generator;                // the top of the ranking if it is nearer its fake centre; empty: none matched
    int crops = 0;                        // crops per fingerprint (of the first fingerprint's size)
    bool partial = false;                 // the image is smaller than a fingerprint: only the overlap was compared
};

// True when every fingerprint has spreads, so that generators are ranked by evidence rather than score.
bool rankByEvidence(const std::vector<Fingerprint>& fingerprints);

// The residual attributeByFingerprints() uses for fingerprint f under options (see MatchOptions::residual).
ResidualSource residualFor(const Fingerprint& f, const MatchOptions& options);

// Correlates the image's residual with every fingerprint and ranks the generators. Throws
// EngineError(BadInput) for an image smaller than 32 pixels in either direction.
FingerprintAttribution attributeByFingerprints(const cv::Mat& rgb8, const std::vector<Fingerprint>& fingerprints,
                                               const MatchOptions& options = {});
// The same over a library, with the library's defaultResidual as options.defaultResidual.
FingerprintAttribution attributeByFingerprints(const cv::Mat& rgb8, const FingerprintLibrary& library, MatchOptions options = {});

}  // namespace synthscope
