#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/denoiser.h"
#include "engine/errors.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// Both fixtures (tests/models/make_test_denoisers.py) are a 3x3 box blur with reflection padding, which
// is OpenCV's cv::blur(3x3, BORDER_REFLECT_101): their residual must be the built-in highpass one.
std::shared_ptr<TorchDenoiser> fixture(const std::string& stem) {
    return TorchDenoiser::open(loadDenoiserManifest(testData(stem + ".json")), "cpu");
}

cv::Mat randomImage(int rows, int cols, int seed) {
    cv::Mat rgb(rows, cols, CV_8UC3);
    cv::RNG(seed).fill(rgb, cv::RNG::UNIFORM, 0, 256);
    return rgb;
}

double maxAbsDiff(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

// Writes text to a fresh file in a temporary folder and returns its path.
struct TempDir {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("synthscope_denoiser_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name) << text;
        return (path / name).string();
    }
};

void expectModelError(const std::function<void()>& f, const std::string& fragment) {
    try {
        f();
        ADD_FAILURE() << "no error; expected one mentioning " << fragment;
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
}

}  // namespace

TEST(Denoiser, ManifestFieldsAreRead) {
    const DenoiserManifest a = loadDenoiserManifest(testData("box3_denoiser.json"));
    EXPECT_EQ(a.name, "box3_denoiser");
    EXPECT_EQ(a.output, DenoiserOutput::Denoised);
    EXPECT_EQ(a.channels, 3);
    EXPECT_FLOAT_EQ(a.rangeHigh, 1.f);
    EXPECT_EQ(std::filesystem::path(a.weightsPath).filename(), "box3_denoiser.pt");
    EXPECT_TRUE(std::filesystem::path(a.weightsPath).is_absolute());
    const DenoiserManifest b = loadDenoiserManifest(testData("box3_noise_denoiser.json"));
    EXPECT_EQ(b.output, DenoiserOutput::Noise);
    EXPECT_EQ(b.channels, 1);
    EXPECT_FLOAT_EQ(b.rangeHigh, 255.f);
    EXPECT_EQ(b.sha256.size(), 64u);
}

TEST(Denoiser, ResidualEqualsTheBuiltInHighPassForABoxBlur) {
    // Odd size on purpose; the two fixtures differ in range, channel layout and output kind.
    const cv::Mat rgb = randomImage(37, 53, 1);
    const cv::Mat expected = computeResidual(rgb, ResidualMethod::HighPass);
    for (const char* stem : {"box3_denoiser", "box3_noise_denoiser"}) {
        const auto d = fixture(stem);
        const cv::Mat r = d->residual(rgb);
        ASSERT_EQ(r.size(), rgb.size()) << stem;
        ASSERT_EQ(r.type(), CV_32FC3) << stem;
        EXPECT_LT(maxAbsDiff(r, expected), 2e-5) << stem;
        EXPECT_EQ(d->deviceName(), "cpu");
    }
}

TEST(Denoiser, ResidualSourcePicksTheDenoiserOverTheMethod) {
    const cv::Mat rgb = randomImage(20, 30, 2);
    ResidualSource source;
    source.method = ResidualMethod::Median;
    EXPECT_EQ(source.name(), "median");
    EXPECT_LT(maxAbsDiff(source.compute(rgb), computeResidual(rgb, ResidualMethod::Median)), 1e-7);
    source.denoiser = fixture("box3_denoiser");
    EXPECT_EQ(source.name(), "denoiser:box3_denoiser");
    EXPECT_LT(maxAbsDiff(source.compute(rgb), computeResidual(rgb, ResidualMethod::HighPass)), 2e-5);
}

TEST(Denoiser, PadsToTheMultipleItNeedsAndCropsBack) {
    TempDir dir;
    const DenoiserManifest base = loadDenoiserManifest(testData("box3_denoiser.json"));
    DenoiserManifest padded = base;
    padded.padMultiple = 16;
    const auto d = TorchDenoiser::open(padded, "cpu");
    const cv::Mat rgb = randomImage(37, 23, 3);
    const cv::Mat r = d->residual(rgb);
    ASSERT_EQ(r.size(), rgb.size());
    // Away from the padded bottom and right edges, padding changes nothing.
    const cv::Rect inside(0, 0, rgb.cols - 1, rgb.rows - 1);
    EXPECT_LT(maxAbsDiff(r(inside), computeResidual(rgb, ResidualMethod::HighPass)(inside)), 2e-5);
}

TEST(Denoiser, TinyImagesWork) {
    const auto d = fixture("box3_noise_denoiser");
    for (const cv::Size s : {cv::Size(2, 2), cv::Size(5, 2), cv::Size(2, 9)}) {
        const cv::Mat r = d->residual(randomImage(s.height, s.width, 4));
        EXPECT_EQ(r.size(), s);
        EXPECT_TRUE(cv::checkRange(r));
    }
}

TEST(Denoiser, RejectsBadImagesAsBadInput) {
    const auto d = fixture("box3_denoiser");
    for (const cv::Mat& bad : {cv::Mat(), cv::Mat(8, 8, CV_8UC1, cv::Scalar(3))}) {
        try {
            d->residual(bad);
            ADD_FAILURE() << "no error";
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        }
    }
}

TEST(Denoiser, BrokenManifestsAreModelErrorsThatNameTheProblem) {
    const std::string path = "/x/den.json";
    const std::string ok = R"({"format": "synthscope-denoiser/1", "name": "d", "weights": "d.pt", "output": "noise"})";
    EXPECT_NO_THROW(parseDenoiserManifest(ok, path));
    expectModelError([&] { parseDenoiserManifest("{", path); }, "not valid JSON");
    expectModelError([&] { parseDenoiserManifest(R"({"name": "d", "weights": "d.pt", "output": "noise"})", path); }, "format");
    // A detector manifest given by mistake
    expectModelError([&] { loadDenoiserManifest(testData("brightness_detector.json")); }, "synthscope-denoiser/1");
    expectModelError([&] { parseDenoiserManifest(R"({"format": "synthscope-denoiser/1", "name": "d", "weights": "d.pt"})", path); },
                     "\"output\"");
    expectModelError(
        [&] {
            parseDenoiserManifest(
                R"({"format": "synthscope-denoiser/1", "name": "d", "weights": "d.pt", "output": "noise", "input": {"range": [1, 0]}})", path);
        },
        "input.range");
    expectModelError(
        [&] {
            parseDenoiserManifest(
                R"({"format": "synthscope-denoiser/1", "name": "d", "weights": "d.pt", "output": "noise", "input": {"channels": 2}})", path);
        },
        "input.channels");
    expectModelError([&] { parseDenoiserManifest(R"({"format": "synthscope-denoiser/1", "name": "d", "output": "noise"})", path); },
                     "weights");
    expectModelError([&] { loadDenoiserManifest("/nonexistent/denoiser.json"); }, "cannot be opened");
}

TEST(Denoiser, OpenRefusesMissingMismatchedOrWrongShapedModels) {
    TempDir dir;
    const std::string weights = std::filesystem::absolute(testData("box3_denoiser.pt")).string();
    auto manifestWith = [&](const std::string& name, const std::string& weightsPath, const std::string& sha) {
        return dir.write(name, R"({"format": "synthscope-denoiser/1", "name": "m", "weights": ")" + weightsPath +
                                   R"(", "sha256": )" + sha + R"(, "output": "denoised"})");
    };
    expectModelError([&] { TorchDenoiser::open(loadDenoiserManifest(manifestWith("missing.json", (dir.path / "nope.pt").string(), "null")), "cpu"); },
                     "nope.pt");
    expectModelError([&] { TorchDenoiser::open(loadDenoiserManifest(manifestWith("sha.json", weights, "\"" + std::string(64, 'a') + "\"")), "cpu"); },
                     "does not match");
    // A detector (returns N x 2) is not a denoiser.
    const std::string detector = std::filesystem::absolute(testData("brightness_detector.pt")).string();
    expectModelError([&] { TorchDenoiser::open(loadDenoiserManifest(manifestWith("shape.json", detector, "null")), "cpu"); }, "shape");
    // Not TorchScript at all
    const std::string junk = dir.write("junk.pt", "not a zip file");
    expectModelError([&] { TorchDenoiser::open(loadDenoiserManifest(manifestWith("junk.json", junk, "null")), "cpu"); }, "TorchScript");
}

