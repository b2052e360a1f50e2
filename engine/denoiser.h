#pragma once
#include <memory>
#include <string>
#include <utility>

#include <opencv2/core.hpp>

#include "engine/residual.h"

namespace synthscope {

// A learned denoiser (DnCNN, FFDNet, ...) exported to TorchScript, described by a JSON manifest of
// format "synthscope-denoiser/1" beside its weights:
//   {"format": "synthscope-denoiser/1", "name": "...", "description": "...", "weights": "file.pt",
//    "sha256": "<64 hex, optional>",
//    "input": {"range": [0, 1] | [0, 255], "channels": 3 | 1, "pad_multiple": 1},
//    "output": "denoised" | "noise", "provenance": {...}}
// channels 3: the module takes N x 3 x H x W RGB; channels 1: each colour plane is denoised on its own
// (a grey-level model), as a batch of 3 x 1 x H x W. pad_multiple: H and W are padded by reflection to
// a multiple of it (U-Nets need 8 or 16) and the output cropped back. output: what the module returns,
// the denoised image or the noise (image minus denoised), in the input's range.
enum class DenoiserOutput { Denoised, Noise };

struct DenoiserManifest {
    std::string manifestPath;  // absolute
    std::string weightsPath;   // absolute, resolved against the manifest's folder
    std::string name;
    std::string description;
    std::string sha256;        // empty: not checked
    float rangeLow = 0.f, rangeHigh = 1.f;
    int channels = 3;
    int padMultiple = 1;
    DenoiserOutput output = DenoiserOutput::Denoised;
};

// Throw EngineError(Model) naming the manifest and the field at fault.
DenoiserManifest loadDenoiserManifest(const std::string& manifestPath);
DenoiserManifest parseDenoiserManifest(const std::string& jsonText, const std::string& manifestPath);

// The TorchScript module of a denoiser manifest. LibTorch stays inside torch_signal.cpp: this header
// shows no torch type. residual() may be called from several threads at once.
class TorchDenoiser {
public:
    // Checks the weights' sha256 (when given), loads the module on the device ("auto": CUDA when
    // available, "cpu" or "cuda") and checks it on a small image. Throws EngineError(Model).
    static std::shared_ptr<TorchDenoiser> open(const DenoiserManifest& manifest, const std::string& device = "auto");
    ~TorchDenoiser();

    // rgb8: CV_8UC3. Returns image minus denoised image as CV_32FC3 in units of the [0,1] range, RGB,
    // same size: the same convention as computeResidual(). Throws EngineError(BadInput) for a wrong
    // image type, EngineError(Model) when the module fails on it.
    cv::Mat residual(const cv::Mat& rgb8) const;

    const DenoiserManifest& manifest() const;
    std::string deviceName() const;  // "cpu" or "cuda:0"

private:
    struct Impl;
    explicit TorchDenoiser(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Where a residual comes from: one of the built-in filters, or a TorchScript denoiser when one is set.
struct ResidualSource {
    ResidualSource(ResidualMethod m = ResidualMethod::HighPass, std::shared_ptr<const TorchDenoiser> d = {})
        : method(m), denoiser(std::move(d)) {}

    ResidualMethod method;
    std::shared_ptr<const TorchDenoiser> denoiser;  // takes precedence over method

    cv::Mat compute(const cv::Mat& rgb8) const;  // CV_32FC3, as computeResidual()
    std::string name() const;                    // "wavelet", ..., or "denoiser:<name>"
};

}  // namespace synthscope
