#include <gtest/gtest.h>

#include <QTemporaryDir>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/errors.h"
#include "engine/evaluation.h"
#include "engine/evaluation_plots.h"
#include "engine/labelled_set.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::eval;

namespace {

void writeText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

ImageOutcome outcome(const std::string& file, bool fake, const std::string& generator, double score) {
    ImageOutcome o;
    o.file = file;
    o.folder = file.substr(0, file.rfind('/'));
    o.fake = fake;
    o.generator = generator;
    o.score = score;
    return o;
}

}  // namespace

TEST(EvaluationMetrics, BinaryMetricsByHand) {
    // Fakes 0.9, 0.6, 0.4; reals 0.1, 0.5, 0.7, 0.2. At 0.5 (synthetic when above): TP 2, FN 1, FP 1, TN 3
    // (a score of exactly 0.5 counts as authentic).
    const BinaryMetrics m = binaryMetrics({0.9, 0.6, 0.4, 0.1, 0.5, 0.7, 0.2}, {true, true, true, false, false, false, false});
    EXPECT_EQ(m.tp, 2);
    EXPECT_EQ(m.fn, 1);
    EXPECT_EQ(m.fp, 1);
    EXPECT_EQ(m.tn, 3);
    EXPECT_NEAR(m.accuracy, 5.0 / 7, 1e-12);
    EXPECT_NEAR(m.tpr, 2.0 / 3, 1e-12);
    EXPECT_NEAR(m.tnr, 0.75, 1e-12);
    EXPECT_NEAR(m.fpr, 0.25, 1e-12);
    EXPECT_NEAR(m.balancedAccuracy, (2.0 / 3 + 0.75) / 2, 1e-12);
    EXPECT_NEAR(m.precision, 2.0 / 3, 1e-12);
    EXPECT_NEAR(m.f1, 2.0 / 3, 1e-12);  // 2TP / (2TP + FP + FN) = 4 / 6
    // Balanced accuracy differs from accuracy when the classes are unbalanced: 9 reals right, 1 fake wrong.
    std::vector<double> skewedScores(9, 0.1);
    std::vector<bool> skewedFake(9, false);
    skewedScores.push_back(0.2);
    skewedFake.push_back(true);
    const BinaryMetrics skewed = binaryMetrics(skewedScores, skewedFake);
    EXPECT_NEAR(skewed.accuracy, 0.9, 1e-12);
    EXPECT_NEAR(skewed.balancedAccuracy, 0.5, 1e-12);
    EXPECT_TRUE(std::isnan(skewed.precision)) << "no image flagged: precision undefined";
    // One class only: balanced accuracy is undefined, not a number made up.
    EXPECT_TRUE(std::isnan(binaryMetrics({0.9, 0.8}, {true, true}).balancedAccuracy));
}

TEST(EvaluationMetrics, RocAucCountsTiesAsHalf) {
    // Pairs (fake, real): (0.8,0.5)=1 (0.8,0.2)=1 (0.5,0.5)=1/2 (0.5,0.2)=1 -> 3.5 / 4.
    EXPECT_NEAR(rocAuc({0.8, 0.5, 0.5, 0.2}, {true, true, false, false}), 0.875, 1e-12);
    EXPECT_NEAR(rocAuc({0.3, 0.3, 0.3, 0.3}, {true, false, true, false}), 0.5, 1e-12);
    EXPECT_NEAR(rocAuc({0.9, 0.1}, {true, false}), 1.0, 1e-12);
    EXPECT_NEAR(rocAuc({0.1, 0.9}, {true, false}), 0.0, 1e-12);
    EXPECT_TRUE(std::isnan(rocAuc({0.1, 0.9}, {true, true})));
    EXPECT_THROW(rocAuc({0.1}, {true, false}), std::invalid_argument);
}

