// Combining the detector's attribution with the fingerprints' evidence (attribution_fusion.h).
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/attribution_fusion.h"
#include "engine/errors.h"
#include "engine/model_manifest.h"
#include "engine/result_json.h"
#include "tests/unit/test_support.h"

using namespace synthscope;

namespace {

FingerprintAttribution evidenceFor(std::vector<std::pair<std::string, double>> generators, bool byEvidence = true) {
    FingerprintAttribution fp;
    fp.rankedByEvidence = byEvidence;
    for (const auto& [g, e] : generators) {
        GeneratorMatch m;
        m.generator = g;
        m.evidence = e;
        fp.ranking.push_back(m);
    }
    return fp;
}

// Classes named after their generators; "" is the authentic class (no unnamed classes).
std::vector<FusionClass> classesOf(const std::vector<std::string>& generators) {
    std::vector<FusionClass> out;
    for (const std::string& g : generators) out.push_back({g.empty() ? "authentic" : "gen_" + g, g, false});
    return out;
}

}  // namespace

TEST(AttributionFusion, AddsWeightedEvidenceToTheDetectorsLogProbability) {
    // The detector prefers a (0.6 against 0.3 of the generator share); the fingerprints strongly prefer b.
    const std::vector<double> probabilities{0.1, 0.6, 0.3, 0.0};
    const std::vector<std::string> generators{"", "a", "b", "c"};
    const FingerprintAttribution fp = evidenceFor({{"b", 3.0}, {"a", -2.0}, {"z", 1.0}});

    const auto combined = combineAttribution(probabilities, classesOf(generators), fp, 1.0);
    ASSERT_TRUE(combined.has_value());
    ASSERT_EQ(combined->ranking.size(), 3u) << "every generator the detector knows; z has no class";
    EXPECT_EQ(combined->ranking[0].name, "b");
    EXPECT_EQ(combined->ranking[2].name, "c") << "ruled out by the detector, and no evidence for it";
    // b: log(1/3) + 3, a: log(2/3) - 2, c: log(1e-6) + 0; softmax over the three.
    const double sb = std::log(1.0 / 3 + 1e-6) + 3, sa = std::log(2.0 / 3 + 1e-6) - 2, sc = std::log(1e-6);
    EXPECT_NEAR(combined->ranking[0].probability, 1 / (1 + std::exp(sa - sb) + std::exp(sc - sb)), 1e-12);
    double sum = 0;
    for (const ClassScore& g : combined->ranking) sum += g.probability;
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_EQ(combined->detectorOnly, std::vector<std::string>{"c"});
    EXPECT_EQ(combined->fingerprintOnly, std::vector<std::string>{"z"});

    // A generator without a fingerprint that the detector is sure of stays first (a StyleGAN face).
    const auto sure = combineAttribution({0.02, 0.01, 0.01, 0.96}, classesOf(generators), fp, 1.0);
    ASSERT_TRUE(sure.has_value());
    EXPECT_EQ(sure->ranking[0].name, "c");

    // A small weight leaves the detector's choice standing.
    EXPECT_EQ(combineAttribution(probabilities, classesOf(generators), fp, 0.1)->ranking[0].name, "a");
}

TEST(AttributionFusion, ATemperatureSoftensTheProbabilitiesAndKeepsTheOrder) {
    const std::vector<double> probabilities{0.1, 0.6, 0.3, 0.0};
    const FingerprintAttribution fp = evidenceFor({{"b", 3.0}, {"a", -2.0}});
    const auto sharp = combineAttribution(probabilities, classesOf({"", "a", "b", "c"}), fp, 1.0);
    const auto soft = combineAttribution(probabilities, classesOf({"", "a", "b", "c"}), fp, 1.0, 0, nullptr, 0, 2.0);
    ASSERT_TRUE(sharp && soft);
    EXPECT_DOUBLE_EQ(sharp->temperature, 1.0);
    EXPECT_DOUBLE_EQ(soft->temperature, 2.0);
    ASSERT_EQ(soft->ranking.size(), sharp->ranking.size());
    for (std::size_t i = 0; i < soft->ranking.size(); ++i) EXPECT_EQ(soft->ranking[i].name, sharp->ranking[i].name);
    EXPECT_LT(soft->ranking[0].probability, sharp->ranking[0].probability);
    // p_i / p_j = exp((s_i - s_j) / T): at T = 2 each ratio is the square root of its ratio at T = 1.
    for (std::size_t i = 1; i < soft->ranking.size(); ++i)
        EXPECT_NEAR(std::log(soft->ranking[0].probability / soft->ranking[i].probability),
                    std::log(sharp->ranking[0].probability / sharp->ranking[i].probability) / 2, 1e-9);
    // What each source said is not touched by it.
    for (std::size_t i = 0; i < soft->contributions.size(); ++i)
        EXPECT_DOUBLE_EQ(soft->contributions[i].detector, sharp->contributions[i].detector);
}

