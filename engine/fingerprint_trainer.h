#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace synthscope {

// DIF's learned fingerprint and its "blank image" experiment (Sinitsa & Fried, WACV 2024). A small U-Net
// maps a fixed noise image to a pattern; its architecture's own artefacts (transposed-convolution
// checkerboards, border effects) make it a prior for the artefacts CNN generators leave. All LibTorch code
// is in fingerprint_trainer.cpp; this header shows no torch type.

// DIF's U-Net (model.py): `depth` encoder blocks (two 3x3 conv + batch norm + leaky ReLU, then 2x2 max
// pooling) from `width` channels doubling, a middle block, decoder blocks with skip connections and 2x2
// transposed-convolution up-sampling, and a 1x1 convolution with tanh to 3 channels.
struct UNetShape {
    int width = 32;          // channels of the first block (DIF: 32)
    int depth = 4;           // down-samplings (DIF: 4); crop sides must be multiples of 2^depth
    int inputChannels = 16;  // channels of the fixed noise input (DIF: 16)
};

struct TrainerOptions {
    int steps = 300;              // optimiser steps (DIF: 100 epochs x 32 batches of 64 = 3200)
    int batchSize = 32;           // residuals per step, half fake and half real when both have enough
    double learningRate = 5e-4;   // AdamW (DIF: 5e-4)
    double margin = 0.01;         // contrastive margin on correlations (DIF: 0.01)
    bool boost = false;           // DIF's "booster": also separate the mean fake from the mean real residual
    double inputJitter = 0.03;    // std of the noise added to the fixed input at every step (DIF: 0.03)
    UNetShape net;
    std::string device = "auto";  // "auto" (CUDA when available), "cpu" or "cuda"
    int threads = 0;              // CPU threads; 0 leaves LibTorch's setting alone
    std::uint64_t seed = 0;
};

struct TrainingProgress {
    int step = 0, steps = 0;
    double loss = 0;
    double corrFake = 0, corrReal = 0;  // mean correlation of this step's fakes / reals with the current fingerprint
};
using TrainingCallback = std::function<void(const TrainingProgress&)>;

struct LearnedFingerprint {
    cv::Mat pattern;              // CV_32FC3 in [-1, 1], the residuals' size, RGB
    double muReal = 0, muFake = 0;  // mean correlation of the training reals / fakes with the pattern
    double sigmaReal = 0, sigmaFake = 0;  // their standard deviations
    std::vector<float> loss;      // per step
    std::string device;           // "cpu" or "cuda:0"
    double seconds = 0;
};

// Trains DIF's fingerprint: the U-Net's output O (fixed noise in) is pushed to correlate differently with
// fake and real residuals by DIF's contrastive loss on pairs (pairs of the same class: |rho_a - rho_b|;
// of different classes: max(0, margin - |rho_a - rho_b|)). The pattern is an exponential moving average
// of the outputs, as in DIF. Residuals: CV_32FC3, all the same size, sides multiples of 2^depth; at least
// two of each class. Throws EngineError(BadInput) for unusable residuals, EngineError(Model) for a device
// that is not there, and cancelled() when *cancel becomes true (checked every step).
LearnedFingerprint trainFingerprint(const std::vector<cv::Mat>& fakeResiduals, const std::vector<cv::Mat>& realResiduals,
                                    const TrainerOptions& options, const TrainingCallback& progress = {},
                                    const std::atomic<bool>* cancel = nullptr);

struct BlankOptions {
    int size = 128;               // side of the grey image (DIF: 128)
    int steps = 1000;             // DIF: 1000
    double learningRate = 5e-5;   // DIF: 5e-5
    double grey = 0.5;            // the target's value (DIF: 0.5)
    double inputJitter = 0.03;
    UNetShape net;
    std::string device = "auto";
    int threads = 0;
    std::uint64_t seed = 0;
};

struct BlankResult {
    cv::Mat output;       // CV_32FC3, the U-Net's reconstruction of the grey image (RGB)
    cv::Mat spectrum;     // CV_32F in [0, 1]: logSpectrum(output), the architecture's artefacts as bright dots
    std::vector<float> loss;  // mean squared error per step
    std::string device;
    double seconds = 0;
};

// DIF's blank-image experiment: fits the U-Net from fixed noise to a flat grey image with a mean squared
// error. The output looks grey, but its spectrum shows the periodic artefacts of the architecture, the same
// kind a CNN generator leaves in every image it makes. Progress reports loss in TrainingProgress::loss.
BlankResult runBlankExperiment(const BlankOptions& options, const TrainingCallback& progress = {},
                               const std::atomic<bool>* cancel = nullptr);

}  // namespace synthscope
