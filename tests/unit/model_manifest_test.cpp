#include <gtest/gtest.h>

#include <cmath>

#include "engine/errors.h"
#include "engine/model_manifest.h"
#include "engine/model_registry.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

const char* kValid = R"({
  "format": "synthscope-model/1", "name": "m", "weights": "m.pt",
  "classes": ["real", "gen_a", "gen_b"], "authentic_class": "real",
  "input": {"size": 64, "range": [0, 1], "normalization": {"type": "mean_std", "mean": [0.5, 0.4, 0.3], "std": [0.2, 0.2, 0.25]}},
  "output": "logits",
  "patch_policy": {"stride": 32, "verdict_top_k": 7, "small_image": "reject"},
  "verdict": {"inconclusive_band": [0.2, 0.8], "calibration": {"method": "platt", "slope": 1.5, "intercept": -0.25, "fitted_on": "val"}},
  "inference": {"device": "cpu", "precision": "fp16", "batch_size": 8},
  "validated_on": {"max_side": 1024, "note": "camera photos: 60 % false positives."},
  "provenance": {"source": "here"}, "accuracy": {"balanced_accuracy": 0.9}
})";

std::string errorOf(const std::string& json) {
    try {
        parseManifest(json, "/models/m.json");
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Model);
        return e.what();
    }
    return "no error";
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

}  // namespace

TEST(ModelManifest, ParsesEveryField) {
    const ModelManifest m = parseManifest(kValid, "/models/m.json");
    EXPECT_EQ(m.name, "m");
    EXPECT_EQ(m.weightsPath, "/models/m.pt");
    EXPECT_EQ(m.classes.size(), 3u);
    EXPECT_EQ(m.authenticIndex, 0);
    EXPECT_EQ(m.inputSize, 64);
    EXPECT_EQ(m.normalization, InputNormalization::MeanStd);
    EXPECT_FLOAT_EQ(m.std[2], 0.25f);
    EXPECT_EQ(m.output, ModelOutput::Logits);
    EXPECT_EQ(m.stride, 32);
    EXPECT_EQ(m.verdictTopK, 7);
    EXPECT_EQ(m.smallImage, SmallImagePolicy::Reject);
    EXPECT_DOUBLE_EQ(m.inconclusiveHigh, 0.8);
    EXPECT_TRUE(m.calibration.enabled);
    EXPECT_DOUBLE_EQ(m.calibration.slope, 1.5);
    EXPECT_EQ(m.calibration.fittedOn, "val");
    EXPECT_NEAR(m.calibration.apply(0.5), 1.0 / (1.0 + std::exp(0.25)), 1e-12);
    EXPECT_GT(m.calibration.apply(1.0), 0.99) << "a softmax that rounds to 1 still maps to a finite value";
    EXPECT_LT(m.calibration.apply(0.0), 0.01);
    EXPECT_EQ(m.preferredPrecision, Precision::Fp16);
    EXPECT_EQ(m.batchSize, 8);
    EXPECT_NE(m.accuracyJson.find("0.9"), std::string::npos);
    EXPECT_EQ(m.validatedOn.maxSide, 1024);
    EXPECT_TRUE(m.validatedOn.warningFor(1024, 700).empty()) << "inside the range: nothing to say";
    const std::string beyond = m.validatedOn.warningFor(4000, 3000);
    EXPECT_NE(beyond.find("4000x3000"), std::string::npos) << beyond;
    EXPECT_NE(beyond.find("1024 px"), std::string::npos) << beyond;
    EXPECT_NE(beyond.find("camera photos: 60 % false positives."), std::string::npos) << beyond;
    const ModelManifest unstated = parseManifest(replaced(kValid, "\"max_side\": 1024", "\"max_side\": null"), "/m.json");
    EXPECT_EQ(unstated.validatedOn.maxSide, 0);
    EXPECT_TRUE(unstated.validatedOn.warningFor(40000, 30000).empty()) << "no range stated: no warning";
}