TEST(AttributionFusion, DoesNotApplyWhereItWasNotFittedOrCannotChoose) {
    const std::vector<double> probabilities{0.1, 0.6, 0.3};
    const std::vector<std::string> generators{"", "a", "b"};
    const FingerprintAttribution fp = evidenceFor({{"a", 1.0}, {"b", 0.5}});
    const std::vector<FusionClass> classes = classesOf(generators);
    EXPECT_FALSE(combineAttribution(probabilities, classes, fp, 0.0)) << "the model asks for no combination";
    EXPECT_FALSE(combineAttribution(probabilities, classes, evidenceFor({{"a", 1.0}, {"b", 0.5}}, false), 1.0))
        << "DIF's fingerprints have no spreads, so no evidence";
    EXPECT_FALSE(combineAttribution(probabilities, classes, evidenceFor({{"a", 1.0}, {"q", 0.5}}), 1.0))
        << "one shared generator leaves nothing to choose";
    EXPECT_FALSE(combineAttribution({0.5, 0.5}, classes, fp, 1.0)) << "probabilities and classes differ in length";
}

TEST(AttributionFusion, AClassThatNamesNoGeneratorCompetesUnderItsOwnNameWithItsOffset) {
    // authentic, two named generators and an unnamed class ("other diffusion models") the detector prefers.
    const std::vector<FusionClass> classes{
        {"authentic", "", false}, {"gen_a", "a", false}, {"gen_b", "b", false}, {"other", "", true}};
    const std::vector<double> probabilities{0.1, 0.2, 0.1, 0.6};
    const FingerprintAttribution fp = evidenceFor({{"a", 3.0}, {"b", -1.0}});

    // Strong evidence for a outweighs the detector's preference: a: log(2/9) + 3, b: log(1/9) - 1, other: log(6/9).
    const auto strong = combineAttribution(probabilities, classes, fp, 1.0, 0.0);
    ASSERT_TRUE(strong.has_value());
    ASSERT_EQ(strong->ranking.size(), 3u) << "the authentic class is never a candidate";
    EXPECT_EQ(strong->ranking[0].name, "a");
    EXPECT_EQ(strong->ranking[1].name, "other");
    const double sa = std::log(2.0 / 9 + 1e-6) + 3, sb = std::log(1.0 / 9 + 1e-6) - 1, so = std::log(6.0 / 9 + 1e-6);
    EXPECT_NEAR(strong->ranking[0].probability, 1 / (1 + std::exp(sb - sa) + std::exp(so - sa)), 1e-12);
    EXPECT_EQ(strong->unnamed, std::vector<std::string>{"other"});
    EXPECT_TRUE(strong->detectorOnly.empty()) << "an unnamed class is listed as unnamed, not as lacking a fingerprint";
    EXPECT_EQ(strong->detectorTop, "other");

    // Weak evidence leaves the unnamed class first: "a generator the model has no name for".
    const auto weak = combineAttribution(probabilities, classes, fp, 0.1, 0.0);
    ASSERT_TRUE(weak.has_value());
    EXPECT_EQ(weak->ranking[0].name, "other");
    EXPECT_TRUE(weak->isUnnamed(weak->ranking[0].name));
    ASSERT_NE(weak->firstNamed(), nullptr);
    EXPECT_EQ(weak->firstNamed()->name, "a");
    // ... unless the offset asks for more from the detector before it says "unnamed".
    const auto offset = combineAttribution(probabilities, classes, fp, 0.1, -2.0);
    ASSERT_TRUE(offset.has_value());
    EXPECT_EQ(offset->ranking[0].name, "a");
    EXPECT_DOUBLE_EQ(offset->unnamedOffset, -2.0);
    // A fingerprint that happens to carry the unnamed class's name is not evidence for it.
    const auto sameName = combineAttribution(probabilities, classes, evidenceFor({{"a", 0.0}, {"b", 0.0}, {"other", -50.0}}), 1.0);
    ASSERT_TRUE(sameName.has_value());
    EXPECT_EQ(sameName->ranking[0].name, "other");
}

