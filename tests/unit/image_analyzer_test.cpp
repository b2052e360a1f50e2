#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/attribution_fusion.h"
#include "engine/errors.h"
#include "engine/fingerprint.h"
#include "engine/fingerprint_match.h"
#include "engine/heatmap.h"
#include "engine/image_analyzer.h"
#include "engine/model_manifest.h"
#include "engine/result_json.h"
#include "engine/sha256.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// The brightness fixture: p(synthetic) = sigmoid(12 * (mean - 0.5)), 32-px patches, top-3, batch 4.
double expectedSynthetic(double mean255) { return 1.0 / (1.0 + std::exp(-12.0 * (mean255 / 255.0 - 0.5))); }

LoadedImage inMemory(const cv::Mat& rgb) {
    LoadedImage img;
    img.path = "memory.png";
    img.rgb = rgb;
    img.header.format = ImageFormat::Png;
    return img;
}

struct Recorder : AnalysisObserver {
    std::vector<std::string> events;
    std::size_t classifiedAtVerdict = 0;
    int lastDone = -1, lastTotal = -1;
    bool progressMonotonic = true;
    std::atomic<bool>* cancelOnVerdict = nullptr;
    void onProgress(int done, int total) override {
        progressMonotonic &= done >= lastDone;
        lastDone = done;
        lastTotal = total;
    }
    void onVerdict(const AnalysisResult& r) override {
        events.push_back("verdict");
        classifiedAtVerdict = r.classifiedCount();
        if (cancelOnVerdict) *cancelOnVerdict = true;
    }
    void onPatches(const AnalysisResult&) override { events.push_back("patches"); }
};

}  // namespace

TEST(ImageAnalyzer, HeatmapLocalisesTheSyntheticRegion) {
    cv::Mat rgb(64, 96, CV_8UC3, cv::Scalar(0, 0, 0));
    rgb(cv::Rect(0, 0, 32, 64)).setTo(cv::Scalar(255, 255, 255));  // left third bright = "synthetic"
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    const AnalysisResult r = analyzer.analyze(inMemory(rgb));
    EXPECT_EQ(r.gridCols, 3);
    EXPECT_EQ(r.gridRows, 2);
    EXPECT_TRUE(r.heatmapComplete);
    const cv::Mat heat = renderHeatmap(r);
    ASSERT_EQ(heat.size(), rgb.size());
    EXPECT_NEAR(heat.at<float>(10, 10), expectedSynthetic(255), 1e-5);
    EXPECT_NEAR(heat.at<float>(50, 90), expectedSynthetic(0), 1e-5);
}

TEST(ImageAnalyzer, VerdictComesFromTheHighestContrastPatches) {
    // A dark image with one bright, highly textured patch: the full-image average says authentic, the
    // top-1-contrast verdict must look only at the textured patch.
    cv::Mat rgb(96, 96, CV_8UC3, cv::Scalar(20, 20, 20));
    cv::Mat textured = rgb(cv::Rect(32, 32, 32, 32));
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) textured.at<cv::Vec3b>(y, x) = (x / 5 + y) % 2 ? cv::Vec3b(255, 255, 255) : cv::Vec3b(160, 160, 160);
    AnalysisSettings settings;
    settings.topK = 1;
    const AnalysisResult r = ImageAnalyzer(fixtureDetector("brightness_detector"), settings).analyze(inMemory(rgb));
    ASSERT_EQ(r.patches.size(), 9u);
    EXPECT_TRUE(r.patches[4].inTopK);
    EXPECT_EQ(r.verdict.patchesUsed, 1);
    EXPECT_EQ(r.verdict.label, VerdictLabel::Synthetic);
    EXPECT_NEAR(r.verdict.syntheticProbability, r.patches[4].synthetic, 1e-9);
    EXPECT_LT(r.patches[0].synthetic, 0.01);
}