// The project's trained denoiser (models/denoiser, train_dncnn.py): it must load with its checksum and
// find added noise in a photo-like image while leaving little of the image itself in the residual.
TEST(Denoiser, ShippedDnCnnSeparatesNoiseFromTheImage) {
    const std::string manifest = std::string(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS) + "/denoiser/dncnn_s.json";
    const auto denoiser = TorchDenoiser::open(loadDenoiserManifest(manifest), "cpu");
    EXPECT_EQ(denoiser->manifest().name, "dncnn_s");
    // A smooth image (gradients and soft shapes) with Gaussian noise of sigma 8 grey levels added.
    cv::Mat clean(96, 128, CV_32FC3);
    for (int y = 0; y < clean.rows; ++y)
        for (int x = 0; x < clean.cols; ++x)
            clean.at<cv::Vec3f>(y, x) = cv::Vec3f(60.f + x, 90.f + 0.8f * y, 140.f + 40.f * std::sin(0.05f * float(x + y)));
    cv::Mat noise(clean.size(), CV_32FC3);
    cv::RNG(3).fill(noise, cv::RNG::NORMAL, 0, 8);
    cv::Mat noisy8, clean8;
    cv::Mat(clean + noise).convertTo(noisy8, CV_8UC3);
    clean.convertTo(clean8, CV_8UC3);
    const cv::Mat residual = denoiser->residual(noisy8);
    ASSERT_EQ(residual.size(), noisy8.size());
    // The residual is (mostly) the noise that was added, in units of the [0,1] range.
    cv::Mat actualNoise;
    cv::Mat(noisy8).convertTo(actualNoise, CV_32FC3, 1.0 / 255);
    cv::Mat clean01;
    clean8.convertTo(clean01, CV_32FC3, 1.0 / 255);
    actualNoise -= clean01;
    const cv::Rect inner(8, 8, 112, 80);  // away from the border
    auto corrWithNoise = [&](const cv::Mat& r) {
        const cv::Mat a = r(inner).clone().reshape(1), b = actualNoise(inner).clone().reshape(1);
        return a.dot(b) / std::sqrt(a.dot(a) * b.dot(b));
    };
    // 0.81 measured. Non-local means does better on this smooth image (0.99): the learned residual is kept
    // because it matches DIF's fingerprints better (README), not because it denoises better.
    EXPECT_GT(corrWithNoise(residual), 0.75);
    // On the clean image the residual is far weaker than the noise was.
    const cv::Mat cleanResidual = denoiser->residual(clean8);
    EXPECT_LT(cv::norm(cleanResidual(inner)), 0.35 * cv::norm(actualNoise(inner)));
}
