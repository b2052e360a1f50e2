// LibTorch side of the forensic signals: the FFT power spectrum and TorchScript denoisers.
// It must include no Qt header (Qt's `slots` macro breaks LibTorch's headers).
#include <torch/script.h>
#include <torch/cuda.h>
#include <torch/fft.h>  // after script.h: it needs torch::Tensor declared

#include "engine/torch_signal.h"
#include "engine/denoiser.h"

#include <cstring>
#include <fstream>

#include <opencv2/imgproc.hpp>
#include <sstream>

#include "engine/errors.h"
#include "engine/sha256.h"
#include "engine/torch_device.h"

namespace synthscope {
namespace {

// A continuous CV_32F matrix (H x W x C) as a C x H x W float tensor on the device (a copy).
torch::Tensor planesToTensor(const cv::Mat& planes, const torch::Device& device) {
    const cv::Mat m = planes.isContinuous() ? planes : planes.clone();
    const torch::Tensor host = torch::from_blob(const_cast<void*>(static_cast<const void*>(m.data)),
                                                {m.rows, m.cols, m.channels()}, torch::kFloat);
    return host.to(device, /*non_blocking=*/false, /*copy=*/true).permute({2, 0, 1});
}

// A C x H x W float tensor (any device) back to a CV_32FC(C) matrix.
cv::Mat tensorToPlanes(const torch::Tensor& chw) {
    const torch::Tensor hwc = chw.permute({1, 2, 0}).to(torch::kCPU).to(torch::kFloat).contiguous();
    cv::Mat out(int(hwc.size(0)), int(hwc.size(1)), CV_32FC(int(hwc.size(2))));
    std::memcpy(out.data, hwc.data_ptr<float>(), out.total() * out.elemSize());
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Power spectrum

std::string signalDeviceName(const std::string& device) { return chooseTorchDevice(device, ErrorKind::BadInput)  /* a user's --device */.str(); }

cv::Mat powerSpectrum(const cv::Mat& planes, bool hann, const std::string& device) {
    if (planes.empty() || planes.depth() != CV_32F || planes.channels() > 4)
        throw badInput("powerSpectrum needs a non-empty float image of 1 to 4 channels");
    const torch::Device dev = chooseTorchDevice(device, ErrorKind::BadInput)  /* a user's --device */;
    torch::NoGradGuard noGrad;
    const long h = planes.rows, w = planes.cols;
    torch::Tensor x = planesToTensor(planes, dev).to(torch::kDouble);  // double: the DC removal and
    x = x - x.mean({1, 2}, /*keepdim=*/true);                          // window sums stay exact
    double windowEnergy = double(h * w);
    if (hann) {
        // Periodic Hann (the DFT-even form); a size-1 axis gets the window 1.
        auto window = [&](long n) {
            return n > 1 ? torch::hann_window(n, /*periodic=*/true, torch::TensorOptions().dtype(torch::kDouble).device(dev))
                         : torch::ones({n}, torch::TensorOptions().dtype(torch::kDouble).device(dev));
        };
        const torch::Tensor w2d = window(h).view({h, 1}) * window(w).view({1, w});
        x = x * w2d;
        windowEnergy = w2d.square().sum().item<double>();
    }
    const torch::Tensor f = torch::fft::fft2(x.to(torch::kFloat));
    torch::Tensor power = torch::view_as_real(f).square().sum(-1).mean(0) / windowEnergy;  // |F|^2, channel mean
    power = torch::fft::fftshift(power);  // zero frequency to (h/2, w/2)
    return tensorToPlanes(power.unsqueeze(0));
}

// ---------------------------------------------------------------------------------------------------
// TorchScript denoiser

struct TorchDenoiser::Impl {
    DenoiserManifest manifest;
    mutable torch::jit::script::Module module;  // forward() is not const-qualified in TorchScript's API
    torch::Device device = torch::kCPU;

    // rgb8 (already padded) -> residual C x H x W in [0,1] units, on the CPU.
    torch::Tensor run(const cv::Mat& rgb8) const {
        torch::InferenceMode inference;
        const cv::Mat m = rgb8.isContinuous() ? rgb8 : rgb8.clone();
        const torch::Tensor host = torch::from_blob(m.data, {m.rows, m.cols, 3}, torch::kUInt8);
        const torch::Tensor x01 = host.to(device).permute({2, 0, 1}).to(torch::kFloat).div(255.0).unsqueeze(0);  // 1x3xHxW
        const float lo = manifest.rangeLow, span = manifest.rangeHigh - manifest.rangeLow;
        torch::Tensor in = x01 * span + lo;
        if (manifest.channels == 1) in = in.reshape({3, 1, m.rows, m.cols});  // each colour plane on its own
        torch::jit::IValue out = module.forward({in});
        if (out.isTuple()) out = out.toTuple()->elements().at(0);
        if (!out.isTensor()) throw modelError("denoiser \"" + manifest.name + "\" does not return a tensor");
        torch::Tensor y = out.toTensor().to(torch::kFloat);
        if (y.sizes() != in.sizes()) {
            std::ostringstream got, want;
            got << y.sizes();
            want << in.sizes();
            throw modelError("denoiser \"" + manifest.name + "\" returns shape " + got.str() + " for an input of shape " +
                             want.str() + "; a denoiser must return its input's shape (check \"input.channels\")");
        }
        y = y.reshape({1, 3, m.rows, m.cols});
        const torch::Tensor residual = manifest.output == DenoiserOutput::Noise ? y / span : x01 - (y - lo) / span;
        return residual.squeeze(0).to(torch::kCPU);
    }
};

TorchDenoiser::TorchDenoiser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TorchDenoiser::~TorchDenoiser() = default;

std::shared_ptr<TorchDenoiser> TorchDenoiser::open(const DenoiserManifest& manifest, const std::string& device) {
    const std::string& name = manifest.name;
    if (!std::ifstream(manifest.weightsPath, std::ios::binary))
        throw modelError("denoiser \"" + name + "\": its weights file " + manifest.weightsPath +
                         " is missing or unreadable. Put the TorchScript file there (see the manifest " + manifest.manifestPath + ")");
    const std::string actual = sha256OfFile(manifest.weightsPath);
    if (!manifest.sha256.empty() && actual != manifest.sha256)
        throw modelError("denoiser \"" + name + "\": " + manifest.weightsPath + " does not match its manifest (sha256 " + actual +
                         ", expected " + manifest.sha256 + "). The file is damaged or a different version; refusing to load it");
    auto impl = std::make_unique<Impl>();
    impl->manifest = manifest;
    impl->device = chooseTorchDevice(device, ErrorKind::Model)  /* a denoiser manifest's device */;
    try {
        impl->module = torch::jit::load(manifest.weightsPath, impl->device);
    } catch (const std::exception& e) {
        throw modelError("denoiser \"" + name + "\": " + manifest.weightsPath + " is not a TorchScript model this LibTorch can load (" +
                         firstLine(e.what()) + ")");
    }
    impl->module.eval();
    std::shared_ptr<TorchDenoiser> denoiser(new TorchDenoiser(std::move(impl)));
    // Validation on a small textured image: the module must run and return finite values of its input's shape.
    cv::Mat probe(32, 48, CV_8UC3);
    cv::randu(probe, cv::Scalar::all(0), cv::Scalar::all(256));
    const cv::Mat r = denoiser->residual(probe);
    if (!cv::checkRange(r)) throw modelError("denoiser \"" + name + "\" returns NaN or infinite values");
    return denoiser;
}

cv::Mat TorchDenoiser::residual(const cv::Mat& rgb8) const {
    if (rgb8.empty() || rgb8.type() != CV_8UC3) throw badInput("a denoiser residual needs a non-empty 8-bit RGB image");
    const int k = impl_->manifest.padMultiple;
    const int padB = (k - rgb8.rows % k) % k, padR = (k - rgb8.cols % k) % k;
    cv::Mat padded = rgb8;
    if (padB || padR) cv::copyMakeBorder(rgb8, padded, 0, padB, 0, padR, cv::BORDER_REFLECT_101);
    torch::Tensor r;
    try {
        r = impl_->run(padded);
    } catch (const EngineError&) {
        throw;
    } catch (const std::exception& e) {
        throw modelError("denoiser \"" + impl_->manifest.name + "\" fails on a " + std::to_string(padded.cols) + "x" +
                         std::to_string(padded.rows) + " image (" + firstLine(e.what()) + ")");
    }
    return tensorToPlanes(r)(cv::Rect(0, 0, rgb8.cols, rgb8.rows)).clone();
}

const DenoiserManifest& TorchDenoiser::manifest() const { return impl_->manifest; }
std::string TorchDenoiser::deviceName() const { return impl_->device.str(); }

}  // namespace synthscope
