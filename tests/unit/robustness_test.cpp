#include <gtest/gtest.h>

#include <QJsonArray>

#include <cmath>

#include "engine/errors.h"
#include "engine/image_analyzer.h"
#include "engine/image_degradation.h"
#include "engine/result_json.h"
#include "engine/robustness_check.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// The brightness fixture: 32-px patches, top-3, p(synthetic) = sigmoid(12 * (mean - 0.5)).
double expectedSynthetic(double mean01) { return 1.0 / (1.0 + std::exp(-12.0 * (mean01 - 0.5))); }

LoadedImage asPng(const cv::Mat& rgb) { return decodeImage(encodeRgb(".png", rgb), "memory.png"); }

// 64x64: three quadrants of 2-px vertical stripes 230/127 (mean 0.7, high GLCM contrast) and a flat black
// bottom-right quadrant (contrast 0). The top-3 patches are the striped ones: p = sigmoid(12 * 0.2),
// synthetic. Halved, the image is one 32-px patch of mean 0.525: p = sigmoid(0.3), inconclusive.
cv::Mat stripesWithADarkCorner() {
    cv::Mat rgb(64, 64, CV_8UC3, cv::Scalar(0, 0, 0));
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x)
            if (x < 32 || y < 32) rgb.at<cv::Vec3b>(y, x) = (x / 2) % 2 ? cv::Vec3b(127, 127, 127) : cv::Vec3b(230, 230, 230);
    return rgb;
}

}  // namespace

TEST(ImageDegradation, NamesParsingAndCopies) {
    EXPECT_EQ(Degradation::jpeg(90).name(), "jpeg90");
    EXPECT_EQ(Degradation::rescale(0.75).name(), "rescale0.75");
    EXPECT_EQ(parseDegradation("jpeg:65").quality, 65);
    EXPECT_EQ(parseDegradation("rescale0.5").kind, Degradation::Kind::Rescale);
    EXPECT_DOUBLE_EQ(parseDegradation("rescale0.5").scale, 0.5);
    EXPECT_EQ(parseDegradation("maxside:1024").maxSide, 1024);
    EXPECT_EQ(Degradation::maxSideOf(512).name(), "maxside512");
    EXPECT_THROW(parseDegradation("maxside0.5"), EngineError);
    for (const char* bad : {"jpeg0", "jpeg101", "jpeg9x", "rescale0", "rescale9", "blur3", "jpeg"})
        EXPECT_THROW(parseDegradation(bad), EngineError) << bad;

    cv::Mat rgb(60, 100, CV_8UC3);
    cv::randu(rgb, 0, 255);
    const LoadedImage original = asPng(rgb);
    const LoadedImage jpeg = degradeImage(original, Degradation::jpeg(40));
    EXPECT_EQ(jpeg.header.format, ImageFormat::Jpeg);
    EXPECT_EQ(jpeg.rgb.size(), rgb.size());
    EXPECT_EQ(jpeg.path, "memory.png (jpeg40)");
    EXPECT_NE(jpeg.sha256, original.sha256);
    EXPECT_GT(cv::norm(jpeg.rgb, original.rgb, cv::NORM_L1), 0.0) << "JPEG 40 of noise is lossy";
    const LoadedImage small = degradeImage(original, Degradation::rescale(0.75));
    EXPECT_EQ(small.rgb.cols, 75);
    EXPECT_EQ(small.rgb.rows, 45);
    EXPECT_EQ(small.header.format, ImageFormat::Png) << "rescaled copies are stored losslessly";
    const LoadedImage capped = degradeImage(original, Degradation::maxSideOf(50));
    EXPECT_EQ(capped.rgb.cols, 50);
    EXPECT_EQ(capped.rgb.rows, 30);
    EXPECT_EQ(capped.path, "memory.png (maxside50)");
    const LoadedImage within = degradeImage(original, Degradation::maxSideOf(100));  // already within: untouched
    EXPECT_EQ(within.sha256, original.sha256);
    EXPECT_EQ(cv::norm(within.rgb, original.rgb, cv::NORM_L1), 0.0);
    EXPECT_THROW(degradeImage(original, Degradation::rescale(0.01)), EngineError) << "under 2x2 pixels";
    EXPECT_THROW(degradeImage(LoadedImage{}, Degradation::jpeg(90)), EngineError);
}

