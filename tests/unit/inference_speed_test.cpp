// The engine's speed work (issue 8) must not change what it computes: the frozen and optimised graph
// against the graph as loaded, bf16 against fp32 within a stated tolerance, the per-patch parallel GLCM
// against the whole-image one, the in-place colour conversion against OpenCV's.
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/detector.h"
#include "engine/errors.h"
#include "engine/file_collector.h"
#include "engine/glcm.h"
#include "engine/image_loader.h"
#include "engine/patch_grid.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// bf16 keeps 8 bits of mantissa: on these models probabilities move by a few 1e-4 (measured: SuSy
// architecture 5.6e-4 on photo patches). 2e-2 is the bound the detector itself uses to accept a
// low-precision optimised graph, and far below the width of the inconclusive band (0.3).
constexpr double kBf16Tolerance = 2e-2;

std::shared_ptr<Detector> open(const ModelManifest& m, Precision precision, bool optimize) {
    DetectorOptions o;
    o.device = "cpu";
    o.threads = 2;
    o.precision = precision;
    o.optimize = optimize;
    return Detector::open(m, o);
}

// Photo patches (BSDS, when ../shared/data is there) and noise, inputSize x inputSize RGB.
std::vector<cv::Mat> realPatches(int size, int count) {
    std::vector<cv::Mat> patches;
    if (sharedDataPresent()) {
        const CollectedFiles photos = collectImageFiles({sharedData("real/bsds")});
        for (std::size_t i = 0; i < std::min<std::size_t>(3, photos.images.size()); ++i) {
            cv::Mat bgr = cv::imread(photos.images[i], cv::IMREAD_COLOR), rgb;
            if (bgr.empty()) continue;
            cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
            for (int y = 0; y + size <= rgb.rows && int(patches.size()) < count; y += size)
                for (int x = 0; x + size <= rgb.cols && int(patches.size()) < count; x += size)
                    patches.push_back(rgb(cv::Rect(x, y, size, size)).clone());
        }
    }
    cv::RNG rng(7);
    while (int(patches.size()) < count) {
        cv::Mat noise(size, size, CV_8UC3);
        rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
        cv::GaussianBlur(noise, noise, cv::Size(5, 5), 1.5);  // some structure, not only white noise
        patches.push_back(noise);
    }
    return patches;
}

double maxDiff(const std::vector<ClassProbabilities>& a, const std::vector<ClassProbabilities>& b) {
    EXPECT_EQ(a.size(), b.size());
    double d = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        for (std::size_t c = 0; c < a[i].size(); ++c) d = std::max(d, double(std::abs(a[i][c] - b[i][c])));
    return d;
}

ModelManifest susyRandomManifest() {
    ModelManifest m = loadManifest(SYNTHSCOPE_SUSY_MANIFEST);
    m.weightsPath = SYNTHSCOPE_SUSY_RANDOM_PT;
    m.sha256.clear();
    return m;
}

