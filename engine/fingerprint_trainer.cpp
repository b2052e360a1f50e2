// The only translation unit of the fingerprint code that includes LibTorch: DIF's U-Net, its training on
// residuals, and the blank-image experiment. It must include no Qt header (Qt's `slots` macro breaks
// LibTorch's headers).
#include <torch/torch.h>
#include <ATen/Parallel.h>

#include "engine/fingerprint_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>

#include "engine/errors.h"
#include "engine/fingerprint.h"
#include "engine/torch_device.h"

namespace synthscope {
namespace {

using torch::Tensor;
namespace nn = torch::nn;

// The device, CPU threads and random seed of a training run.
torch::Device setUpTraining(const std::string& device, int threads, std::uint64_t seed) {
    const torch::Device d = chooseTorchDevice(device);
    if (threads > 0) at::set_num_threads(threads);
    torch::manual_seed(seed);
    return d;
}

Tensor leaky(const Tensor& x) { return torch::leaky_relu(x, 0.01); }

// DIF's Conv_Block: two 3x3 convolutions, each with batch norm and a leaky ReLU, then optionally a 2x2
// max pooling (encoder) or a 2x2 stride-2 transposed convolution with batch norm (decoder). forward()
// returns the block's features (the skip connection) and the pooled / up-sampled result.
enum class Resample { None, Down, Up };

struct ConvBlockImpl : nn::Module {
    ConvBlockImpl(int in, int out, Resample r) : resample(r) {
        c1 = register_module("c1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
        n1 = register_module("n1", nn::BatchNorm2d(out));
        c2 = register_module("c2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1)));
        n2 = register_module("n2", nn::BatchNorm2d(out));
        if (r == Resample::Up) {
            up = register_module("up", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(out, out, 2).stride(2)));
            upNorm = register_module("up_norm", nn::BatchNorm2d(out));
        }
    }
    std::pair<Tensor, Tensor> forward(const Tensor& x) {
        Tensor h = leaky(n2(c2(leaky(n1(c1(x))))));
        switch (resample) {
        case Resample::Down: return {h, torch::max_pool2d(h, 2, 2)};
        case Resample::Up: return {h, upNorm(up(h))};
        case Resample::None: break;
        }
        return {h, h};
    }
    Resample resample;
    nn::Conv2d c1{nullptr}, c2{nullptr};
    nn::BatchNorm2d n1{nullptr}, n2{nullptr}, upNorm{nullptr};
    nn::ConvTranspose2d up{nullptr};
};
TORCH_MODULE(ConvBlock);

// DIF's Unet (model.py) with every skip connection on (their default concat [1, 1, 1, 1]).
struct UNetImpl : nn::Module {
    explicit UNetImpl(const UNetShape& s) {
        std::vector<int> ch{s.inputChannels};
        for (int i = 1; i <= s.depth; ++i) ch.push_back(s.width << (i - 1));
        for (int i = 0; i < s.depth; ++i) enc.push_back(register_module("enc" + std::to_string(i), ConvBlock(ch[i], ch[i + 1], Resample::Down)));
        mid = register_module("mid", ConvBlock(ch[s.depth], ch[s.depth], Resample::Up));
        for (int i = 0; i + 1 < s.depth; ++i)
            dec.push_back(register_module("dec" + std::to_string(i), ConvBlock(2 * ch[s.depth - i], ch[s.depth - i - 1], Resample::Up)));
        dec.push_back(register_module("dec" + std::to_string(s.depth - 1), ConvBlock(2 * s.width, s.width, Resample::None)));
        final = register_module("final", nn::Conv2d(nn::Conv2dOptions(s.width, 3, 1)));
    }
    Tensor forward(Tensor h) {
        std::vector<Tensor> skips;
        for (ConvBlock& e : enc) {
            auto [skip, pooled] = e->forward(h);
            skips.push_back(skip);
            h = pooled;
        }
        h = mid->forward(h).second;
        for (std::size_t i = 0; i < dec.size(); ++i) h = dec[i]->forward(torch::cat({skips[skips.size() - 1 - i], h}, 1)).second;
        return torch::tanh(final(h));
    }
    std::vector<ConvBlock> enc, dec;
    ConvBlock mid{nullptr};
    nn::Conv2d final{nullptr};
};
TORCH_MODULE(UNet);

void checkShape(const UNetShape& s, int rows, int cols) {
    if (s.width < 1 || s.width > 256 || s.depth < 1 || s.depth > 6 || s.inputChannels < 1 || s.inputChannels > 64)
        throw badInput("the U-Net shape is out of range (width 1-256, depth 1-6, input channels 1-64).");
    const int unit = 1 << s.depth;
    if (rows < unit || cols < unit || rows % unit != 0 || cols % unit != 0)
        throw badInput("the crop is " + std::to_string(cols) + "x" + std::to_string(rows) + "; with a U-Net of depth " + std::to_string(s.depth) +
                       " its sides must be multiples of " + std::to_string(unit) + ".");
}

// Standardised to zero mean and unit variance over C x H x W per sample: DIF's norm_val.
Tensor standardise(const Tensor& x) {
    const Tensor mean = x.mean({1, 2, 3}, true);
    const Tensor std = (x - mean).pow(2).mean({1, 2, 3}, true).sqrt();
    return (x - mean) / (std + 1e-8);
}

// HWC CV_32FC3 matrices to one standardised NCHW tensor on the device (half precision when large, to keep
// 1000 + 1000 crops of 256 x 256 within a few hundred megabytes).
Tensor residualTensor(const std::vector<cv::Mat>& mats, const torch::Device& device, bool half) {
    const int rows = mats.front().rows, cols = mats.front().cols;
    Tensor out = torch::empty({long(mats.size()), 3, rows, cols}, half ? torch::kHalf : torch::kFloat);
    for (std::size_t i = 0; i < mats.size(); ++i) {
        const cv::Mat m = mats[i].isContinuous() ? mats[i] : mats[i].clone();
        Tensor hwc = torch::from_blob(const_cast<float*>(m.ptr<float>()), {rows, cols, 3}, torch::kFloat);
        out[long(i)] = standardise(hwc.permute({2, 0, 1}).unsqueeze(0))[0].to(out.scalar_type());
    }
    return out.to(device);
}

cv::Mat toHwcMat(const Tensor& chw) {
    const Tensor hwc = chw.detach().to(torch::kCPU, torch::kFloat).permute({1, 2, 0}).contiguous();
    cv::Mat m(int(hwc.size(0)), int(hwc.size(1)), CV_32FC3);
    std::memcpy(m.ptr<float>(), hwc.data_ptr<float>(), m.total() * m.elemSize());
    return m;
}

// Correlation of every residual (standardised, NCHW) with one pattern [1, 3, H, W].
Tensor correlations(const Tensor& standardisedResiduals, const Tensor& pattern) {
    return (standardisedResiduals.to(torch::kFloat) * standardise(pattern)).mean({1, 2, 3});
}

Tensor correlationsChunked(const Tensor& residuals, const Tensor& pattern) {
    std::vector<Tensor> parts;
    for (long i = 0; i < residuals.size(0); i += 64) parts.push_back(correlations(residuals.slice(0, i, std::min(residuals.size(0), i + 64)), pattern));
    return torch::cat(parts);
}

void checkResiduals(const std::vector<cv::Mat>& fakes, const std::vector<cv::Mat>& reals) {
    if (fakes.size() < 2 || reals.size() < 2)
        throw badInput("training a fingerprint needs at least two images of the generator and two real images (given " +
                       std::to_string(fakes.size()) + " and " + std::to_string(reals.size()) + ").");
    const cv::Size size = fakes.front().size();
    for (const auto* set : {&fakes, &reals})
        for (const cv::Mat& m : *set)
            if (m.type() != CV_32FC3 || m.size() != size) throw badInput("every residual must be a CV_32FC3 crop of the same size.");
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

LearnedFingerprint trainFingerprint(const std::vector<cv::Mat>& fakeResiduals, const std::vector<cv::Mat>& realResiduals,
                                    const TrainerOptions& o, const TrainingCallback& progress, const std::atomic<bool>* cancel) {
    checkResiduals(fakeResiduals, realResiduals);
    const int rows = fakeResiduals.front().rows, cols = fakeResiduals.front().cols;
    checkShape(o.net, rows, cols);
    if (o.steps < 1 || o.batchSize < 2 || !(o.learningRate > 0) || !(o.margin > 0))
        throw badInput("training needs at least one step, a batch of at least 2, and a positive learning rate and margin.");
    const auto t0 = std::chrono::steady_clock::now();
    const torch::Device device = setUpTraining(o.device, o.threads, o.seed);
    LearnedFingerprint result;
    result.device = device.str();
    try {
        const bool half = (fakeResiduals.size() + realResiduals.size()) * std::size_t(rows) * std::size_t(cols) * 3 > (std::size_t(64) << 20);
        const Tensor fakes = residualTensor(fakeResiduals, device, half);
        const Tensor reals = residualTensor(realResiduals, device, half);
        UNet net(o.net);
        net->to(device);
        net->train();
        torch::optim::AdamW optimiser(net->parameters(), torch::optim::AdamWOptions(o.learningRate));
        // The fixed input: uniform noise in [0, 0.1), as DIF's init_dummy.
        const Tensor noise = (0.1 * torch::rand({1, o.net.inputChannels, rows, cols})).to(device);
        Tensor ema;
        const long nFake = std::min<long>(o.batchSize / 2, fakes.size(0)), nReal = std::min<long>(o.batchSize - o.batchSize / 2, reals.size(0));
        for (int step = 0; step < o.steps; ++step) {
            if (cancel && cancel->load()) throw cancelled();
            // A balanced batch, shuffled so that the pairs (first half, second half) mix both kinds.
            const Tensor fi = torch::randperm(fakes.size(0), torch::kLong).slice(0, 0, nFake).to(device);
            const Tensor ri = torch::randperm(reals.size(0), torch::kLong).slice(0, 0, nReal).to(device);
            Tensor batch = torch::cat({fakes.index_select(0, fi), reals.index_select(0, ri)}).to(torch::kFloat);
            Tensor labels = torch::cat({torch::ones({nFake}), torch::zeros({nReal})}).to(device);
            const Tensor order = torch::randperm(nFake + nReal, torch::kLong).to(device);
            batch = batch.index_select(0, order);
            labels = labels.index_select(0, order);

            optimiser.zero_grad();
            const Tensor out = net->forward(noise + o.inputJitter * torch::randn_like(noise));
            const Tensor corr = correlations(batch, out);
            const long n = corr.size(0) / 2;
            const Tensor different = (labels.slice(0, 0, n) != labels.slice(0, n, 2 * n)).to(torch::kFloat);
            const Tensor delta = (corr.slice(0, 0, n) - corr.slice(0, n, 2 * n)).abs();
            Tensor loss = torch::relu(different * (o.margin - delta) + (1 - different) * delta).mean() / o.margin;
            if (o.boost) {
                const Tensor isFake = labels.view({-1, 1, 1, 1});
                const Tensor meanFake = (batch * isFake).sum(0, true) / isFake.sum();
                const Tensor meanReal = (batch * (1 - isFake)).sum(0, true) / (1 - isFake).sum();
                const Tensor gap = (correlations(standardise(meanFake), out) - correlations(standardise(meanReal), out)).abs();
                loss = 0.5 * (loss + torch::relu(o.margin - gap).mean() / o.margin);
            }
            loss.backward();
            optimiser.step();

            // DIF keeps an exponential moving average of the outputs (decay 0.99) as the fingerprint; the decay
            // is warmed up so that a short run is not dominated by the untrained first output.
            const double decay = std::min(0.99, (1.0 + step) / (10.0 + step));
            const Tensor current = out.detach();
            ema = ema.defined() ? ema * decay + current * (1 - decay) : current.clone();
            result.loss.push_back(loss.item<float>());
            if (progress) {
                torch::NoGradGuard guard;
                const Tensor c = correlations(batch, ema);
                const Tensor isFake = labels > 0.5;
                TrainingProgress p;
                p.step = step + 1;
                p.steps = o.steps;
                p.loss = result.loss.back();
                p.corrFake = c.index({isFake}).mean().item<double>();
                p.corrReal = c.index({~isFake}).mean().item<double>();
                progress(p);
            }
        }
        torch::NoGradGuard guard;
        const Tensor fakeCorr = correlationsChunked(fakes, ema), realCorr = correlationsChunked(reals, ema);
        result.muFake = fakeCorr.mean().item<double>();
        result.muReal = realCorr.mean().item<double>();
        result.sigmaFake = fakeCorr.std().item<double>();
        result.sigmaReal = realCorr.std().item<double>();
        result.pattern = toHwcMat(ema[0]);
    } catch (const c10::Error& e) {
        throw EngineError(ErrorKind::Internal, "fingerprint training failed in LibTorch: " + firstLine(e.what_without_backtrace()));
    }
    result.seconds = secondsSince(t0);
    return result;
}

BlankResult runBlankExperiment(const BlankOptions& o, const TrainingCallback& progress, const std::atomic<bool>* cancel) {
    checkShape(o.net, o.size, o.size);
    if (o.steps < 1 || !(o.learningRate > 0)) throw badInput("the blank experiment needs at least one step and a positive learning rate.");
    const auto t0 = std::chrono::steady_clock::now();
    const torch::Device device = setUpTraining(o.device, o.threads, o.seed);
    BlankResult result;
    result.device = device.str();
    try {
        UNet net(o.net);
        net->to(device);
        net->train();
        torch::optim::AdamW optimiser(net->parameters(), torch::optim::AdamWOptions(o.learningRate));
        const Tensor noise = (0.1 * torch::rand({1, o.net.inputChannels, o.size, o.size})).to(device);
        const Tensor target = torch::full({1, 3, o.size, o.size}, o.grey, torch::TensorOptions().device(device));
        for (int step = 0; step < o.steps; ++step) {
            if (cancel && cancel->load()) throw cancelled();
            optimiser.zero_grad();
            const Tensor loss = torch::mse_loss(net->forward(noise + o.inputJitter * torch::randn_like(noise)), target);
            loss.backward();
            optimiser.step();
            result.loss.push_back(loss.item<float>());
            if (progress) {
                TrainingProgress p;
                p.step = step + 1;
                p.steps = o.steps;
                p.loss = result.loss.back();
                progress(p);
            }
        }
        // As DIF's produce_fingerprint: one pass in evaluation mode (batch norm's running statistics).
        net->eval();
        torch::NoGradGuard guard;
        result.output = toHwcMat(net->forward(noise + o.inputJitter * torch::randn_like(noise))[0]);
    } catch (const c10::Error& e) {
        throw EngineError(ErrorKind::Internal, "the blank experiment failed in LibTorch: " + firstLine(e.what_without_backtrace()));
    }
    result.spectrum = logSpectrum(result.output);
    result.seconds = secondsSince(t0);
    return result;
}

}  // namespace synthscope
