#pragma once
#include <string>

#include <opencv2/core.hpp>

namespace synthscope {

// Noise residuals: what is left of an image once its content is removed. Generators leave their
// fingerprints (up-sampling grids, periodic patterns) here, far more visibly than in the pixels.
enum class ResidualMethod {
    HighPass,       // image minus its 3x3 mean: cheap, keeps edges
    Median,         // image minus a 3x3 median: removes impulse noise and fine texture less than edges
    Wavelet,        // image minus a Haar-wavelet soft-threshold denoising (2 levels, MAD noise estimate),
                    // averaged over the 16 grid shifts so that it adds no period-2/4 pattern of its own
    NonLocalMeans,  // image minus OpenCV's non-local means denoising (7x7 patches, 21x21 search, strength
                    // h = the image's noise level estimated by wavelet MAD, at least 1 grey level):
                    // slowest, closest to a learned denoiser
};

const char* residualMethodName(ResidualMethod method);
// Accepts the names above in lower case ("highpass", "median", "wavelet", "nlm"); throws std::invalid_argument.
ResidualMethod parseResidualMethod(const std::string& name);

// rgb8: CV_8UC3. Returns CV_32FC3 in units of the [0,1] intensity range (so values are small, mostly
// within +-0.1), same size as the input, RGB order. Throws EngineError(BadInput) for another type.
cv::Mat computeResidual(const cv::Mat& rgb8, ResidualMethod method);

}  // namespace synthscope