TEST(AttributionFusion, TheLookIsAddedWithItsWeightToTheCandidatesItNames) {
    const std::vector<FusionClass> classes{
        {"authentic", "", false}, {"gen_a", "a", false}, {"gen_b", "b", false}, {"other", "", true}};
    const std::vector<double> probabilities{0.1, 0.5, 0.3, 0.1};
    const FingerprintAttribution fp = evidenceFor({{"a", 0.0}, {"b", 0.0}});
    // The look is sure of b and says nothing of "other" (a candidate it has no answer for gets nothing).
    const LookScores look{{"a", std::log(0.05)}, {"b", std::log(0.9)}, {"elsewhere", std::log(0.05)}};

    const auto without = combineAttribution(probabilities, classes, fp, 1.0, 0.0, &look, 0.0);
    ASSERT_TRUE(without.has_value());
    EXPECT_EQ(without->ranking[0].name, "a") << "weight 0: the look takes no part";
    EXPECT_DOUBLE_EQ(without->lookWeight, 0.0);

    const auto with = combineAttribution(probabilities, classes, fp, 1.0, 0.0, &look, 1.0);
    ASSERT_TRUE(with.has_value());
    EXPECT_EQ(with->ranking[0].name, "b");
    EXPECT_DOUBLE_EQ(with->lookWeight, 1.0);
    // a: log(5/9) + log 0.05, b: log(3/9) + log 0.9, other: log(1/9).
    const double sa = std::log(5.0 / 9 + 1e-6) + std::log(0.05), sb = std::log(3.0 / 9 + 1e-6) + std::log(0.9),
                 so = std::log(1.0 / 9 + 1e-6);
    EXPECT_NEAR(with->ranking[0].probability, 1 / (1 + std::exp(sa - sb) + std::exp(so - sb)), 1e-12);
    EXPECT_NE(with->sources().find("look"), std::string::npos);
    EXPECT_EQ(without->sources().find("look"), std::string::npos);
}