TEST(ImageAnalyzer, VerdictBandsAndAttribution) {
    auto detector = fixtureDetector("brightness_detector");
    const ImageAnalyzer analyzer(detector, {});
    EXPECT_EQ(analyzer.analyze(inMemory(cv::Mat(64, 64, CV_8UC3, cv::Scalar(250, 250, 250)))).verdict.label, VerdictLabel::Synthetic);
    EXPECT_EQ(analyzer.analyze(inMemory(cv::Mat(64, 64, CV_8UC3, cv::Scalar(5, 5, 5)))).verdict.label, VerdictLabel::Authentic);
    const Verdict grey = analyzer.analyze(inMemory(cv::Mat(64, 64, CV_8UC3, cv::Scalar(128, 128, 128)))).verdict;
    EXPECT_EQ(grey.label, VerdictLabel::Inconclusive);
    EXPECT_NEAR(grey.syntheticProbability, expectedSynthetic(128), 1e-5);

    const ImageAnalyzer three(fixtureDetector("three_class_detector"), {});
    const Verdict red = three.analyze(inMemory(cv::Mat(64, 64, CV_8UC3, cv::Scalar(250, 60, 0)))).verdict;
    ASSERT_EQ(red.attribution.size(), 2u);
    EXPECT_EQ(red.attribution[0].name, "gen_a");
    EXPECT_NEAR(red.attribution[0].probability + red.attribution[1].probability, 1.0, 1e-9);
    EXPECT_EQ(red.classes.size(), 3u);
    EXPECT_GE(red.classes[0].probability, red.classes[1].probability);
}

TEST(ImageAnalyzer, ReportsVerdictBeforeTheRestOfTheHeatmap) {
    cv::Mat rgb(160, 160, CV_8UC3);
    cv::randu(rgb, 0, 256);
    Recorder rec;
    const AnalysisResult r = ImageAnalyzer(fixtureDetector("brightness_detector"), {}).analyze(inMemory(rgb), &rec);
    ASSERT_FALSE(rec.events.empty());
    EXPECT_EQ(rec.events.front(), "verdict");
    EXPECT_EQ(rec.classifiedAtVerdict, 3u) << "only the top-k patches before the verdict";
    EXPECT_EQ(std::count(rec.events.begin(), rec.events.end(), "patches"), 6) << "22 patches in batches of 4";
    EXPECT_TRUE(rec.progressMonotonic);
    EXPECT_EQ(rec.lastDone, 25);
    EXPECT_EQ(rec.lastTotal, 25);
    EXPECT_EQ(r.classifiedCount(), 25u);
}

TEST(ImageAnalyzer, CancelStopsBeforeTheNextBatch) {
    cv::Mat rgb(320, 320, CV_8UC3);
    cv::randu(rgb, 0, 256);
    std::atomic<bool> cancel{false};
    Recorder rec;
    rec.cancelOnVerdict = &cancel;
    try {
        ImageAnalyzer(fixtureDetector("brightness_detector"), {}).analyze(inMemory(rgb), &rec, &cancel);
        FAIL() << "not cancelled";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
    }
    EXPECT_EQ(std::count(rec.events.begin(), rec.events.end(), "patches"), 0);
}

TEST(ImageAnalyzer, VerdictOnlySkipsTheHeatmap) {
    cv::Mat rgb(128, 128, CV_8UC3);
    cv::randu(rgb, 0, 256);
    AnalysisSettings settings;
    settings.fullHeatmap = false;
    const AnalysisResult r = ImageAnalyzer(fixtureDetector("brightness_detector"), settings).analyze(inMemory(rgb));
    EXPECT_EQ(r.classifiedCount(), 3u);
    EXPECT_FALSE(r.heatmapComplete);
    EXPECT_TRUE(r.verdict.ready);
}