TEST(ModelManifest, ErrorsNameTheFieldAtFault) {
    EXPECT_NE(errorOf("{not json").find("not valid JSON"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"authentic_class\": \"real\"", "\"authentic_class\": \"camera\"")).find("authentic_class"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"size\": 64", "\"size\": -3")).find("size"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"logits\"", "\"probits\"")).find("output"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "[\"real\", \"gen_a\", \"gen_b\"]", "[\"real\", \"real\"]")).find("twice"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"stride\": 32", "\"stride\": 65")).find("stride"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "[0.2, 0.8]", "[0.8, 0.2]")).find("inconclusive_band"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"slope\": 1.5", "\"slope\": -1")).find("calibration.slope"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"platt\"", "\"isotonic\"")).find("calibration.method"), std::string::npos);
    // Fingerprint terms: the library must exist (relative to the manifest) and each term name generators and a weight.
    const std::string withTerms = replaced(kValid, "\"fitted_on\": \"val\"",
                                           "\"fitted_on\": \"val\", \"fingerprints\": {\"library\": \"../fingerprints\", "
                                           "\"terms\": [{\"generators\": [\"stylegan2\"], \"weight\": 0.4}]}");
    EXPECT_NE(errorOf(withTerms).find("no folder /fingerprints"), std::string::npos) << errorOf(withTerms);
    const std::string here = SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/m.json";
    const ModelManifest terms = parseManifest(withTerms, here);
    EXPECT_EQ(terms.calibration.fingerprintLibrary, SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/fingerprints");
    ASSERT_EQ(terms.calibration.fingerprintTerms.size(), 1u);
    EXPECT_EQ(terms.calibration.fingerprintTerms[0].generators, std::vector<std::string>{"stylegan2"});
    EXPECT_DOUBLE_EQ(terms.calibration.fingerprintTerms[0].weight, 0.4);
    for (const char* bad : {"\"generators\": []", "\"generators\": [\"stylegan2\"], \"weight\": \"0.4\""}) {
        try {
            parseManifest(replaced(withTerms, "\"generators\": [\"stylegan2\"], \"weight\": 0.4", bad), here);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const EngineError& e) {
            EXPECT_NE(std::string(e.what()).find("fingerprints.terms"), std::string::npos) << e.what();
        }
    }
    EXPECT_NE(errorOf(replaced(kValid, "\"synthscope-model/1\"", "\"other/9\"")).find("format"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"std\": [0.2, 0.2, 0.25]", "\"std\": [0.2, 0, 0.25]")).find("positive"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"weights\": \"m.pt\",", "")).find("weights"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"max_side\": 1024", "\"max_side\": 0")).find("max_side"), std::string::npos);
    EXPECT_NE(errorOf(replaced(kValid, "\"max_side\": 1024", "\"max_side\": \"big\"")).find("max_side"), std::string::npos);
}

TEST(ModelRegistry, FindsShippedManifestsAndResolvesNamesAndFiles) {
    const ModelCatalog catalog = scanModels({SYNTHSCOPE_TEST_DATA_DIR});
    ASSERT_NE(catalog.find("brightness_detector"), nullptr);
    EXPECT_TRUE(catalog.errors.empty());
    EXPECT_EQ(resolveModel("three_class_detector", catalog).classes.size(), 3u);
    EXPECT_EQ(resolveModel(testData("meanstd_detector.pt"), catalog).name, "meanstd_detector");  // .pt with sidecar
    EXPECT_THROW(resolveModel("no_such_model", catalog), EngineError);

    const ModelCatalog shipped = scanModels({SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS});
    const ModelManifest* susy = shipped.find("susy");
    ASSERT_NE(susy, nullptr) << "models/susy/susy.json is shipped";
    EXPECT_EQ(susy->classes.size(), 6u);
    EXPECT_EQ(susy->authenticClass(), "authentic");
    EXPECT_EQ(susy->inputSize, 224);
    EXPECT_EQ(susy->normalization, InputNormalization::None);
}
