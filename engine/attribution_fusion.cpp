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
    std::map<std::string, double> evidence;
    for (const GeneratorMatch& m : fingerprints.ranking) {
        if (detector.count(m.generator)) evidence[m.generator] = m.evidence;
        else out.fingerprintOnly.push_back(m.generator);
    }
    for (const auto& [g, p] : detector)
        if (!evidence.count(g)) out.detectorOnly.push_back(g);
    if (evidence.size() < 2) return std::nullopt;

    double total = 0;
    for (const auto& [g, e] : evidence) total += detector[g];
    // The floor keeps a generator the detector rules out (p ~ 0) finite, as in the fitting script.
    constexpr double kFloor = 1e-6;
    std::vector<std::pair<std::string, double>> scores;
    double best = -INFINITY;
    for (const auto& [g, e] : evidence) {
        const double p = total > 0 ? detector[g] / total : 1.0 / double(evidence.size());
        scores.push_back({g, std::log(p + kFloor) + weight * e});
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
    std::vector<double> probabilities(detection.classNames.size(), 0.0);
    for (const ClassScore& s : detection.verdict.classes) {
        const auto c = std::find(detection.classNames.begin(), detection.classNames.end(), s.name);
        if (c != detection.classNames.end()) probabilities[std::size_t(c - detection.classNames.begin())] = s.probability;
    }
    return combineAttribution(probabilities, detection.classGenerators, fingerprints, detection.fingerprintWeight);
}

}  // namespace synthscope