TEST(AttributionFusion, SaysWhatEachSourceSaidOfEachCandidateInTheRankingsOrder) {
    const std::vector<FusionClass> classes{{"authentic", "", false}, {"gen_a", "a", false}, {"gen_b", "b", false},
                                           {"gen_c", "c", false}, {"other", "", true}};
    const std::vector<double> probabilities{0.1, 0.45, 0.27, 0.09, 0.09};
    const FingerprintAttribution fp = evidenceFor({{"a", -1.5}, {"b", 2.25}});  // c has no fingerprint
    const LookScores look{{"a", std::log(0.2)}, {"b", std::log(0.7)}, {"other", std::log(0.1)}};  // nothing of c

    const auto c = combineAttribution(probabilities, classes, fp, 1.0, -1.0, &look, 1.0);
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(c->contributions.size(), c->ranking.size());
    for (std::size_t i = 0; i < c->ranking.size(); ++i) EXPECT_EQ(c->contributions[i].name, c->ranking[i].name) << i;
    std::map<std::string, CombinedAttribution::Contribution> by;
    for (const auto& k : c->contributions) by[k.name] = k;
    EXPECT_NEAR(by["a"].detector, 0.5, 1e-12) << "0.45 of the 0.9 synthetic share";
    EXPECT_NEAR(by["b"].detector, 0.3, 1e-12);
    EXPECT_DOUBLE_EQ(*by["a"].evidence, -1.5);
    EXPECT_DOUBLE_EQ(*by["b"].evidence, 2.25);
    EXPECT_FALSE(by["c"].evidence) << "no fingerprint: no evidence either way";
    EXPECT_FALSE(by["other"].evidence) << "an unnamed class has no fingerprint";
    EXPECT_NEAR(*by["b"].look, 0.7, 1e-12);
    EXPECT_FALSE(by["c"].look) << "the look has no answer for c";

    // As text for the tables: in the ranking's order, unnamed classes marked, missing values "-".
    const auto rows = c->contributionRows(10);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].name, "b");
    EXPECT_EQ(rows[0].detector, "30%");
    EXPECT_EQ(rows[0].evidence, "+2.25");
    EXPECT_EQ(rows[0].look, "70%");
    const auto cRow = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.name == "c"; });
    ASSERT_NE(cRow, rows.end());
    EXPECT_EQ(cRow->evidence, "-");
    EXPECT_EQ(cRow->look, "-");
    EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.name == "other (no name)"; }));
    // Fewer rows: the first ones, then the detector's own first choice (a) and the look's (b) wherever they rank.
    const auto one = c->contributionRows(1);
    ASSERT_EQ(one.size(), 2u) << "b first (also the look's choice), then a, the detector's";
    EXPECT_EQ(one[0].name, "b");
    EXPECT_EQ(one[1].name, "a");
    EXPECT_EQ(c->detectorTop, "a");
    // Without the look its column is empty.
    const auto noLook = combineAttribution(probabilities, classes, fp, 1.0, -1.0);
    ASSERT_TRUE(noLook.has_value());
    EXPECT_EQ(noLook->contributionRows(1).front().look, "");
    EXPECT_FALSE(noLook->contributions.front().look);
}

