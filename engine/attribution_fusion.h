#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/analysis_result.h"
#include "engine/fingerprint_match.h"
#include "engine/model_manifest.h"

namespace synthscope {

// The detector's attribution and the generator fingerprints' evidence for one image, combined. Each
// generator the detector has a class for gets
//     log p_detector(g) + w * evidence(g)
// where p_detector is the verdict's probability of the classes standing for g, renormalised over the
// synthetic classes, and evidence is the fingerprint's log-likelihood ratio fake / real
// (Fingerprint::evidence), 0 for a generator without a fingerprint (no evidence either way); a softmax
// turns the scores back into probabilities. A synthetic class that stands for no named generator (the
// baseline's other_diffusion, "an unnamed diffusion model") competes under its class name with
//     log p_detector(class) + unnamed_offset
// (no fingerprint can speak for it), so the answer can be "a generator the model has no name for" and
// fingerprint evidence for a named generator can outweigh it. Generators only the fingerprints know are
// left out: the detector was not trained on them. w and unnamed_offset are the model manifest's
// attribution.fingerprint_weight and attribution.unnamed_offset, fitted on a validation split
// (models/baseline/fit_attribution_fusion.py). The two sources err on different generators (the CNN on
// ldm and glid3xl, the fingerprints on Midjourney), which is why together they attribute better than
// either (models/baseline/README.md has the figures). The answer, CombinedAttribution, is declared in
// analysis_result.h because a verdict carries it (ImageAnalyzer fills it in).
//
// A third source can join: the whole image's look (look_model.h), whose log-probability of each
// candidate is added with its own weight v (attribution.look.weight), so a named generator scores
//     log p_detector(g) + w * evidence(g) + v * log q_look(g)
// and an unnamed class log p_detector(class) + unnamed_offset + v * log q_look(class). The look reads
// style and content, the other two generator traces; models/look/fit_look.py fits w, b and v together.
//
// Every score is divided by a temperature T (attribution.temperature) before the softmax: the sources are
// not independent, so their summed log-probabilities are overconfident; T, fitted on a validation split
// (models/look/fit_attribution_temperature.py), makes the probability shown for the first candidate
// match how often it is right. It changes no ranking.
//
// nullopt when it does not apply: the model asks for no combination (weight 0), the fingerprints are not
// ranked by evidence (DIF's published ones record no spreads), or fewer than two generators are known
// to both.

// One model class as the combination sees it.
struct FusionClass {
    std::string name;       // the model's class name
    std::string generator;  // the generator it stands for; "" for none
    bool unnamed = false;   // synthetic, but standing for no named generator: ranked under its class name
};
// From a manifest (classes, classGenerators, the authentic class).
std::vector<FusionClass> fusionClasses(const ModelManifest& model);
// From a result (classNames, classGenerators; its verdict's attribution lists the synthetic classes).
std::vector<FusionClass> fusionClasses(const AnalysisResult& result);

// classProbabilities are in the order of classes (the model's).
// look: the look model's log-probabilities (look_model.h), added with lookWeight to the score of each
// candidate they name; nullptr or weight 0: no look.
std::optional<CombinedAttribution> combineAttribution(const std::vector<double>& classProbabilities,
                                                      const std::vector<FusionClass>& classes,
                                                      const FingerprintAttribution& fingerprints, double weight,
                                                      double unnamedOffset = 0, const LookScores* look = nullptr,
                                                      double lookWeight = 0, double temperature = 1);
// The same from a result (its verdict's class probabilities, its classes, weight, offset and look).
std::optional<CombinedAttribution> combineAttribution(const AnalysisResult& detection, const FingerprintAttribution& fingerprints);

}  // namespace synthscope