TEST(EvaluationMetrics, RocCurveRunsFromZeroToOneAndItsAreaIsTheAuc) {
    const std::vector<double> s{0.9, 0.8, 0.8, 0.6, 0.4, 0.3, 0.3, 0.1};
    const std::vector<bool> y{true, true, false, true, false, true, false, false};
    const std::vector<RocPoint> c = rocCurve(s, y);
    ASSERT_GE(c.size(), 2u);
    EXPECT_EQ(c.front().fpr, 0.0);
    EXPECT_EQ(c.front().tpr, 0.0);
    EXPECT_EQ(c.back().fpr, 1.0);
    EXPECT_EQ(c.back().tpr, 1.0);
    double area = 0;
    for (std::size_t i = 1; i < c.size(); ++i) {
        EXPECT_GE(c[i].fpr, c[i - 1].fpr);
        EXPECT_GE(c[i].tpr, c[i - 1].tpr);
        area += (c[i].fpr - c[i - 1].fpr) * (c[i].tpr + c[i - 1].tpr) / 2;  // trapezoids: ties move diagonally
    }
    EXPECT_NEAR(area, rocAuc(s, y), 1e-12);
    EXPECT_TRUE(rocCurve({0.5}, {true}).empty());
}

TEST(EvaluationMetrics, CalibrationBinsAndExpectedCalibrationError) {
    // Bin [0.1,0.2): 0.1 real, 0.15 fake -> mean 0.125, fake share 0.5; bin [0.9,1]: 0.9, 0.95 fakes -> 0.925, 1.
    // ECE = 2/4 * |0.5 - 0.125| + 2/4 * |1 - 0.925| = 0.1875 + 0.0375.
    const Calibration c = calibration({0.1, 0.15, 0.9, 0.95}, {false, true, true, true}, 10);
    ASSERT_EQ(c.bins.size(), 10u);
    EXPECT_EQ(c.bins[1].count, 2);
    EXPECT_NEAR(c.bins[1].meanScore, 0.125, 1e-12);
    EXPECT_NEAR(c.bins[1].fakeShare, 0.5, 1e-12);
    EXPECT_EQ(c.bins[9].count, 2);
    EXPECT_EQ(c.bins[0].count, 0);
    EXPECT_TRUE(std::isnan(c.bins[0].meanScore));
    EXPECT_NEAR(c.ece, 0.225, 1e-12);
    EXPECT_NEAR(c.brier, (0.01 + 0.85 * 0.85 + 0.01 + 0.0025) / 4, 1e-12);
    // A perfectly calibrated set: in each bin the share of fakes equals the mean score.
    EXPECT_NEAR(calibration({0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75},
                            {true, false, false, false, true, true, true, false}, 4).ece, 0.0, 1e-12);
    // A score of exactly 1 falls in the last bin.
    EXPECT_EQ(calibration({1.0}, {true}, 5).bins[4].count, 1);
    EXPECT_TRUE(std::isnan(calibration({}, {}, 10).ece));
}

TEST(EvaluationMetrics, ConfusionMatrix) {
    const ConfusionMatrix m = confusionMatrix({"a", "b", "c"}, {0, 0, 1, 1, 2, 2}, {0, 1, 1, 1, 0, 2});
    EXPECT_EQ(m.total(), 6);
    EXPECT_EQ(m.counts[0][1], 1);
    EXPECT_EQ(m.counts[2][0], 1);
    EXPECT_NEAR(m.accuracy(), 4.0 / 6, 1e-12);
    EXPECT_NEAR(m.recall(0), 0.5, 1e-12);
    EXPECT_NEAR(m.recall(1), 1.0, 1e-12);
    EXPECT_THROW(confusionMatrix({"a"}, {0}, {1}), std::invalid_argument);
    EXPECT_TRUE(std::isnan(confusionMatrix({"a", "b"}, {}, {}).accuracy()));
}

