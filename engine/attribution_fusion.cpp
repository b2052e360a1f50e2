#include "engine/attribution_fusion.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace synthscope {

std::optional<CombinedAttribution> combineAttribution(const std::vector<double>& classProbabilities,
                                                      const std::vector<std::string>& classGenerators,
                                                      const FingerprintAttribution& fingerprints, double weight) {
    if (!(weight > 0) || !fingerprints.rankedByEvidence || classProbabilities.size() != classGenerators.size()) return std::nullopt;
    std::map<std::string, double> detector;  // generator -> summed class probability
    for (std::size_t c = 0; c < classGenerators.size(); ++c)
        if (!classGenerators[c].empty()) detector[classGenerators[c]] += classProbabilities[c];
    CombinedAttribution out;
    out.weight = weight;
    std::map<std::string, double> evidence;  // generators both know
    for (const GeneratorMatch& m : fingerprints.ranking) {
        if (detector.count(m.generator)) evidence[m.generator] = m.evidence;
        else out.fingerprintOnly.push_back(m.generator);
    }
    if (evidence.size() < 2) return std::nullopt;
    for (const auto& [g, p] : detector)
        if (!evidence.count(g)) out.detectorOnly.push_back(g);

    // Every generator the detector knows stays in: one without a fingerprint has no evidence either way
    // (log-likelihood ratio 0), so a StyleGAN face the detector is sure of stays StyleGAN. The
    // renormalisation shifts every score alike and so never changes the order.
    double total = 0;
    for (const auto& [g, p] : detector) total += p;
    // The floor keeps a generator the detector rules out (p ~ 0) finite, as in the fitting script.
    constexpr double kFloor = 1e-6;
    std::vector<std::pair<std::string, double>> scores;
    double best = -INFINITY;
    for (const auto& [g, pg] : detector) {
        if (out.detectorTop.empty() || pg > detector[out.detectorTop]) out.detectorTop = g;
        const double p = total > 0 ? pg / total : 1.0 / double(detector.size());
        const auto e = evidence.find(g);
        scores.push_back({g, std::log(p + kFloor) + (e == evidence.end() ? 0.0 : weight * e->second)});
        best = std::max(best, scores.back().second);
    }
    double sum = 0;
    for (auto& [g, s] : scores) sum += (s = std::exp(s - best));
    for (const auto& [g, s] : scores) out.ranking.push_back({g, s / sum});
    std::stable_sort(out.ranking.begin(), out.ranking.end(),
                     [](const ClassScore& a, const ClassScore& b) { return a.probability > b.probability; });
    return out;
}

std::optional<CombinedAttribution> combineAttribution(const AnalysisResult& detection, const FingerprintAttribution& fingerprints) {
    if (!detection.verdict.ready || detection.classGenerators.size() != detection.classNames.size()) return std::nullopt;
    return combineAttribution(detection.classProbabilities(), detection.classGenerators, fingerprints, detection.fingerprintWeight);
}

}  // namespace synthscope
