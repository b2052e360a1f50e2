#pragma once
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/model_manifest.h"

namespace synthscope {

// The image's look, as a third source of the combined attribution (attribution_fusion.h): a TorchScript
// module that takes the whole image (uint8 RGB, H x W x 3; it resizes it to its own input itself) and
// returns one log-probability per answer of its LookSpec. The shipped one is a pretrained ImageNet
// MobileNetV2 with a head trained here (models/look/). It reads content and style, not generator traces,
// which is why it only ever joins the other two sources and never decides alone. LibTorch stays inside
// look_model.cpp; logProbabilities may be called from several threads at once.
class LookModel {
public:
    // Checks the file's sha256 (when the spec gives one), loads it on `device` ("auto", "cpu", "cuda")
    // and checks that a small test image gives one finite log-probability per answer. Throws
    // EngineError(Model) with a sentence that says what is wrong.
    static std::shared_ptr<const LookModel> open(const LookSpec& spec, const std::string& device = "auto");
    ~LookModel();

    // rgb: CV_8UC3 RGB, any size. In the order of spec().answers. A large image is box-averaged first
    // (boxShrink), so that a camera image costs about as little as a small one (0.15-0.2 s on two cores).
    std::vector<double> logProbabilities(const cv::Mat& rgb) const;
    // The box average, each side by the largest whole factor that keeps it at least kShrinkTo (the image
    // cropped to a multiple of the factors, sums rounded half up): exactly models/look/fit_look.py's
    // box_shrink, which the head was trained after. A side under 2 * kShrinkTo is left as it is. The two
    // factors differ only for long images (a 60000 x 420 panorama becomes 451 x 420, not a 300 MB float
    // tensor); the look resizes both sides to 224 independently anyway.
    static cv::Mat boxShrink(const cv::Mat& rgb);
    static constexpr int kShrinkTo = 448;
    const LookSpec& spec() const;
    const std::string& weightsSha256() const;  // of the file loaded (hashed even when the spec states none)

private:
    struct Impl;
    explicit LookModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace synthscope
