#pragma once
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/model_manifest.h"

namespace synthscope {

struct DetectorOptions {
    std::string device = "auto";   // "auto" (CUDA when available), "cpu" or "cuda"
    Precision precision = Precision::Fp32;  // fp16 is used only on CUDA
    int threads = 0;                // CPU threads for inference; 0 = all cores
    int batchSize = 0;              // patches per forward pass; 0 takes the manifest's
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

    static bool cudaAvailable();

private:
    struct Impl;
    explicit Detector(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace synthscope