TEST(AttributionFusion, TellsUnnamedClassesFromTheAuthenticOne) {
    const ModelManifest m = loadManifest(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json");
    const std::vector<FusionClass> classes = fusionClasses(m);
    ASSERT_EQ(classes.size(), m.classes.size());
    for (const FusionClass& c : classes) {
        EXPECT_EQ(c.unnamed, c.name == "other_diffusion") << c.name;
        if (c.name == "authentic") EXPECT_TRUE(c.generator.empty());
    }
    // From a result: its verdict's attribution lists the synthetic classes, so the authentic one is not unnamed.
    AnalysisResult r;
    r.classNames = {"authentic", "ldm", "other_diffusion"};
    r.classGenerators = {"", "ldm", ""};
    r.verdict.attribution = {{"other_diffusion", 0.7}, {"ldm", 0.3}};
    const std::vector<FusionClass> fromResult = fusionClasses(r);
    ASSERT_EQ(fromResult.size(), 3u);
    EXPECT_FALSE(fromResult[0].unnamed);
    EXPECT_FALSE(fromResult[1].unnamed);
    EXPECT_TRUE(fromResult[2].unnamed);
}

TEST(AttributionFusion, ReadsTheResultsClassesGeneratorsAndWeight) {
    AnalysisResult r;
    r.verdict.ready = true;
    r.classNames = {"authentic", "gen_a", "gen_b"};
    r.classGenerators = {"", "a", "b"};
    r.fingerprintWeight = 1.0;
    r.unnamedOffset = -0.5;
    r.verdict.classes = {{"gen_b", 0.5}, {"gen_a", 0.4}, {"authentic", 0.1}};  // ranked, as the analyzer leaves them
    r.verdict.attribution = {{"gen_b", 0.55}, {"gen_a", 0.45}};
    const auto combined = combineAttribution(r, evidenceFor({{"a", 2.0}, {"b", 0.0}}));
    ASSERT_TRUE(combined.has_value());
    EXPECT_EQ(combined->ranking[0].name, "a");
    EXPECT_DOUBLE_EQ(combined->weight, 1.0);
    EXPECT_DOUBLE_EQ(combined->unnamedOffset, -0.5);

    // The mapping, weight and offset travel with the result (cases keep results as JSON), and so does a
    // combination with its unnamed classes.
    r.verdict.combinedAttribution = combined;
    r.verdict.combinedAttribution->unnamed = {"other"};
    r.look = {{"a", -0.1}, {"b", -2.4}};
    r.lookWeight = 0.5;
    r.attributionTemperature = 1.7;
    r.verdict.combinedAttribution->temperature = 1.7;
    const AnalysisResult back = resultFromJson(toJson(r));
    EXPECT_DOUBLE_EQ(back.attributionTemperature, 1.7);
    EXPECT_DOUBLE_EQ(back.verdict.combinedAttribution->temperature, 1.7);
    EXPECT_DOUBLE_EQ(combineAttribution(back, evidenceFor({{"a", 2.0}, {"b", 0.0}}))->temperature, 1.7) << "recombined as analysed";
    EXPECT_EQ(back.classGenerators, r.classGenerators);
    EXPECT_DOUBLE_EQ(back.fingerprintWeight, 1.0);
    EXPECT_DOUBLE_EQ(back.unnamedOffset, -0.5);
    ASSERT_TRUE(back.verdict.combinedAttribution.has_value());
    EXPECT_EQ(back.verdict.combinedAttribution->unnamed, std::vector<std::string>{"other"});
    EXPECT_DOUBLE_EQ(back.verdict.combinedAttribution->unnamedOffset, -0.5);
    EXPECT_EQ(back.look, r.look);
    EXPECT_DOUBLE_EQ(back.lookWeight, 0.5);
    // What each source said travels too, a missing value staying missing.
    const auto& said = back.verdict.combinedAttribution->contributions;
    ASSERT_EQ(said.size(), combined->contributions.size());
    for (std::size_t i = 0; i < said.size(); ++i) {
        EXPECT_EQ(said[i].name, combined->contributions[i].name);
        EXPECT_DOUBLE_EQ(said[i].detector, combined->contributions[i].detector);
        EXPECT_EQ(said[i].evidence, combined->contributions[i].evidence);
        EXPECT_FALSE(said[i].look) << "combined without the look";
    }

    AnalysisResult old = r;  // a result stored before the mapping was kept: no combination
    old.classGenerators.clear();
    EXPECT_FALSE(combineAttribution(old, evidenceFor({{"a", 2.0}, {"b", 0.0}})));
}

TEST(AttributionFusion, TheShippedBaselineAsksForItAndBadWeightsAreRefused) {
    const ModelManifest m = loadManifest(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json");
    EXPECT_GT(m.fingerprintWeight, 0.0);
    EXPECT_LT(m.unnamedOffset, 0.0) << "fitted: name a generator unless the detector is clearly for other_diffusion";
    EXPECT_FALSE(m.fingerprintWeightFittedOn.empty());
    QTemporaryDir dir;
    const std::vector<std::pair<const char*, const char*>> bad{{"fingerprint_weight", "-1"},
                                                               {"fingerprint_weight", "\"0.5\""},
                                                               {"fingerprint_weight", "1000"},
                                                               {"unnamed_offset", "\"-1\""},
                                                               {"unnamed_offset", "-1000"},
                                                               {"temperature", "0"},
                                                               {"temperature", "\"2\""},
                                                               {"look", "{\"answers\": [\"a\", \"b\"], \"weight\": 1}"},
                                                               {"look", "{\"file\": \"x.pt\", \"answers\": [\"a\"], \"weight\": 1}"},
                                                               {"look", "{\"file\": \"x.pt\", \"answers\": [\"a\", \"b\"], \"weight\": -1}"},
                                                               {"look", "{\"file\": \"x.pt\", \"answers\": [\"a\", \"b\"], \"weight\": 1, \"sha256\": \"12\"}"}};
    for (const auto& [key, value] : bad) {
        QFile in(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json");
        ASSERT_TRUE(in.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(in.readAll()).object();
        root["weights"] = QString(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.pt");
        root.remove("verdict");  // its fingerprint library is named relative to the original's folder
        root["attribution"] = QJsonDocument::fromJson(QByteArray("{\"") + key + "\": " + value + "}").object();
        const QString path = dir.path() + "/bad.json";
        QFile out(path);
        ASSERT_TRUE(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(root).toJson());
        out.close();
        try {
            loadManifest(path.toStdString());
            ADD_FAILURE() << "accepted " << key << " " << value;
        } catch (const EngineError& e) {
            EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
        }
    }
}
