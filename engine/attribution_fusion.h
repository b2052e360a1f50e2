#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/analysis_result.h"
#include "engine/fingerprint_match.h"

namespace synthscope {

// The detector's attribution and the generator fingerprints' evidence for one image, combined. Each
// generator the detector has a class for gets
//     log p_detector(g) + w * evidence(g)
// where p_detector is the verdict's probability of the classes standing for g, renormalised over the
// generators, and evidence is the fingerprint's log-likelihood ratio fake / real (Fingerprint::evidence),
// 0 for a generator without a fingerprint (no evidence either way); a softmax turns the scores back into
// probabilities. Generators only the fingerprints know are left out: the detector was not trained on them. w is the model manifest's
// attribution.fingerprint_weight, fitted on a validation split. The two err on different generators (the
// CNN on ldm and glid3xl, the fingerprints on Midjourney), which is why together they attribute better
// than either (models/baseline/README.md has the figures). The answer, CombinedAttribution, is declared
// in analysis_result.h because a verdict carries it (ImageAnalyzer fills it in).
//
// nullopt when it does not apply: the model asks for no combination (weight 0), the fingerprints are not
// ranked by evidence (DIF's published ones record no spreads), or fewer than two generators are known
// to both. classProbabilities are in the order of classGenerators (the model's classes).
std::optional<CombinedAttribution> combineAttribution(const std::vector<double>& classProbabilities,
                                                      const std::vector<std::string>& classGenerators,
                                                      const FingerprintAttribution& fingerprints, double weight);
// The same from a result (its verdict's class probabilities, class generators and weight).
std::optional<CombinedAttribution> combineAttribution(const AnalysisResult& detection, const FingerprintAttribution& fingerprints);

}  // namespace synthscope