TEST(ImageAnalyzer, SmallImagesArePaddedOrRejectedAsTheManifestSays) {
    const cv::Mat tiny(20, 12, CV_8UC3, cv::Scalar(250, 250, 250));
    const AnalysisResult r = ImageAnalyzer(fixtureDetector("brightness_detector"), {}).analyze(inMemory(tiny));
    EXPECT_TRUE(r.image.padded);
    EXPECT_EQ(r.image.width, 12);
    EXPECT_EQ(r.patches.size(), 1u);
    EXPECT_FALSE(r.warnings.empty());
    EXPECT_EQ(r.verdict.label, VerdictLabel::Synthetic) << "reflection keeps the content";
    EXPECT_EQ(renderHeatmap(r).size(), tiny.size());

    ModelManifest strict = fixtureManifest("brightness_detector");
    strict.smallImage = SmallImagePolicy::Reject;
    DetectorOptions cpu;
    cpu.device = "cpu";
    const ImageAnalyzer rejecting(Detector::open(strict, cpu), {});
    EXPECT_THROW(rejecting.analyze(inMemory(tiny)), EngineError);
}

TEST(ImageAnalyzer, ImagesBeyondTheValidatedRangeCarryAWarning) {
    ModelManifest m = fixtureManifest("brightness_detector");
    m.validatedOn.maxSide = 100;
    m.validatedOn.note = "measured: flags most large photos.";
    DetectorOptions cpu;
    cpu.device = "cpu";
    const ImageAnalyzer analyzer(Detector::open(m, cpu), {});
    const AnalysisResult large = analyzer.analyze(inMemory(cv::Mat(64, 160, CV_8UC3, cv::Scalar(90, 90, 90))));
    ASSERT_EQ(large.warnings.size(), 1u);
    EXPECT_NE(large.warnings[0].find("160x64"), std::string::npos) << large.warnings[0];
    EXPECT_NE(large.warnings[0].find("flags most large photos"), std::string::npos);
    EXPECT_TRUE(large.verdict.ready) << "still analysed: the warning goes beside the verdict";
    const AnalysisResult inside = analyzer.analyze(inMemory(cv::Mat(64, 100, CV_8UC3, cv::Scalar(90, 90, 90))));
    EXPECT_TRUE(inside.warnings.empty());
}

TEST(ImageAnalyzer, ManifestCalibrationMapsTheVerdictAndKeepsTheRawValue) {
    // Grey 128 gives a raw synthetic probability just above 0.5: inconclusive without calibration.
    const cv::Mat grey(64, 64, CV_8UC3, cv::Scalar(128, 128, 128));
    ModelManifest m = fixtureManifest("brightness_detector");
    m.calibration.enabled = true;
    m.calibration.slope = 2.0;
    m.calibration.intercept = 3.0;  // shifts the map up: the same raw value now reads as synthetic
    DetectorOptions cpu;
    cpu.device = "cpu";
    const AnalysisResult r = ImageAnalyzer(Detector::open(m, cpu), {}).analyze(inMemory(grey));
    const double raw = expectedSynthetic(128);
    EXPECT_NEAR(r.verdict.rawSyntheticProbability, raw, 1e-5);
    EXPECT_NEAR(r.verdict.syntheticProbability, 1.0 / (1.0 + std::exp(-(2.0 * std::log(raw / (1 - raw)) + 3.0))), 1e-5);
    EXPECT_TRUE(r.verdict.calibrated);
    EXPECT_EQ(r.verdict.label, VerdictLabel::Synthetic) << "the label follows the calibrated value";
    EXPECT_NEAR(r.patches[0].synthetic, raw, 1e-5) << "patches keep the model's own output";

    const AnalysisResult plain = ImageAnalyzer(fixtureDetector("brightness_detector"), {}).analyze(inMemory(grey));
    EXPECT_FALSE(plain.verdict.calibrated);
    EXPECT_DOUBLE_EQ(plain.verdict.syntheticProbability, plain.verdict.rawSyntheticProbability);
    EXPECT_EQ(plain.verdict.label, VerdictLabel::Inconclusive);
}