TEST(EvaluationMetrics, ConditionMetricsAttributionAndPerFolderRates) {
    AttributionSpec spec;
    spec.generators = {"ldm", "vqgan"};
    // Model classes: authentic, ldm, vqgan_a, vqgan_b (both stand for vqgan), other (no generator).
    spec.classGenerator = {"", "ldm", "vqgan", "vqgan", ""};
    std::vector<ImageOutcome> o{outcome("gen/ldm/1.png", true, "ldm", 0.9), outcome("gen/ldm/2.png", true, "ldm", 0.4),
                                outcome("gen/vqgan/1.png", true, "vqgan", 0.8), outcome("faces/fake/1.png", true, "stylegan2", 0.7),
                                outcome("real/a/1.png", false, "real", 0.2), outcome("real/a/2.png", false, "real", 0.6)};
    o[0].classProbabilities = {0.1, 0.5, 0.2, 0.2, 0.0};  // ldm 0.5 vs vqgan 0.4 -> ldm (right)
    o[1].classProbabilities = {0.6, 0.25, 0.1, 0.05, 0.0};  // ldm 0.25 vs vqgan 0.15 -> ldm (right)
    o[2].classProbabilities = {0.2, 0.3, 0.25, 0.25, 0.0};  // vqgan only wins when its two classes are summed
    o[3].classProbabilities = {0.3, 0.0, 0.0, 0.0, 0.7};    // not in the candidate set: not scored
    const ConditionMetrics m = computeConditionMetrics(o, spec, 0.5, 0.35, 0.65);
    EXPECT_EQ(m.binary.tp, 3);
    EXPECT_EQ(m.binary.fp, 1);
    EXPECT_EQ(m.attribution.total(), 3);
    EXPECT_EQ(m.attribution.counts[0][0], 2);
    EXPECT_EQ(m.attribution.counts[1][1], 1);
    EXPECT_NEAR(m.attribution.accuracy(), 1.0, 1e-12);
    EXPECT_NEAR(m.attribution.accuracyInterval().low, wilsonInterval(3, 3).low, 1e-12);
    EXPECT_EQ(m.recallPerGenerator.at("ldm").n, 2);
    EXPECT_NEAR(m.recallPerGenerator.at("ldm").ci.high, wilsonInterval(1, 2).high, 1e-12);
    EXPECT_FALSE(std::isnan(m.rocAucCi.low));
    EXPECT_NEAR(m.recallPerGenerator.at("ldm").value, 0.5, 1e-12);
    EXPECT_NEAR(m.recallPerGenerator.at("stylegan2").value, 1.0, 1e-12);
    EXPECT_NEAR(m.correctPerFolder.at("real/a").value, 0.5, 1e-12);
    // Inside the band [0.35, 0.65]: 0.4 and 0.6.
    EXPECT_NEAR(m.inconclusiveShare, 2.0 / 6, 1e-12);
    // Same-source AUC only where a top folder holds both classes: none here.
    EXPECT_TRUE(m.rocAucPerTopFolder.empty());
    EXPECT_FALSE(m.robustnessChecked);
    EXPECT_FALSE(m.attributionTold.has_value()) << "no outcome says what the user was told";

    // What the user is told counts even outside the candidates: "other" (a class that names no
    // generator) for an ldm image is wrong, where the closed-set figures would skip it.
    o[0].toldGenerator = "ldm";
    o[1].toldGenerator = "other";
    o[2].toldGenerator = "vqgan";
    o[3].toldGenerator = "stylegan2";  // not a candidate's image: not scored
    const ConditionMetrics told = computeConditionMetrics(o, spec, 0.5, 0.35, 0.65);
    ASSERT_TRUE(told.attributionTold.has_value());
    EXPECT_EQ(told.attributionTold->n, 3);
    EXPECT_NEAR(told.attributionTold->value, 2.0 / 3, 1e-12);
    EXPECT_NEAR(told.attributionTold->ci.low, wilsonInterval(2, 3).low, 1e-12);
    EXPECT_FALSE(told.attributionToldCalibration.has_value()) << "no confidence given";

    // The probability shown with it: 0.95 right, 0.85 wrong, 0.45 right -> bins [0.9,1): |1 - 0.95|,
    // [0.8,0.9): |0 - 0.85|, [0.4,0.5): |1 - 0.45|, each a third.
    o[0].toldConfidence = 0.95;
    o[1].toldConfidence = 0.85;
    o[2].toldConfidence = 0.45;
    const ConditionMetrics shown = computeConditionMetrics(o, spec, 0.5, 0.35, 0.65);
    ASSERT_TRUE(shown.attributionToldCalibration.has_value());
    EXPECT_NEAR(shown.attributionToldCalibration->ece, (0.05 + 0.85 + 0.55) / 3, 1e-12);
    EXPECT_NEAR(shown.attributionToldCalibration->meanScore(), (0.95 + 0.85 + 0.45) / 3, 1e-12);
    EXPECT_EQ(shown.attributionToldCalibration->bins[8].count, 1);
    EXPECT_NEAR(shown.attributionToldCalibration->bins[8].fakeShare, 0.0, 1e-12) << "the share told right";
}