std::string manifestError(const std::string& text) {
    try {
        parseManifest(text, "/tmp/x.json");
    } catch (const EngineError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(InferenceSpeed, FrozenOptimisedSusyGraphEqualsTheLoadedOne) {
    const ModelManifest m = susyRandomManifest();
    auto loaded = open(m, Precision::Fp32, false);
    auto optimised = open(m, Precision::Fp32, true);
    EXPECT_EQ(loaded->optimization(), "as loaded");
    EXPECT_EQ(optimised->optimization(), "frozen, optimised for inference") << (optimised->notes().empty() ? "" : optimised->notes()[0]);
    const auto patches = realPatches(224, 6);
    const double d = maxDiff(loaded->classify(patches), optimised->classify(patches));
    EXPECT_LT(d, 1e-5) << "freezing folds batch norms: float rounding only";
    // Batches of other sizes (the top-k batch, a short last batch) run through the same graph.
    EXPECT_LT(maxDiff(loaded->classify({patches[0]}), optimised->classify({patches[0]})), 1e-5);
}

TEST(InferenceSpeed, FixtureModelsGiveTheSameProbabilitiesOptimised) {
    for (const char* stem : {"brightness_detector", "meanstd_detector", "three_class_detector"}) {
        const ModelManifest m = fixtureManifest(stem);
        auto loaded = open(m, Precision::Fp32, false);
        auto optimised = open(m, Precision::Fp32, true);
        const auto patches = realPatches(m.inputSize, 5);
        EXPECT_LT(maxDiff(loaded->classify(patches), optimised->classify(patches)), 1e-6) << stem;
    }
}

TEST(InferenceSpeed, Bf16StaysWithinToleranceOfFp32OrFallsBackWithANote) {
    const ModelManifest m = susyRandomManifest();
    auto fp32 = open(m, Precision::Fp32, true);
    auto bf16 = open(m, Precision::Bf16, true);
    if (!Detector::cpuHasNativeBf16()) {
        EXPECT_EQ(bf16->precision(), Precision::Fp32);
        ASSERT_FALSE(bf16->notes().empty());
        EXPECT_NE(bf16->notes()[0].find("bf16"), std::string::npos);
        return;
    }
    EXPECT_EQ(bf16->precision(), Precision::Bf16);
    const auto patches = realPatches(224, 6);
    const auto a = fp32->classify(patches), b = bf16->classify(patches);
    const double d = maxDiff(a, b);
    EXPECT_LT(d, kBf16Tolerance);
    EXPECT_GT(d, 0.0) << "bf16 really ran (it rounds)";
    for (const auto& row : b) {
        double sum = 0;
        for (float p : row) sum += p;
        EXPECT_NEAR(sum, 1.0, 1e-2);
    }
    // The tiny fixtures too, as loaded and optimised.
    for (const char* stem : {"brightness_detector", "three_class_detector"}) {
        const ModelManifest f = fixtureManifest(stem);
        const auto small = realPatches(f.inputSize, 5);
        const auto ref = open(f, Precision::Fp32, false)->classify(small);
        EXPECT_LT(maxDiff(ref, open(f, Precision::Bf16, false)->classify(small)), kBf16Tolerance) << stem;
        EXPECT_LT(maxDiff(ref, open(f, Precision::Bf16, true)->classify(small)), kBf16Tolerance) << stem;
    }
}

TEST(InferenceSpeed, Bf16OnAFrozenExportRunsFp32AndSaysSo) {
    // The shipped baseline was exported frozen: its weights are float32 graph constants that the
    // detector's conversion cannot reach, so bf16 input fails; the detector must fall back, not refuse.
    const ModelManifest m = loadManifest(std::string(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS) + "/baseline/baseline.json");
    auto d = open(m, Precision::Bf16, true);
    EXPECT_EQ(d->precision(), Precision::Fp32);
    ASSERT_FALSE(d->notes().empty());
    EXPECT_NE(d->notes().back().find("fp32"), std::string::npos) << d->notes().back();
    if (Detector::cpuHasNativeBf16()) EXPECT_NE(d->notes().back().find("does not run on this model"), std::string::npos) << d->notes().back();
    const auto patches = realPatches(m.inputSize, 3);
    EXPECT_LT(maxDiff(open(m, Precision::Fp32, true)->classify(patches), d->classify(patches)), 1e-6);
}

TEST(InferenceSpeed, Fp16OnTheCpuRunsFp32AndSaysSo) {
    if (Detector::cudaAvailable()) GTEST_SKIP() << "CUDA present: fp16 is honoured";
    auto d = open(fixtureManifest("brightness_detector"), Precision::Fp16, true);
    EXPECT_EQ(d->precision(), Precision::Fp32);
    ASSERT_EQ(d->notes().size(), 1u);
    EXPECT_NE(d->notes()[0].find("fp16"), std::string::npos);
}

TEST(InferenceSpeed, ManifestChoosesPrecisionAndOptimisation) {
    const std::string base = R"({"format": "synthscope-model/1", "name": "m", "version": "1", "weights": "m.pt",
        "classes": ["authentic", "fake"], "authentic_class": "authentic", "input": {"size": 32}, )";
    const ModelManifest defaults = parseManifest(base + R"("inference": {}})", "/tmp/m.json");
    EXPECT_TRUE(defaults.optimizeGraph);
    EXPECT_EQ(defaults.preferredPrecision, Precision::Fp32);
    const ModelManifest chosen = parseManifest(base + R"("inference": {"precision": "bf16", "optimize": false}})", "/tmp/m.json");
    EXPECT_FALSE(chosen.optimizeGraph);
    EXPECT_EQ(chosen.preferredPrecision, Precision::Bf16);
    EXPECT_STREQ(precisionName(Precision::Bf16), "bf16");
    EXPECT_NE(manifestError(base + R"("inference": {"optimize": "yes"}})").find("inference.optimize"), std::string::npos);
    EXPECT_NE(manifestError(base + R"("inference": {"precision": "int8"}})").find("bf16"), std::string::npos);

    // The manifest's choice applies when the options leave it open.
    ModelManifest m = fixtureManifest("brightness_detector");
    m.optimizeGraph = false;
    DetectorOptions o;
    o.device = "cpu";
    EXPECT_EQ(Detector::open(m, o)->optimization(), "as loaded");
    m.optimizeGraph = true;
    EXPECT_EQ(Detector::open(m, o)->optimization(), "frozen, optimised for inference");
}

TEST(InferenceSpeed, ParallelPatchContrastsEqualTheWholeImageOnes) {
    cv::Mat rgb(700, 950, CV_8UC3);
    cv::RNG rng(3);
    rng.fill(rgb, cv::RNG::UNIFORM, 0, 256);
    cv::GaussianBlur(rgb, rgb, cv::Size(7, 7), 2.0);
    const cv::Mat grey = toGrey(rgb);
    for (int stride : {224, 100}) {
        const PatchGrid grid = makePatchGrid(rgb.size(), 224, stride);
        const std::vector<double> fast = patchContrasts(rgb, grid.rects);
        ASSERT_EQ(fast.size(), grid.size());
        for (std::size_t i = 0; i < grid.size(); ++i)
            EXPECT_EQ(fast[i], glcmContrast(grey(grid.rects[i]))) << "patch " << i << ", stride " << stride;
    }
    EXPECT_THROW(patchContrasts(rgb, {cv::Rect(900, 0, 224, 224)}), std::invalid_argument);
    EXPECT_TRUE(patchContrasts(rgb, {}).empty());
}

TEST(InferenceSpeed, InPlaceColourConversionMatchesOpenCv) {
    cv::Mat rgb(123, 77, CV_8UC3);
    cv::RNG rng(11);
    rng.fill(rgb, cv::RNG::UNIFORM, 0, 256);
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/x.png").toStdString();
    writeRgb(path, rgb);  // stored as BGR by OpenCV, so the loader must swap it back
    const LoadedImage loaded = loadImage(path);
    ASSERT_EQ(loaded.rgb.size(), rgb.size());
    EXPECT_EQ(cv::norm(loaded.rgb, rgb, cv::NORM_INF), 0.0);
    EXPECT_EQ(loaded.sha256.size(), 64u);
}
