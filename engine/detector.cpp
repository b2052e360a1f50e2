// The only translation unit of the engine that includes LibTorch. It must include no Qt header.
#include <torch/script.h>
#include <torch/cuda.h>
#include <ATen/Parallel.h>

#include "engine/detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>
#include <sstream>

#include "engine/errors.h"
#include "engine/sha256.h"
#include "engine/torch_device.h"

namespace synthscope {
namespace {

torch::ScalarType scalarType(Precision p) {
    switch (p) {
    case Precision::Fp16: return torch::kHalf;
    case Precision::Bf16: return torch::kBFloat16;
    case Precision::Fp32: break;
    }
    return torch::kFloat;
}

// The precision that will really run: fp16 needs CUDA; bf16 needs CUDA or a CPU that computes BF16
// natively (elsewhere oneDNN emulates it, slower than fp32).
Precision effectivePrecision(Precision asked, const torch::Device& device, std::vector<std::string>& notes) {
    if (asked == Precision::Fp16 && !device.is_cuda()) {
        notes.push_back("fp16 runs on CUDA only: running fp32 on the CPU");
        return Precision::Fp32;
    }
    if (asked == Precision::Bf16 && !device.is_cuda() && !Detector::cpuHasNativeBf16()) {
        notes.push_back("bf16 needs a CPU with native BF16 (avx512_bf16 or amx_bf16), which this one lacks: running fp32");
        return Precision::Fp32;
    }
    return asked;
}

// Patches that tell a working graph from a broken one: flat colours and fixed-seed noise.
std::vector<cv::Mat> checkPatches(int size) {
    std::vector<cv::Mat> patches{cv::Mat(size, size, CV_8UC3, cv::Scalar(40, 90, 160)),
                                 cv::Mat(size, size, CV_8UC3, cv::Scalar(200, 120, 30))};
    cv::RNG rng(20240508);
    for (int i = 0; i < 2; ++i) {
        cv::Mat noise(size, size, CV_8UC3);
        rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
        patches.push_back(noise);
    }
    return patches;
}

}  // namespace

struct Detector::Impl {
    ModelManifest manifest;
    torch::jit::script::Module module;
    torch::Device device = torch::kCPU;
    Precision precision = Precision::Fp32;
    int threads = 0;
    int batchSize = 16;
    std::string weightsSha256;
    std::string optimization = "as loaded";
    std::vector<std::string> notes;
    torch::Tensor mean, invStd;  // [1,3,1,1] on the device

    torch::Tensor toBatch(const std::vector<cv::Mat>& patches) const {
        const int s = manifest.inputSize;
        // NHWC uint8 on the host; one copy per patch row, so ROIs of a larger image need no clone.
        torch::Tensor host = torch::empty({long(patches.size()), s, s, 3}, torch::kUInt8);
        std::uint8_t* dst = host.data_ptr<std::uint8_t>();
        for (const cv::Mat& p : patches) {
            if (p.type() != CV_8UC3 || p.rows != s || p.cols != s)
                throw std::invalid_argument("Detector::classify: every patch must be " + std::to_string(s) + "x" +
                                            std::to_string(s) + " 8-bit RGB");
            for (int r = 0; r < s; ++r, dst += std::size_t(s) * 3) std::memcpy(dst, p.ptr(r), std::size_t(s) * 3);
        }
        // Convert on the device: moving uint8 is 4x less traffic than float. The permuted view is
        // channels-last in memory (NHWC), which oneDNN and cuDNN convolutions take without reordering;
        // [0,1] scaling is done in float32 before any rounding to fp16/bf16.
        torch::Tensor x = host.to(device, /*non_blocking=*/false).permute({0, 3, 1, 2}).to(torch::kFloat).div_(255.0);
        if (manifest.normalization == InputNormalization::MeanStd) x = (x - mean) * invStd;
        x = x.contiguous(torch::MemoryFormat::ChannelsLast);
        if (precision != Precision::Fp32) x = x.to(scalarType(precision));
        return x;
    }

