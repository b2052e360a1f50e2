#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/model_manifest.h"

namespace synthscope {

struct DetectorOptions {
    std::string device = "auto";   // "auto" (CUDA when available), "cpu" or "cuda"
    // fp16 is used only on CUDA; bf16 on CUDA and on CPUs with native BF16 (avx512_bf16 or amx_bf16),
    // otherwise the detector runs fp32 and says so in notes().
    Precision precision = Precision::Fp32;
    int threads = 0;                // CPU threads for inference; 0 = all cores
    int batchSize = 0;              // patches per forward pass; 0 takes the manifest's
    // Freeze and optimise the graph for inference (unset: the manifest's "inference.optimize", true by
    // default). The optimised graph is used only if it reproduces the loaded one on a test batch.
    std::optional<bool> optimize;
};

// One class-probability row per patch, in the manifest's class order.
using ClassProbabilities = std::vector<float>;

// A TorchScript detector driven by its manifest. LibTorch stays inside detector.cpp: this header shows
// no torch type, so Qt code can include it.
class Detector {
public:
    // Checks the weights' sha256 (when the manifest gives one), loads the module, moves it to the device,
    // runs one dummy batch and checks the output against the manifest. Throws EngineError(Model) with a
    // sentence that says what is wrong and what to do.
    static std::unique_ptr<Detector> open(const ModelManifest& manifest, const DetectorOptions& options = {});
    ~Detector();

    // patches: CV_8UC3 RGB, inputSize x inputSize each (views into a larger image are fine).
    // Runs them as one batch; the caller splits work into batches of batchSize().
    std::vector<ClassProbabilities> classify(const std::vector<cv::Mat>& patches);

    const ModelManifest& manifest() const;
    std::string deviceName() const;  // "cpu" or "cuda:0"
    Precision precision() const;
    int batchSize() const;
    int threads() const;
    const std::string& weightsSha256() const;  // of the file actually loaded
    // How the graph runs: "frozen, optimised for inference", "as loaded", ...
    const std::string& optimization() const;
    // Sentences about what was asked for and not done (precision fallback, optimisation refused).
    const std::vector<std::string>& notes() const;

    static bool cudaAvailable();
    // Whether this CPU computes BF16 natively (avx512_bf16 or amx_bf16 in /proc/cpuinfo).
    static bool cpuHasNativeBf16();

private:
    struct Impl;
    explicit Detector(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace synthscope