TEST(ImageAnalyzer, FingerprintTermsOfTheCalibrationJoinTheVerdict) {
    cv::Mat noise(300, 300, CV_8UC3);
    cv::randu(noise, 0, 256);
    const std::string library = SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/fingerprints";
    ModelManifest m = fixtureManifest("brightness_detector");
    m.calibration.enabled = true;
    m.calibration.fingerprintLibrary = library;
    m.calibration.fingerprintTerms = {{{"stylegan2"}, 1.5}, {{"ldm", "vqgan"}, -0.5}};
    DetectorOptions cpu;
    cpu.device = "cpu";
    const ImageAnalyzer analyzer(Detector::open(m, cpu), {});
    const AnalysisResult r = analyzer.analyze(inMemory(noise));

    // The evidence as the fingerprint code computes it on its own.
    const FingerprintAttribution fp = attributeByFingerprints(noise, loadFingerprintLibrary(library));
    auto evidence = [&](const std::string& g) {
        for (const GeneratorMatch& match : fp.ranking)
            if (match.generator == g) return match.evidence;
        ADD_FAILURE() << "no " << g;
        return 0.0;
    };
    const double styleGan = evidence("stylegan2"), mixture = std::log((std::exp(evidence("ldm")) + std::exp(evidence("vqgan"))) / 2);
    ASSERT_EQ(r.verdict.fingerprintTerms.size(), 2u);
    EXPECT_EQ(r.verdict.fingerprintTerms[1].generators, "ldm,vqgan");
    EXPECT_NEAR(r.verdict.fingerprintTerms[0].evidence, styleGan, 1e-9);
    EXPECT_NEAR(r.verdict.fingerprintTerms[1].evidence, mixture, 1e-9);
    const double raw = std::clamp(r.verdict.rawSyntheticProbability, 1e-6, 1 - 1e-6);
    EXPECT_NEAR(r.verdict.syntheticProbability, 1 / (1 + std::exp(-(std::log(raw / (1 - raw)) + 1.5 * styleGan - 0.5 * mixture))), 1e-9);
    char described[64];
    std::snprintf(described, sizeof described, "stylegan2 %+.2f, ldm,vqgan %+.2f", styleGan, mixture);
    EXPECT_EQ(r.verdict.describeFingerprintTerms(), described);

    // Too small to correlate: the detector alone decides, and the result says so.
    const AnalysisResult tiny = analyzer.analyze(inMemory(cv::Mat(20, 20, CV_8UC3, cv::Scalar(90, 90, 90))));
    EXPECT_TRUE(tiny.verdict.fingerprintTerms.empty());
    EXPECT_NEAR(tiny.verdict.syntheticProbability, tiny.verdict.rawSyntheticProbability, 1e-6) << "slope 1, intercept 0";
    ASSERT_FALSE(tiny.warnings.empty());
    EXPECT_NE(tiny.warnings.back().find("fingerprint evidence could not be computed"), std::string::npos) << tiny.warnings.back();

    // A term naming a fingerprint the library lacks is a model error, said the same way.
    m.calibration.fingerprintTerms = {{{"no_such_generator"}, 1.0}};
    const AnalysisResult lacking = ImageAnalyzer(Detector::open(m, cpu), {}).analyze(inMemory(noise));
    EXPECT_TRUE(lacking.verdict.fingerprintTerms.empty());
    ASSERT_FALSE(lacking.warnings.empty());
    EXPECT_NE(lacking.warnings.back().find("lacks a fingerprint"), std::string::npos) << lacking.warnings.back();
}

