// The look model (look_model.h): the shipped one, and files it must refuse.
#include <gtest/gtest.h>

#include <QFile>
#include <QTemporaryDir>

#include <cmath>
#include <tuple>

#include "engine/errors.h"
#include "engine/look_model.h"
#include "engine/model_manifest.h"
#include "tests/unit/test_support.h"

using namespace synthscope;

namespace {

LookSpec shippedLook() { return loadManifest(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json").look; }

cv::Mat gradient(int w, int h, int phase) {
    cv::Mat rgb(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar((x + phase) % 256), uchar((y * 3) % 256), uchar((x * y + phase) % 256));
    return rgb;
}

std::string openError(const LookSpec& spec) {
    try {
        LookModel::open(spec, "cpu");
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Model);
        return e.what();
    }
    return "";
}

}  // namespace

TEST(LookModel, TheShippedOneGivesALogProbabilityPerAnswerForAnyImageSize) {
    const LookSpec spec = shippedLook();
    ASSERT_TRUE(spec.used());
    const auto look = LookModel::open(spec, "cpu");
    const cv::Mat big = gradient(640, 400, 0);
    for (const cv::Mat& image : {big, gradient(97, 310, 50)}) {
        const std::vector<double> out = look->logProbabilities(image);
        ASSERT_EQ(out.size(), spec.answers.size());
        double total = 0;
        for (double v : out) total += std::exp(v);
        EXPECT_NEAR(total, 1.0, 1e-5);
    }
    // A view into a larger image (not continuous) gives what its copy gives.
    const cv::Mat view = big(cv::Rect(10, 20, 300, 200));
    ASSERT_FALSE(view.isContinuous());
    EXPECT_EQ(look->logProbabilities(view), look->logProbabilities(view.clone()));
    EXPECT_NE(look->logProbabilities(big), look->logProbabilities(gradient(640, 400, 90))) << "it reads the image";
    EXPECT_THROW(look->logProbabilities(cv::Mat(10, 10, CV_8UC1)), EngineError);
}

TEST(LookModel, ShrinksLargeImagesByAWholeFactorBoxAveragePerSide) {
    const cv::Mat small = gradient(2 * LookModel::kShrinkTo - 1, 500, 0);
    EXPECT_EQ(LookModel::boxShrink(small).data, small.data) << "both sides under twice the size: unchanged";
    // 1000 x 1400: 2 and 3; 2003 x 1350: 4 and 3, the odd rows and columns cropped; a 6000 x 420 strip:
    // 13 across, 1 down (one factor from the shorter side would have left it whole).
    for (const auto& [w, h, kx, ky] : std::vector<std::tuple<int, int, int, int>>{{1000, 1400, 2, 3}, {2003, 1350, 4, 3}, {6000, 420, 13, 1}}) {
        const cv::Mat big = gradient(w, h, 7);
        const cv::Mat out = LookModel::boxShrink(big);
        ASSERT_EQ(out.cols, w / kx);
        ASSERT_EQ(out.rows, h / ky);
        for (const cv::Point p : {cv::Point(0, 0), cv::Point(out.cols - 1, out.rows - 1), cv::Point(123, 77)}) {
            for (int c = 0; c < 3; ++c) {
                int sum = 0;
                for (int dy = 0; dy < ky; ++dy)
                    for (int dx = 0; dx < kx; ++dx) sum += big.at<cv::Vec3b>(p.y * ky + dy, p.x * kx + dx)[c];
                EXPECT_EQ(int(out.at<cv::Vec3b>(p)[c]), (sum + kx * ky / 2) / (kx * ky)) << p << " channel " << c;
            }
        }
    }
}

TEST(LookModel, RefusesMissingDamagedAndForeignFilesWithASentence) {
    LookSpec spec = shippedLook();
    QTemporaryDir dir;
    spec.path = (dir.path() + "/none.pt").toStdString();
    EXPECT_NE(openError(spec).find("missing"), std::string::npos) << openError(spec);

    spec = shippedLook();
    spec.sha256 = std::string(64, '0');
    EXPECT_NE(openError(spec).find("does not match its manifest"), std::string::npos) << openError(spec);

    spec.sha256.clear();
    spec.path = SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json";
    EXPECT_NE(openError(spec).find("not a TorchScript model"), std::string::npos) << openError(spec);

    // A TorchScript file that is not a look model (the detector: a patch batch in, class probabilities out).
    spec.path = SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.pt";
    EXPECT_FALSE(openError(spec).empty());
}