TEST(EvaluationMetrics, DefaultAttributionCandidatesAreTheLabelledOnesUnlessFewerThanTwo) {
    const std::vector<std::string> classes{"", "ldm", "vqgan", "vqgan", "", "sd"};
    // The model's generators the labels name, once each, in class order.
    EXPECT_EQ(defaultAttributionGenerators(classes, {"sd", "vqgan", "stylegan2"}), (std::vector<std::string>{"vqgan", "sd"}));
    // One named generator (a leave-one-generator-out set) would make every prediction right: all the model's.
    EXPECT_EQ(defaultAttributionGenerators(classes, {"sd"}), (std::vector<std::string>{"ldm", "vqgan", "sd"}));
    EXPECT_EQ(defaultAttributionGenerators(classes, {}), (std::vector<std::string>{"ldm", "vqgan", "sd"}));
    EXPECT_TRUE(defaultAttributionGenerators({"", ""}, {"sd"}).empty());
}

TEST(EvaluationMetrics, WilsonIntervalByHand) {
    // p = 0.5, n = 10: centre 0.5, half-width 1.96 * sqrt(0.025 + 0.0096) / 1.384 = 0.2634.
    const Interval half = wilsonInterval(5, 10);
    EXPECT_NEAR(half.low, 0.2366, 1e-4);
    EXPECT_NEAR(half.high, 0.7634, 1e-4);
    // All right: the upper end is 1, the lower end n / (n + z^2) = 10 / 13.84 = 0.7225.
    const Interval all = wilsonInterval(10, 10);
    EXPECT_NEAR(all.low, 0.7225, 1e-4);
    EXPECT_DOUBLE_EQ(all.high, 1.0);
    EXPECT_DOUBLE_EQ(wilsonInterval(0, 10).low, 0.0);
    EXPECT_TRUE(std::isnan(wilsonInterval(0, 0).low));
    EXPECT_TRUE(std::isnan(wilsonInterval(3, 2).high));
    // More images, narrower interval around the same rate.
    const Interval more = wilsonInterval(50, 100);
    EXPECT_LT(more.high - more.low, half.high - half.low);
}

TEST(EvaluationMetrics, BootstrapIntervalIsSeededAndNarrowsWithMoreImages) {
    // 20 fakes and 20 reals with overlapping scores.
    std::vector<double> scores;
    std::vector<bool> fake;
    for (int i = 0; i < 20; ++i) {
        scores.push_back(0.3 + 0.03 * i);  // fakes 0.30 .. 0.87
        fake.push_back(true);
        scores.push_back(0.1 + 0.03 * i);  // reals 0.10 .. 0.67
        fake.push_back(false);
    }
    const double auc = rocAuc(scores, fake);
    const Interval a = bootstrapInterval(scores, fake, rocAuc);
    const Interval again = bootstrapInterval(scores, fake, rocAuc);
    EXPECT_EQ(a.low, again.low);
    EXPECT_EQ(a.high, again.high);
    EXPECT_LT(a.low, auc);
    EXPECT_GT(a.high, auc);
    EXPECT_GT(a.low, 0.5);
    EXPECT_LE(a.high, 1.0);
    const Interval otherSeed = bootstrapInterval(scores, fake, rocAuc, 2000, 7);
    EXPECT_NEAR(otherSeed.low, a.low, 0.05);

    const double bacc = binaryMetrics(scores, fake, 0.5).balancedAccuracy;
    const auto balancedAccuracyAt05 = [](const std::vector<double>& s, const std::vector<bool>& f) {
        return binaryMetrics(s, f, 0.5).balancedAccuracy;
    };
    const Interval b = bootstrapInterval(scores, fake, balancedAccuracyAt05);
    EXPECT_LE(b.low, bacc);
    EXPECT_GE(b.high, bacc);

    // The same data four times over: the interval narrows (about by half).
    std::vector<double> scores4;
    std::vector<bool> fake4;
    for (int k = 0; k < 4; ++k) {
        scores4.insert(scores4.end(), scores.begin(), scores.end());
        fake4.insert(fake4.end(), fake.begin(), fake.end());
    }
    const Interval a4 = bootstrapInterval(scores4, fake4, rocAuc);
    EXPECT_LT(a4.high - a4.low, 0.7 * (a.high - a.low));

    // Perfectly separated: every resample has AUC 1.
    const Interval perfect = bootstrapInterval({0.9, 0.8, 0.2, 0.1}, {true, true, false, false}, rocAuc);
    EXPECT_DOUBLE_EQ(perfect.low, 1.0);
    EXPECT_DOUBLE_EQ(perfect.high, 1.0);
    // One class only: undefined.
    EXPECT_TRUE(std::isnan(bootstrapInterval({0.9, 0.8}, {true, true}, rocAuc).low));
}