    torch::Tensor forward(const torch::Tensor& x) {
        torch::NoGradGuard noGrad;
        torch::jit::IValue out = module.forward({x});
        if (out.isTuple()) out = out.toTuple()->elements().at(0);  // some exports return (probs, features)
        if (!out.isTensor()) throw modelError("model " + manifest.name + " does not return a tensor");
        torch::Tensor t = out.toTensor().to(torch::kFloat);
        if (manifest.output == ModelOutput::Logits) t = torch::softmax(t, 1);
        return t.to(torch::kCPU).contiguous();
    }

    // Freezes the module (weights become constants, batch norms fold into convolutions) and runs
    // TorchScript's inference passes (on CPU: oneDNN layouts and prepacked weights). The result replaces
    // the loaded module only if it gives the same probabilities on the check patches (within float
    // rounding, or 2e-2 in fp16/bf16, whose folding rounds differently); otherwise a note says why not.
    void optimizeGraph() {
        const torch::Tensor input = toBatch(checkPatches(manifest.inputSize));
        const torch::Tensor before = forward(input);
        torch::jit::script::Module loaded = module;
        try {
            torch::jit::script::Module frozen = torch::jit::freeze(module);
            module = torch::jit::optimize_for_inference(frozen);
            const torch::Tensor after = forward(input);
            const double diff = (after - before).abs().max().item<double>();
            const double tolerance = precision == Precision::Fp32 ? 1e-3 : 2e-2;
            if (!(diff <= tolerance)) {
                module = loaded;
                std::ostringstream note;
                note << "the optimised graph changed the probabilities by " << diff << " on the check patches: running the model as loaded";
                notes.push_back(note.str());
                return;
            }
            optimization = "frozen, optimised for inference";
        } catch (const std::exception& e) {
            module = loaded;
            notes.push_back("the graph could not be frozen and optimised (" + firstLine(e.what()) + "): running the model as loaded");
        }
    }
};

Detector::Detector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Detector::~Detector() = default;

bool Detector::cudaAvailable() { return torch::cuda::is_available(); }

std::unique_ptr<Detector> Detector::open(const ModelManifest& manifest, const DetectorOptions& options) {
    const std::string& name = manifest.name;
    if (!manifest.weightsPresent())
        throw modelError("model \"" + name + "\": its weights file " + manifest.weightsPath +
                         " is missing. Put the TorchScript file there (see the manifest's provenance for where to get it)");
    // Hashed even when the manifest states no sha256, so that every result names the exact weights.
    const std::string actual = sha256OfFile(manifest.weightsPath);
    if (!manifest.sha256.empty()) {
        if (actual != manifest.sha256)
            throw modelError("model \"" + name + "\": " + manifest.weightsPath + " does not match its manifest (sha256 " +
                             actual + ", expected " + manifest.sha256 +
                             "). The file is damaged or a different version; refusing to load it");
    }
    auto impl = std::make_unique<Impl>();
    impl->manifest = manifest;
    impl->weightsSha256 = actual;
    impl->device = chooseTorchDevice(options.device);
    impl->batchSize = options.batchSize > 0 ? options.batchSize : manifest.batchSize;
    impl->precision = effectivePrecision(options.precision, impl->device, impl->notes);
    // 0 = every core: LibTorch's own default is sometimes a single thread.
    at::set_num_threads(options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency())));
    impl->threads = at::get_num_threads();
    try {
        impl->module = torch::jit::load(manifest.weightsPath, impl->device);
    } catch (const std::exception& e) {
        throw modelError("model \"" + name + "\": " + manifest.weightsPath +
                         " is not a TorchScript model this LibTorch can load (" + firstLine(e.what()) + ")");
    }
    impl->module.eval();
    if (impl->precision != Precision::Fp32) impl->module.to(scalarType(impl->precision));
    impl->mean = torch::tensor(std::vector<float>(manifest.mean.begin(), manifest.mean.end())).view({1, 3, 1, 1}).to(impl->device);
    impl->invStd = (1.0 / torch::tensor(std::vector<float>(manifest.std.begin(), manifest.std.end()))).view({1, 3, 1, 1}).to(impl->device);

    // Validation: one dummy batch of two different patches must give [2, classes] probabilities.
    std::unique_ptr<Detector> detector(new Detector(std::move(impl)));
    const int s = manifest.inputSize;
    std::vector<cv::Mat> dummy{cv::Mat(s, s, CV_8UC3, cv::Scalar(40, 90, 160)), cv::Mat(s, s, CV_8UC3, cv::Scalar(200, 120, 30))};
    torch::Tensor out;
    try {
        try {
            out = detector->impl_->forward(detector->impl_->toBatch(dummy));
        } catch (const EngineError&) {
            throw;
        } catch (const std::exception& e) {
            // Half precision converts the module's parameters; a graph exported already frozen keeps its
            // weights as float32 constants that .to() cannot reach, and fails on fp16/bf16 input.
            Impl& d = *detector->impl_;
            if (d.precision == Precision::Fp32) throw;
            d.notes.push_back(std::string(precisionName(d.precision)) + " does not run on this model (" + errorSentence(e.what()) +
                              "; a graph exported frozen keeps float32 weights): running fp32");
            d.precision = Precision::Fp32;
            d.module = torch::jit::load(manifest.weightsPath, d.device);
            d.module.eval();
            out = d.forward(d.toBatch(dummy));
        }
    } catch (const EngineError&) {
        throw;
    } catch (const std::exception& e) {
        throw modelError("model \"" + name + "\" fails on a " + std::to_string(s) + "x" + std::to_string(s) +
                         " RGB batch, so the manifest's input size does not fit it (" + firstLine(e.what()) + ")");
    }
    const long classes = long(manifest.classes.size());
    if (out.dim() != 2 || out.size(0) != 2 || out.size(1) != classes) {
        std::ostringstream shape;
        shape << out.sizes();
        throw modelError("model \"" + name + "\" returns shape " + shape.str() + " for a batch of 2, but its manifest lists " +
                         std::to_string(classes) + " classes (expected [2, " + std::to_string(classes) + "])");
    }
    if (!torch::isfinite(out).all().item<bool>())
        throw modelError("model \"" + name + "\" returns NaN or infinite values");
    if (manifest.output == ModelOutput::Softmax) {
        const bool probabilities = (out.min().item<float>() >= -1e-4f) &&
                                   (out.sum(1) - 1).abs().max().item<float>() < 1e-2f;
        if (!probabilities)
            throw modelError("model \"" + name + "\": the manifest says \"output\": \"softmax\" but its outputs are not "
                             "probabilities (negative or not summing to 1); should it be \"logits\"?");
    }
    if (options.optimize.value_or(manifest.optimizeGraph)) detector->impl_->optimizeGraph();
    return detector;
}

