#include "engine/look_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>

#include <torch/script.h>

#include "engine/errors.h"
#include "engine/sha256.h"
#include "engine/torch_device.h"

namespace synthscope {

struct LookModel::Impl {
    LookSpec spec;
    std::string sha256;
    torch::Device device = torch::kCPU;
    mutable torch::jit::Module module;
    mutable std::mutex mutex;  // one forward at a time: a shared module, and each call is short (~0.15 s)
};

LookModel::LookModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LookModel::~LookModel() = default;
const LookSpec& LookModel::spec() const { return impl_->spec; }
const std::string& LookModel::weightsSha256() const { return impl_->sha256; }

std::shared_ptr<const LookModel> LookModel::open(const LookSpec& spec, const std::string& device) {
    const std::string what = "the look model " + spec.path;
    if (!std::ifstream(spec.path).good())
        throw modelError(what + " is missing or unreadable; the manifest's \"attribution.look\" names it "
                                "(models/look/fit_look.py makes it)");
    const std::string actual = sha256OfFile(spec.path);  // so that every result names the exact file
    if (!spec.sha256.empty()) {
        if (actual != spec.sha256)
            throw modelError(what + " does not match its manifest (sha256 " + actual + ", expected " + spec.sha256 +
                             "). The file is damaged or a different version; refusing to load it");
    }
    auto impl = std::make_unique<Impl>();
    impl->spec = spec;
    impl->sha256 = actual;
    impl->device = chooseTorchDevice(device);
    try {
        impl->module = torch::jit::load(spec.path, impl->device);
    } catch (const std::exception& e) {
        throw modelError(what + " is not a TorchScript model this LibTorch can load (" + firstLine(e.what()) + ")");
    }
    impl->module.eval();
    std::shared_ptr<const LookModel> model(new LookModel(std::move(impl)));
    const cv::Mat test(40, 56, CV_8UC3, cv::Scalar(40, 90, 160));
    std::vector<double> out;
    try {
        out = model->logProbabilities(test);
    } catch (const EngineError&) {
        throw;
    } catch (const std::exception& e) {
        throw modelError(what + " does not run on an image (" + errorSentence(e.what()) + ")");
    }
    for (double v : out)
        if (!std::isfinite(v) || v > 1e-6) throw modelError(what + " does not return log-probabilities");
    return model;
}

cv::Mat LookModel::boxShrink(const cv::Mat& rgb) {
    const int kx = std::max(1, rgb.cols / kShrinkTo), ky = std::max(1, rgb.rows / kShrinkTo);
    if (kx == 1 && ky == 1) return rgb;
    const int h = rgb.rows / ky, w = rgb.cols / kx, area = kx * ky;
    cv::Mat out(h, w, CV_8UC3);
    std::vector<int> sums(std::size_t(w) * 3);
    for (int y = 0; y < h; ++y) {
        std::fill(sums.begin(), sums.end(), 0);
        for (int dy = 0; dy < ky; ++dy) {
            const uchar* row = rgb.ptr<uchar>(y * ky + dy);
            for (int x = 0; x < w; ++x) {
                int* sum = &sums[std::size_t(x) * 3];
                for (const uchar* p = row + x * kx * 3, *end = p + kx * 3; p < end; p += 3) {
                    sum[0] += p[0];
                    sum[1] += p[1];
                    sum[2] += p[2];
                }
            }
        }
        uchar* o = out.ptr<uchar>(y);
        for (std::size_t i = 0; i < sums.size(); ++i) o[i] = uchar((sums[i] + area / 2) / area);  // half up, as fit_look.py
    }
    return out;
}

std::vector<double> LookModel::logProbabilities(const cv::Mat& rgb) const {
    if (rgb.empty() || rgb.type() != CV_8UC3) throw badInput("the look model needs an 8-bit RGB image");
    const cv::Mat shrunk = boxShrink(rgb);
    const cv::Mat image = shrunk.isContinuous() ? shrunk : shrunk.clone();
    std::lock_guard<std::mutex> lock(impl_->mutex);
    torch::NoGradGuard noGrad;
    const torch::Tensor in = torch::from_blob(image.data, {image.rows, image.cols, 3}, torch::kUInt8).to(impl_->device);
    const torch::Tensor out = impl_->module.forward({in}).toTensor().to(torch::kCPU, torch::kDouble).contiguous();
    if (out.dim() != 1 || out.size(0) != std::int64_t(impl_->spec.answers.size()))
        throw modelError("the look model " + impl_->spec.path + " returned " + std::to_string(out.numel()) + " numbers for " +
                         std::to_string(impl_->spec.answers.size()) + " answers");
    return std::vector<double>(out.data_ptr<double>(), out.data_ptr<double>() + out.size(0));
}

}  // namespace synthscope
