#pragma once
#include <string>

#include <opencv2/core.hpp>

namespace synthscope {

// Signal processing done with LibTorch (torch_signal.cpp, which also holds TorchDenoiser): one code
// path on CUDA when available ("auto") and on the CPU otherwise. No torch type is shown here.

// The periodogram of each channel of planes (CV_32F with 1 to 4 channels, e.g. a residual), averaged
// over channels: each channel has its mean removed, is multiplied by a separable Hann window when
// hann is true (against the cross that the image's borders leave on the axes), is transformed with a
// 2-D FFT and gives |F|^2 / sum(window^2), so that white noise of variance s^2 has a flat spectrum of
// s^2 whatever the size and window. Returned fftshifted (zero frequency at (cols/2, rows/2)), CV_32F,
// the size of planes. Throws EngineError(BadInput) for an empty or non-float input, or for
// device "cuda" when CUDA is not available.
cv::Mat powerSpectrum(const cv::Mat& planes, bool hann = true, const std::string& device = "auto");

// "cpu" or "cuda:0": where powerSpectrum(device) runs.
std::string signalDeviceName(const std::string& device = "auto");

}  // namespace synthscope
