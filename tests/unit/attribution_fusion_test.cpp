// Combining the detector's attribution with the fingerprints' evidence (attribution_fusion.h).
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cmath>

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

}  // namespace

TEST(AttributionFusion, AddsWeightedEvidenceToTheDetectorsLogProbability) {
    // The detector prefers a (0.6 against 0.3 of the generator share); the fingerprints strongly prefer b.
    const std::vector<double> probabilities{0.1, 0.6, 0.3, 0.0};
    const std::vector<std::string> generators{"", "a", "b", "c"};
    const FingerprintAttribution fp = evidenceFor({{"b", 3.0}, {"a", -2.0}, {"z", 1.0}});

    const auto combined = combineAttribution(probabilities, generators, fp, 1.0);
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
    const auto sure = combineAttribution({0.02, 0.01, 0.01, 0.96}, generators, fp, 1.0);
    ASSERT_TRUE(sure.has_value());
    EXPECT_EQ(sure->ranking[0].name, "c");

    // A small weight leaves the detector's choice standing.
    EXPECT_EQ(combineAttribution(probabilities, generators, fp, 0.1)->ranking[0].name, "a");
}

TEST(AttributionFusion, DoesNotApplyWhereItWasNotFittedOrCannotChoose) {
    const std::vector<double> probabilities{0.1, 0.6, 0.3};
    const std::vector<std::string> generators{"", "a", "b"};
    const FingerprintAttribution fp = evidenceFor({{"a", 1.0}, {"b", 0.5}});
    EXPECT_FALSE(combineAttribution(probabilities, generators, fp, 0.0)) << "the model asks for no combination";
    EXPECT_FALSE(combineAttribution(probabilities, generators, evidenceFor({{"a", 1.0}, {"b", 0.5}}, false), 1.0))
        << "DIF's fingerprints have no spreads, so no evidence";
    EXPECT_FALSE(combineAttribution(probabilities, generators, evidenceFor({{"a", 1.0}, {"q", 0.5}}), 1.0))
        << "one shared generator leaves nothing to choose";
    EXPECT_FALSE(combineAttribution({0.5, 0.5}, generators, fp, 1.0)) << "probabilities and classes differ in length";
}

TEST(AttributionFusion, ReadsTheResultsClassesGeneratorsAndWeight) {
    AnalysisResult r;
    r.verdict.ready = true;
    r.classNames = {"authentic", "gen_a", "gen_b"};
    r.classGenerators = {"", "a", "b"};
    r.fingerprintWeight = 1.0;
    r.verdict.classes = {{"gen_b", 0.5}, {"gen_a", 0.4}, {"authentic", 0.1}};  // ranked, as the analyzer leaves them
    const auto combined = combineAttribution(r, evidenceFor({{"a", 2.0}, {"b", 0.0}}));
    ASSERT_TRUE(combined.has_value());
    EXPECT_EQ(combined->ranking[0].name, "a");
    EXPECT_DOUBLE_EQ(combined->weight, 1.0);

    // The mapping and weight travel with the result (cases keep results as JSON).
    const AnalysisResult back = resultFromJson(toJson(r));
    EXPECT_EQ(back.classGenerators, r.classGenerators);
    EXPECT_DOUBLE_EQ(back.fingerprintWeight, 1.0);

    AnalysisResult old = r;  // a result stored before the mapping was kept: no combination
    old.classGenerators.clear();
    EXPECT_FALSE(combineAttribution(old, evidenceFor({{"a", 2.0}, {"b", 0.0}})));
}

TEST(AttributionFusion, TheShippedBaselineAsksForItAndBadWeightsAreRefused) {
    const ModelManifest m = loadManifest(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json");
    EXPECT_GT(m.fingerprintWeight, 0.0);
    EXPECT_FALSE(m.fingerprintWeightFittedOn.empty());
    QTemporaryDir dir;
    for (const char* bad : {"-1", "\"0.5\"", "1000"}) {
        QFile in(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json");
        ASSERT_TRUE(in.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(in.readAll()).object();
        root["weights"] = QString(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.pt");
        root.remove("verdict");  // its fingerprint library is named relative to the original's folder
        root["attribution"] = QJsonDocument::fromJson(QByteArray("{\"fingerprint_weight\": ") + bad + "}").object();
        const QString path = dir.path() + "/bad.json";
        QFile out(path);
        ASSERT_TRUE(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(root).toJson());
        out.close();
        try {
            loadManifest(path.toStdString());
            ADD_FAILURE() << "accepted fingerprint_weight " << bad;
        } catch (const EngineError& e) {
            EXPECT_NE(std::string(e.what()).find("fingerprint_weight"), std::string::npos) << e.what();
        }
    }
}