TEST(ImageAnalyzer, CombinesTheAttributionWithTheCalibrationsFingerprints) {
    // The shipped baseline reads models/fingerprints for its verdict and asks for the combination.
    ModelManifest m = loadManifest(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json");
    ASSERT_GT(m.fingerprintWeight, 0);
    DetectorOptions cpu;
    cpu.device = "cpu";
    AnalysisSettings verdictOnly;
    verdictOnly.fullHeatmap = false;
    const LoadedImage face = loadImage(SYNTHSCOPE_SHARED_DATA_DIR "/faces/fake/0070192c473f.jpg");
    const AnalysisResult r = ImageAnalyzer(Detector::open(m, cpu), verdictOnly).analyze(face);
    ASSERT_TRUE(r.verdict.combinedAttribution.has_value());

    // The same as the fusion computes it from the fingerprint code's own answer for the image.
    const auto expected = combineAttribution(r, attributeByFingerprints(face.rgb, loadFingerprintLibrary(m.calibration.fingerprintLibrary)));
    ASSERT_TRUE(expected.has_value());
    const CombinedAttribution& c = *r.verdict.combinedAttribution;
    ASSERT_EQ(c.ranking.size(), expected->ranking.size());
    for (std::size_t i = 0; i < c.ranking.size(); ++i) {
        EXPECT_EQ(c.ranking[i].name, expected->ranking[i].name);
        EXPECT_NEAR(c.ranking[i].probability, expected->ranking[i].probability, 1e-12);
    }
    EXPECT_EQ(c.detectorTop, expected->detectorTop);
    EXPECT_DOUBLE_EQ(c.weight, m.fingerprintWeight);
    // The look joined (the shipped baseline has one): one log-probability per answer, with the manifest's weight.
    ASSERT_TRUE(m.look.used());
    ASSERT_EQ(r.look.size(), m.look.answers.size());
    double total = 0;
    for (std::size_t i = 0; i < r.look.size(); ++i) {
        EXPECT_EQ(r.look[i].first, m.look.answers[i]);
        total += std::exp(r.look[i].second);
    }
    EXPECT_NEAR(total, 1.0, 1e-5);
    EXPECT_DOUBLE_EQ(c.lookWeight, m.look.weight);
    EXPECT_EQ(r.lookSha256, m.look.sha256) << "the result names the look's file";
    EXPECT_NE(c.sources().find("look"), std::string::npos);
    // What the CLI, the case table and the reports name: the combination's first.
    ASSERT_TRUE(r.likelyGenerator().has_value());
    EXPECT_EQ(r.likelyGenerator()->name, c.ranking.front().name);
    EXPECT_EQ(r.likelyGenerator()->name, "stylegan2");

    // Stored and read back (cases) it stays.
    const AnalysisResult back = resultFromJson(toJson(r));
    ASSERT_TRUE(back.verdict.combinedAttribution.has_value());
    EXPECT_EQ(back.verdict.combinedAttribution->ranking.front().name, c.ranking.front().name);
    EXPECT_DOUBLE_EQ(back.verdict.combinedAttribution->ranking.front().probability, c.ranking.front().probability);
    EXPECT_EQ(back.verdict.combinedAttribution->detectorOnly, c.detectorOnly);
    EXPECT_EQ(back.verdict.combinedAttribution->detectorTop, c.detectorTop);
    EXPECT_DOUBLE_EQ(back.verdict.combinedAttribution->lookWeight, c.lookWeight);
    EXPECT_EQ(back.look, r.look);
    EXPECT_DOUBLE_EQ(back.lookWeight, r.lookWeight);
    EXPECT_EQ(back.lookSha256, r.lookSha256);

    // A look file that does not load costs the look, not the analysis: a warning says so.
    ModelManifest broken = m;
    broken.look.path = SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json";
    broken.look.sha256.clear();
    const AnalysisResult without = ImageAnalyzer(Detector::open(broken, cpu), verdictOnly).analyze(face);
    ASSERT_TRUE(without.verdict.combinedAttribution.has_value());
    EXPECT_TRUE(without.look.empty());
    EXPECT_DOUBLE_EQ(without.verdict.combinedAttribution->lookWeight, 0.0);
    ASSERT_FALSE(without.warnings.empty());
    EXPECT_NE(without.warnings.back().find("look model could not be used"), std::string::npos) << without.warnings.back();

    // A model that asks for no combination gets none, and names the detector's generator.
    m.fingerprintWeight = 0;
    const AnalysisResult plain = ImageAnalyzer(Detector::open(m, cpu), verdictOnly).analyze(face);
    EXPECT_FALSE(plain.verdict.combinedAttribution.has_value());
    EXPECT_FALSE(plain.verdict.fingerprintTerms.empty()) << "the verdict's terms do not depend on the combination";
    ASSERT_TRUE(plain.likelyGenerator().has_value());
    EXPECT_EQ(plain.likelyGenerator()->name, plain.verdict.attribution.front().name);
}

TEST(AnalysisResult, TheLikelyGeneratorIsTheCombinationsFirstAndMayBeUnnamed) {
    // The baseline's other_diffusion stands for no named generator; the combination ranks it with the
    // named ones (attribution_fusion.h), so its first entry is the answer either way.
    AnalysisResult r;
    r.classNames = {"authentic", "ldm", "vqgan", "other_diffusion"};
    r.classGenerators = {"", "ldm", "vqgan", ""};
    r.verdict.attribution = {{"other_diffusion", 0.78}, {"ldm", 0.15}, {"vqgan", 0.07}};
    CombinedAttribution combined;
    combined.ranking = {{"other_diffusion", 0.6}, {"vqgan", 0.3}, {"ldm", 0.1}};
    combined.unnamed = {"other_diffusion"};
    r.verdict.combinedAttribution = combined;
    EXPECT_EQ(r.likelyGenerator()->name, "other_diffusion");
    EXPECT_DOUBLE_EQ(r.likelyGenerator()->probability, 0.6);
    EXPECT_TRUE(r.likelyGeneratorIsUnnamed());

    // Fingerprint evidence put a named generator first although the detector prefers the unnamed class.
    r.verdict.combinedAttribution->ranking = {{"vqgan", 0.7}, {"other_diffusion", 0.2}, {"ldm", 0.1}};
    EXPECT_EQ(r.likelyGenerator()->name, "vqgan") << "the combination's answer";
    EXPECT_FALSE(r.likelyGeneratorIsUnnamed());

    r.verdict.combinedAttribution.reset();
    EXPECT_EQ(r.likelyGenerator()->name, "other_diffusion") << "the detector's, without a combination";
    EXPECT_TRUE(r.likelyGeneratorIsUnnamed()) << "a class without a generator";
    r.verdict.attribution = {{"ldm", 0.6}, {"other_diffusion", 0.3}, {"vqgan", 0.1}};
    EXPECT_EQ(r.likelyGenerator()->name, "ldm");
    EXPECT_FALSE(r.likelyGeneratorIsUnnamed());

    r.verdict.attribution = {{"other_diffusion", 0.78}, {"ldm", 0.22}};
    r.classGenerators.clear();  // a result stored before classes were mapped to generators
    EXPECT_EQ(r.likelyGenerator()->name, "other_diffusion");
    EXPECT_FALSE(r.likelyGeneratorIsUnnamed()) << "nothing says what it stands for";
}

TEST(ImageAnalyzer, ResultsCarryTheirProvenance) {
    auto detector = fixtureDetector("brightness_detector");
    const AnalysisResult r = ImageAnalyzer(detector, {}).analyze(inMemory(cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3))));
    EXPECT_EQ(r.provenance.modelName, "brightness_detector");
    EXPECT_EQ(r.provenance.modelSha256, sha256OfFile(testData("brightness_detector.pt")));
    EXPECT_FALSE(r.provenance.softwareVersion.empty());
    EXPECT_EQ(r.provenance.device, "cpu");
    EXPECT_EQ(r.provenance.patchSize, 32);
    EXPECT_EQ(r.provenance.stride, 32);
    EXPECT_EQ(r.provenance.topK, 3);
}