bool Detector::cpuHasNativeBf16() {
    static const bool has = [] {
        std::ifstream in("/proc/cpuinfo");
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("flags", 0) != 0) continue;
            std::istringstream words(line.substr(line.find(':') + 1));
            std::string word;
            while (words >> word)
                if (word == "avx512_bf16" || word == "amx_bf16") return true;
            return false;
        }
        return false;
    }();
    return has;
}

std::vector<ClassProbabilities> Detector::classify(const std::vector<cv::Mat>& patches) {
    if (patches.empty()) return {};
    const torch::Tensor probs = impl_->forward(impl_->toBatch(patches));
    std::vector<ClassProbabilities> rows(patches.size());
    const long classes = probs.size(1);
    const float* p = probs.data_ptr<float>();
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i].assign(p + i * classes, p + (i + 1) * classes);
    return rows;
}

const ModelManifest& Detector::manifest() const { return impl_->manifest; }
std::string Detector::deviceName() const { return impl_->device.str(); }
Precision Detector::precision() const { return impl_->precision; }
int Detector::batchSize() const { return impl_->batchSize; }
const std::string& Detector::weightsSha256() const { return impl_->weightsSha256; }
int Detector::threads() const { return impl_->threads; }
const std::string& Detector::optimization() const { return impl_->optimization; }
const std::vector<std::string>& Detector::notes() const { return impl_->notes; }

}  // namespace synthscope