TEST(EvaluationMetrics, RobustnessStatsCountCaughtErrorsAndLostVerdicts) {
    std::vector<ImageOutcome> o{
        outcome("a/1.png", true, "g", 0.9), outcome("a/2.png", true, "g", 0.9), outcome("a/3.png", false, "real", 0.8),
        outcome("a/4.png", false, "real", 0.8), outcome("a/5.png", false, "real", 0.1), outcome("a/6.png", true, "g", 0.5)};
    const std::vector<std::vector<double>> variants{{0.9, 0.95}, {0.9, 0.3}, {0.7, 0.2}, {0.9, 0.9}, {0.2, 0.2}, {0.1, 0.9}};
    for (std::size_t i = 0; i < o.size(); ++i) {
        o[i].robustnessChecked = true;
        o[i].variantScores = variants[i];
    }
    const ConditionMetrics m = computeConditionMetrics(o, {}, 0.5, 0.35, 0.65);
    ASSERT_EQ(m.robustness.size(), 2u);
    const RobustnessStats& band = m.robustness[0];
    // Decisive before: 1 right, 2 right (both synthetic), 3 wrong, 4 wrong, 5 right; 6 is inconclusive (0.5).
    EXPECT_EQ(band.checked, 6);
    EXPECT_EQ(band.decisiveBefore, 5);
    EXPECT_EQ(band.wrongBefore, 2);
    EXPECT_EQ(band.rightBefore, 3);
    EXPECT_EQ(band.wrongCaught, 1);  // image 3: a copy scores 0.2
    EXPECT_EQ(band.rightLost, 1);    // image 2: a copy scores 0.3
    EXPECT_EQ(band.decisiveAfter, 3);
    EXPECT_EQ(band.wrongAfter, 1);   // image 4 stays wrong
    EXPECT_NEAR(band.accuracyDecisiveBefore, 0.6, 1e-12);
    EXPECT_NEAR(band.accuracyDecisiveAfter, 2.0 / 3, 1e-12);
    EXPECT_NEAR(band.coverageAfter, 0.5, 1e-12);
    // Threshold only ([0.5, 0.5]): image 3's copy 0.7 stays synthetic, the 0.2 one flips -> still caught.
    EXPECT_EQ(m.robustness[1].bandLow, 0.5);
    EXPECT_EQ(m.robustness[1].wrongCaught, 1);
}

TEST(EvaluationMetrics, LabelForUsesTheBandAndAZeroWidthBandIsAThreshold) {
    EXPECT_EQ(labelFor(0.7, 0.35, 0.65), VerdictLabel::Synthetic);
    EXPECT_EQ(labelFor(0.65, 0.35, 0.65), VerdictLabel::Inconclusive);
    EXPECT_EQ(labelFor(0.2, 0.35, 0.65), VerdictLabel::Authentic);
    EXPECT_EQ(labelFor(0.51, 0.5, 0.5), VerdictLabel::Synthetic);
    EXPECT_EQ(labelFor(0.49, 0.5, 0.5), VerdictLabel::Authentic);
}

TEST(EvaluationPlots, DrawsNonEmptyImages) {
    const std::vector<double> s{0.9, 0.8, 0.3, 0.2};
    const std::vector<bool> y{true, false, true, false};
    NamedCurve curve{"original", {}};
    for (const RocPoint& p : rocCurve(s, y)) curve.points.emplace_back(p.fpr, p.tpr);
    for (const cv::Mat& img : {plotRoc({curve}, "ROC"), plotReliability({{"original", calibration(s, y)}}, "Reliability"),
                               plotConfusion(confusionMatrix({"a", "b"}, {0, 1}, {0, 0}), "Attribution")}) {
        ASSERT_EQ(img.type(), CV_8UC3);
        EXPECT_GT(img.cols, 200);
        cv::Scalar mean = cv::mean(img);
        EXPECT_LT(mean[0], 254.9) << "something is drawn on the white background";
    }
}

