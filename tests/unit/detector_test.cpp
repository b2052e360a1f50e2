#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cmath>

#include "engine/detector.h"
#include "engine/errors.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

cv::Mat constantPatch(int size, cv::Vec3b rgb) { return cv::Mat(size, size, CV_8UC3, cv::Scalar(rgb[0], rgb[1], rgb[2])); }

// Writes a copy of a fixture manifest with some fields changed, into dir; returns its path.
std::string variantManifest(const QTemporaryDir& dir, const std::string& stem, const QJsonObject& changes) {
    QFile in(QString::fromStdString(testData(stem + ".json")));
    EXPECT_TRUE(in.open(QIODevice::ReadOnly));
    QJsonObject o = QJsonDocument::fromJson(in.readAll()).object();
    o["weights"] = QString::fromStdString(testData(stem + ".pt"));
    for (auto it = changes.begin(); it != changes.end(); ++it) o[it.key()] = it.value();
    const QString path = dir.path() + "/" + QString::fromStdString(stem) + "_variant.json";
    QFile out(path);
    EXPECT_TRUE(out.open(QIODevice::WriteOnly));
    out.write(QJsonDocument(o).toJson());
    return path.toStdString();
}

std::string openError(const std::string& manifestPath, const DetectorOptions& options = {}) {
    try {
        Detector::open(loadManifest(manifestPath), options);
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Model);
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(Detector, LogitModelGivesExpectedProbabilities) {
    auto detector = fixtureDetector("brightness_detector");
    EXPECT_EQ(detector->deviceName(), "cpu");
    std::vector<cv::Mat> patches;
    for (int v : {0, 64, 128, 200, 255}) patches.push_back(constantPatch(32, cv::Vec3b(v, v, v)));
    const auto probs = detector->classify(patches);
    ASSERT_EQ(probs.size(), 5u);
    for (std::size_t i = 0; i < probs.size(); ++i) {
        const int v = std::vector<int>{0, 64, 128, 200, 255}[i];
        ASSERT_EQ(probs[i].size(), 2u);
        EXPECT_NEAR(probs[i][1], sigmoid(12.0 * (v / 255.0 - 0.5)), 1e-5) << v;
        EXPECT_NEAR(probs[i][0] + probs[i][1], 1.0, 1e-6);
    }
}

TEST(Detector, MeanStdNormalisationIsApplied) {
    // The mean/std fixture computes on normalised input; it agrees with the brightness fixture only
    // if the engine normalises exactly as the manifest says.
    auto plain = fixtureDetector("brightness_detector");
    auto normalised = fixtureDetector("meanstd_detector");
    const std::vector<cv::Mat> patches{constantPatch(32, {30, 90, 250}), constantPatch(32, {255, 255, 0})};
    const auto a = plain->classify(patches), b = normalised->classify(patches);
    for (std::size_t i = 0; i < patches.size(); ++i) EXPECT_NEAR(a[i][1], b[i][1], 1e-5);
}

TEST(Detector, SoftmaxModelAndPatchViews) {
    auto detector = fixtureDetector("three_class_detector");
    cv::Mat image(64, 64, CV_8UC3, cv::Scalar(0, 0, 0));
    image(cv::Rect(32, 0, 32, 32)).setTo(cv::Scalar(255, 40, 0));  // red block (RGB)
    image(cv::Rect(0, 32, 32, 32)).setTo(cv::Scalar(0, 40, 255));  // blue block
    // Views into the larger image, not copies: the engine passes ROIs.
    const auto probs = detector->classify({image(cv::Rect(32, 0, 32, 32)), image(cv::Rect(0, 32, 32, 32)), image(cv::Rect(0, 0, 32, 32))});
    EXPECT_GT(probs[0][1], 0.9) << "red -> gen_a";
    EXPECT_GT(probs[1][2], 0.9) << "blue -> gen_b";
    EXPECT_GT(probs[2][0], 0.9) << "dark -> real";
}

TEST(Detector, RefusesDamagedOrMismatchedModels) {
    QTemporaryDir dir;
    EXPECT_NE(openError(variantManifest(dir, "brightness_detector", {{"sha256", QString(64, 'a')}})).find("does not match"), std::string::npos);
    EXPECT_NE(openError(variantManifest(dir, "brightness_detector", {{"weights", dir.path() + "/missing.pt"}})).find("missing"), std::string::npos);

    const QString garbage = dir.path() + "/garbage.pt";
    writeBytes(garbage.toStdString(), {'n', 'o', 't', ' ', 'a', ' ', 'm', 'o', 'd', 'e', 'l'});
    EXPECT_NE(openError(variantManifest(dir, "brightness_detector", {{"weights", garbage}, {"sha256", QJsonValue()}}))
                  .find("not a TorchScript model"), std::string::npos);

    const std::string wrongClasses = openError(variantManifest(dir, "brightness_detector",
                                                               {{"classes", QJsonArray{"authentic", "a", "b"}}}));
    EXPECT_NE(wrongClasses.find("3 classes"), std::string::npos) << wrongClasses;

    EXPECT_NE(openError(variantManifest(dir, "brightness_detector", {{"output", "softmax"}})).find("logits"), std::string::npos);

    if (!Detector::cudaAvailable()) {
        DetectorOptions cuda;
        cuda.device = "cuda";
        EXPECT_NE(openError(testData("brightness_detector.json"), cuda).find("CUDA"), std::string::npos);
    }
}

TEST(Detector, LoadsTheSusyArchitectureExportedByPyTorch) {
    // models/susy/export_random.py (run at build time) exports SuSy's real architecture with random
    // weights; the shipped susy.json manifest must drive it.
    QTemporaryDir dir;
    QFile in(SYNTHSCOPE_SUSY_MANIFEST);
    ASSERT_TRUE(in.open(QIODevice::ReadOnly));
    QJsonObject o = QJsonDocument::fromJson(in.readAll()).object();
    o["weights"] = SYNTHSCOPE_SUSY_RANDOM_PT;
    o["sha256"] = QJsonValue();
    QFile out(dir.path() + "/susy.json");
    ASSERT_TRUE(out.open(QIODevice::WriteOnly));
    out.write(QJsonDocument(o).toJson());
    out.close();

    DetectorOptions options;
    options.device = "cpu";
    auto detector = Detector::open(loadManifest(out.fileName().toStdString()), options);
    cv::Mat noise(224, 224, CV_8UC3);
    cv::randu(noise, 0, 256);
    const auto probs = detector->classify({noise, constantPatch(224, {128, 128, 128}), noise});
    ASSERT_EQ(probs.size(), 3u);
    for (const auto& row : probs) {
        ASSERT_EQ(row.size(), 6u);
        double sum = 0;
        for (float p : row) {
            EXPECT_GE(p, 0.f);
            sum += p;
        }
        EXPECT_NEAR(sum, 1.0, 1e-4);
    }
    for (std::size_t c = 0; c < 6; ++c) EXPECT_FLOAT_EQ(probs[0][c], probs[2][c]) << "deterministic in eval mode";
}
