#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/denoiser.h"
#include "engine/fingerprint.h"
#include "engine/fingerprint_trainer.h"
#include "engine/residual.h"

namespace synthscope {

// Residuals of the centre crops of a set of images: what fingerprints are built from.
struct ResidualCrops {
    std::vector<cv::Mat> residuals;    // CV_32FC3, size x size
    std::vector<std::string> paths;    // the image each residual came from
    std::vector<std::string> skipped;  // images that could not be used, with the reason (unreadable, too small)
};

using ImageProgress = std::function<void(int done, int total)>;

// Loads each image and keeps the residual of its centre size x size crop. Unreadable images and images
// smaller than the crop are listed in skipped, not fatal. Throws cancelled() when *cancel becomes true.
// jpegQuality 1-100: each image is first re-encoded as a JPEG of that quality, which puts PNG fakes and
// JPEG reals on equal terms (else a fingerprint can learn "JPEG grid = real"); 0 keeps the pixels as read.
ResidualCrops loadResidualCrops(const std::vector<std::string>& imagePaths, int size, const ResidualSource& source,
                                const ImageProgress& progress = {}, const std::atomic<bool>* cancel = nullptr,
                                int jpegQuality = 0);

// The training-free fingerprint: the mean of the generator's residuals (each standardised first, so that
// no busy image dominates), minus the mean of the real residuals when subtractReals (what every camera and
// every photo has in common is then not taken for the generator's). Scaled to a peak of 1. The centres
// are measured on the training images leave-one-out: each image is correlated with the fingerprint built
// without it, so that mu_fake is not inflated by the image's own contribution (which, for 20 images, would
// dominate). Needs at least two residuals of each kind, all of one size; throws EngineError(BadInput).
// clip: each residual is first clipped with clipResidual(k = clip), and the centres are measured with
// clipped residuals too (the fingerprint records it, so that attribution correlates the same way).
Fingerprint buildMeanFingerprint(const std::string& name, const std::vector<cv::Mat>& fakeResiduals,
                                 const std::vector<cv::Mat>& realResiduals, bool subtractReals = true, double clip = 0);

enum class BuildMethod { Mean, Learned };
const char* buildMethodName(BuildMethod method);
BuildMethod parseBuildMethod(const std::string& name);  // "mean" or "learned"; throws std::invalid_argument

struct BuildOptions {
    std::string name;                               // the generator: the files are <name>.npy and <name>.json
    BuildMethod method = BuildMethod::Mean;
    // Highpass with clip 3: the best held-out detection and attribution of the training-free build on the
    // shared attribution set once fakes and reals are JPEG-compressed alike (synthscope fingerprint crossval
    // --jpeg 90); median does better only on uncompressed PNG fakes.
    ResidualSource residual{ResidualMethod::HighPass};
    int size = 256;                                 // crop side (DIF: 256)
    bool subtractReals = true;                      // mean method only
    double clip = 3;                                // clipResidual()'s k for the residuals (0: none)
    TrainerOptions training;                        // learned method only
};

// Builds a fingerprint from residual crops made with options.residual and options.size (the residual's
// name is recorded in the sidecar, so that attribution uses the same residual). Throws EngineError.
Fingerprint buildFingerprint(const ResidualCrops& fakes, const ResidualCrops& reals, const BuildOptions& options,
                             const TrainingCallback& progress = {}, const std::atomic<bool>* cancel = nullptr);

}  // namespace synthscope