TEST(LabelledSet, ReadsCsvRelativeToItsFolderAndRestrictsToASplit) {
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    writeText(root + "/labels.csv",
              "file,label,generator,source\n"
              "gen/ldm/a.png,fake,ldm,x\n"
              "\"real/photos/b, c.jpg\",real,real,y\n"
              "gen/ldm/d.png,fake,ldm,x\n"
              "new/e.png,real,real,z\n");
    writeText(root + "/split.csv", "file,split\ngen/ldm/a.png,test\n\"real/photos/b, c.jpg\",test\ngen/ldm/d.png,train\n");
    const LabelledSet all = readLabelCsv(root + "/labels.csv");
    ASSERT_EQ(all.images.size(), 4u);
    EXPECT_TRUE(all.images[0].fake);
    EXPECT_EQ(all.images[0].generator, "ldm");
    EXPECT_EQ(all.images[0].folder, "gen/ldm");
    EXPECT_EQ(all.images[0].path, root + "/gen/ldm/a.png");
    EXPECT_EQ(all.images[1].file, "real/photos/b, c.jpg") << "quoted field with a comma";
    EXPECT_FALSE(all.images[1].fake);
    const LabelledSet test = restrictToSplit(all, readSplitCsv(root + "/split.csv"), "test");
    ASSERT_EQ(test.images.size(), 2u);
    EXPECT_EQ(test.images[1].folder, "real/photos");
    ASSERT_EQ(test.warnings.size(), 1u) << "new/e.png is not in the split";

    writeText(root + "/bad.csv", "file,label\nx.png,maybe\n");
    EXPECT_THROW(readLabelCsv(root + "/bad.csv"), EngineError);
    writeText(root + "/short.csv", "file,label\nx.png\n");
    EXPECT_THROW(readLabelCsv(root + "/short.csv"), EngineError);
    writeText(root + "/nolabel.csv", "file,generator\nx.png,ldm\n");
    EXPECT_THROW(readLabelCsv(root + "/nolabel.csv"), EngineError);
    EXPECT_THROW(readLabelCsv(root + "/missing.csv"), EngineError);
}

TEST(LabelledSet, FolderNamesCarryTheLabels) {
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    const cv::Mat rgb(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
    for (const char* f : {"/real/bsds/a.png", "/dif/mj/0_real/b.png", "/dif/mj/1_fake/c.png", "/attribution/ldm/d.png"}) {
        std::filesystem::create_directories(std::filesystem::path(root + f).parent_path());
        test::writeRgb(root + f, rgb);
    }
    const LabelledSet set = readLabelledFolder(root);
    ASSERT_EQ(set.images.size(), 4u);
    std::map<std::string, std::pair<bool, std::string>> byFile;
    for (const LabelledImage& i : set.images) byFile[i.file] = {i.fake, i.generator};
    EXPECT_EQ(byFile.at("real/bsds/a.png"), std::make_pair(false, std::string("real")));
    EXPECT_EQ(byFile.at("dif/mj/0_real/b.png"), std::make_pair(false, std::string("real")));
    EXPECT_EQ(byFile.at("dif/mj/1_fake/c.png"), std::make_pair(true, std::string("mj")));
    EXPECT_EQ(byFile.at("attribution/ldm/d.png"), std::make_pair(true, std::string("ldm")));
    const LabelledSet forced = readLabelledFolder(root + "/attribution", "real");
    ASSERT_EQ(forced.images.size(), 1u);
    EXPECT_FALSE(forced.images[0].fake);
    EXPECT_THROW(readLabelledFolder(root + "/nope"), EngineError);
}

TEST(LabelledSet, SubsetsAreSpreadAndReproducible) {
    std::vector<LabelledImage> images(100);
    for (std::size_t i = 0; i < images.size(); ++i) images[i].file = std::to_string(i);
    const auto even = evenSubset(images, 4);
    ASSERT_EQ(even.size(), 4u);
    EXPECT_EQ(even[0].file, "0");
    EXPECT_EQ(even[1].file, "25");
    EXPECT_EQ(even[3].file, "75");
    EXPECT_EQ(evenSubset(images, 500).size(), 100u);
    const auto a = randomSubset(images, 10, 7), b = randomSubset(images, 10, 7), c = randomSubset(images, 10, 8);
    ASSERT_EQ(a.size(), 10u);
    bool same = true, differs = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        same &= a[i].file == b[i].file;
        differs |= a[i].file != c[i].file;
        if (i > 0) EXPECT_LT(std::stoi(a[i - 1].file), std::stoi(a[i].file)) << "list order kept";
    }
    EXPECT_TRUE(same);
    EXPECT_TRUE(differs);
}
