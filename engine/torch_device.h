#pragma once
// For the engine's LibTorch translation units only (never include it beside a Qt header): the one way
// a device name ("auto", "cpu", "cuda") becomes a torch::Device.
#include <string>

#include <torch/cuda.h>
#include <torch/script.h>

#include "engine/errors.h"

namespace synthscope {

// "auto" is CUDA when this LibTorch sees a CUDA device, else the CPU. An unknown name, or "cuda"
// without a CUDA device, throws EngineError(kind): Model for a model's or trainer's device, BadInput
// for a device the user typed for a signal computation.
inline torch::Device chooseTorchDevice(const std::string& requested, ErrorKind kind = ErrorKind::Model) {
    if (requested == "cpu") return torch::kCPU;
    if (requested == "cuda") {
        if (!torch::cuda::is_available())
            throw EngineError(kind, "CUDA was asked for, but this LibTorch sees no CUDA device (use --device cpu or auto)");
        return torch::Device(torch::kCUDA, 0);
    }
    if (requested != "auto") throw EngineError(kind, "unknown device \"" + requested + "\" (auto, cpu or cuda)");
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

}  // namespace synthscope