TEST(ImageDegradation, ContrastScalesAboutTheMeanGreyAndKeepsTheSize) {
    EXPECT_EQ(Degradation::contrastOf(1.3).name(), "contrast1.3");
    EXPECT_DOUBLE_EQ(parseDegradation("contrast:0.7").contrast, 0.7);
    for (const char* bad : {"contrast0", "contrast5", "contrast", "contrast1.2x"})
        EXPECT_THROW(parseDegradation(bad), EngineError) << bad;

    // Values well inside [0, 255], so that nothing clips: the spread must scale by the factor exactly
    // (to rounding) and the mean must stay.
    cv::Mat rgb(64, 80, CV_8UC3);
    cv::randu(rgb, 90, 166);
    const LoadedImage original = asPng(rgb);
    for (double factor : {0.7, 1.3}) {
        const LoadedImage changed = degradeImage(original, Degradation::contrastOf(factor));
        SCOPED_TRACE(factor);
        EXPECT_EQ(changed.rgb.size(), rgb.size());
        EXPECT_EQ(changed.header.format, ImageFormat::Png) << "stored losslessly: only the contrast changes";
        EXPECT_EQ(changed.path, "memory.png (" + Degradation::contrastOf(factor).name() + ")");
        cv::Scalar meanIn, sdIn, meanOut, sdOut;
        cv::meanStdDev(original.rgb, meanIn, sdIn);
        cv::meanStdDev(changed.rgb, meanOut, sdOut);
        for (int c = 0; c < 3; ++c) {
            EXPECT_NEAR(sdOut[c], factor * sdIn[c], 0.5);
            EXPECT_NEAR(meanOut[c], meanIn[c], 1.0);
        }
    }
    // Raising the contrast of a white-and-black image saturates instead of wrapping round.
    cv::Mat extremes(8, 8, CV_8UC3, cv::Scalar(250, 250, 250));
    extremes(cv::Rect(0, 0, 4, 8)).setTo(cv::Scalar(5, 5, 5));
    const LoadedImage saturated = degradeImage(asPng(extremes), Degradation::contrastOf(2.0));
    EXPECT_EQ(saturated.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
    EXPECT_EQ(saturated.rgb.at<cv::Vec3b>(0, 7), cv::Vec3b(255, 255, 255));
}

TEST(RobustnessCheck, CombineRule) {
    using L = VerdictLabel;
    EXPECT_EQ(RobustnessCheck::combine(L::Synthetic, {L::Synthetic, L::Synthetic}), L::Synthetic);
    EXPECT_EQ(RobustnessCheck::combine(L::Authentic, {}), L::Authentic);
    EXPECT_EQ(RobustnessCheck::combine(L::Synthetic, {L::Synthetic, L::Inconclusive}), L::Inconclusive);
    EXPECT_EQ(RobustnessCheck::combine(L::Authentic, {L::Synthetic}), L::Inconclusive);
    EXPECT_EQ(RobustnessCheck::combine(L::Inconclusive, {L::Synthetic}), L::Inconclusive);
}

TEST(RobustnessCheck, AStableVerdictIsKept) {
    // Flat bright and flat dark images keep their means through JPEG and rescaling.
    const auto detector = fixtureDetector("brightness_detector");
    const ImageAnalyzer analyzer(detector, {});
    const RobustnessCheck check(detector, {});
    ASSERT_EQ(check.degradations().size(), 3u);
    for (int value : {230, 20}) {
        const LoadedImage image = asPng(cv::Mat(80, 100, CV_8UC3, cv::Scalar(value, value, value)));
        const AnalysisResult r = analyzer.analyze(image);
        const RobustnessReport report = check.check(image, r.verdict);
        EXPECT_TRUE(report.agree) << report.explanation;
        EXPECT_EQ(report.label, value > 128 ? VerdictLabel::Synthetic : VerdictLabel::Authentic);
        ASSERT_EQ(report.variants.size(), 3u);
        EXPECT_EQ(report.variants[0].name, "jpeg90");
        EXPECT_EQ(report.variants[2].name, "rescale0.75");
        EXPECT_EQ(report.variants[2].width, 75);
        for (const RobustnessVariant& v : report.variants) EXPECT_NEAR(v.syntheticProbability, r.verdict.syntheticProbability, 0.02);
    }
}

TEST(RobustnessCheck, AVerdictThatFlipsOnARescaledCopyBecomesInconclusive) {
    const auto detector = fixtureDetector("brightness_detector");
    const LoadedImage image = asPng(stripesWithADarkCorner());
    const AnalysisResult r = ImageAnalyzer(detector, {}).analyze(image);
    ASSERT_EQ(r.verdict.label, VerdictLabel::Synthetic);
    EXPECT_NEAR(r.verdict.syntheticProbability, expectedSynthetic(178.5 / 255), 1e-4);

    const RobustnessCheck check(detector, {}, {Degradation::jpeg(90), Degradation::rescale(0.5)});
    const RobustnessReport report = check.check(image, r.verdict);
    ASSERT_EQ(report.variants.size(), 2u);
    EXPECT_EQ(report.variants[0].label, VerdictLabel::Synthetic) << "JPEG 90 keeps the stripes' mean";
    EXPECT_EQ(report.variants[1].label, VerdictLabel::Inconclusive);
    EXPECT_NEAR(report.variants[1].syntheticProbability, expectedSynthetic(0.75 * 178.5 / 255), 0.01);
    EXPECT_FALSE(report.agree);
    EXPECT_EQ(report.label, VerdictLabel::Inconclusive);
    EXPECT_EQ(report.originalLabel, VerdictLabel::Synthetic);
    EXPECT_NE(report.explanation.find("rescale0.5"), std::string::npos) << report.explanation;

    EXPECT_EQ(report.copies, (std::vector<std::string>{"jpeg90", "rescale0.5"}));

    const QJsonObject json = toJson(report);
    EXPECT_EQ(json["label"].toString(), "inconclusive");
    EXPECT_EQ(json["original_label"].toString(), "synthetic");
    EXPECT_EQ(json["variants"].toArray().size(), 2);

    // The report travels with the result (a case keeps results as JSON) and comes back whole.
    AnalysisResult withCheck = r;
    withCheck.robustness = report;
    const AnalysisResult back = resultFromJson(toJson(withCheck));
    ASSERT_TRUE(back.robustness.has_value());
    EXPECT_EQ(back.robustness->copies, report.copies);
    EXPECT_EQ(back.robustness->label, VerdictLabel::Inconclusive);
    EXPECT_FALSE(back.robustness->agree);
    EXPECT_EQ(back.robustness->explanation, report.explanation);
    ASSERT_EQ(back.robustness->variants.size(), 2u);
    EXPECT_EQ(back.robustness->variants[1].name, "rescale0.5");
    EXPECT_EQ(back.robustness->variants[1].width, report.variants[1].width);
    EXPECT_DOUBLE_EQ(back.robustness->variants[1].syntheticProbability, report.variants[1].syntheticProbability);
    EXPECT_FALSE(resultFromJson(toJson(r)).robustness.has_value()) << "no check, no report";
}

TEST(RobustnessCheck, AReportOfACheckNotDoneKeepsItsReasonThroughJson) {
    RobustnessReport failed;
    failed.copies = {"jpeg90", "contrast1.3"};
    failed.error = "the robustness check was cancelled";
    const QJsonObject json = toJson(failed);
    EXPECT_FALSE(json.contains("label")) << "a check not done gives no answer";
    const RobustnessReport back = robustnessFromJson(json);
    EXPECT_FALSE(back.done());
    EXPECT_EQ(back.error, failed.error);
    EXPECT_EQ(back.copies, failed.copies);
}

TEST(RobustnessCheck, DescribesItsCopiesInWords) {
    EXPECT_EQ(describeCopies({"jpeg90", "jpeg65", "rescale0.75"}), "JPEG 90, JPEG 65 and 0.75x rescale");
    EXPECT_EQ(describeCopies({"contrast1.3"}), "1.3x contrast");
    EXPECT_EQ(describeCopies({"maxside1024", "sharpen2"}), "longest side 1024 px and sharpen2");
    EXPECT_EQ(describeCopies({}), "");
}

TEST(RobustnessCheck, HonoursCancellation) {
    const auto detector = fixtureDetector("brightness_detector");
    const LoadedImage image = asPng(cv::Mat(64, 64, CV_8UC3, cv::Scalar(200, 200, 200)));
    const AnalysisResult r = ImageAnalyzer(detector, {}).analyze(image);
    std::atomic<bool> cancel{true};
    try {
        RobustnessCheck(detector, {}).check(image, r.verdict, &cancel);
        FAIL() << "expected a cancellation";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
    }
}
