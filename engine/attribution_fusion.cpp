#include "engine/attribution_fusion.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace synthscope {

std::vector<FusionClass> fusionClasses(const ModelManifest& model) {
    std::vector<FusionClass> out;
    for (std::size_t c = 0; c < model.classes.size(); ++c) {
        const std::string generator = c < model.classGenerators.size() ? model.classGenerators[c] : std::string();
        out.push_back({model.classes[c], generator, generator.empty() && int(c) != model.authenticIndex});
    }
    return out;
}

std::vector<FusionClass> fusionClasses(const AnalysisResult& result) {
    std::vector<FusionClass> out;
    for (std::size_t c = 0; c < result.classNames.size(); ++c) {
        const std::string generator = c < result.classGenerators.size() ? result.classGenerators[c] : std::string();
        // The verdict's attribution ranks the synthetic classes: the authentic one is the class it leaves out.
        const bool synthetic = std::any_of(result.verdict.attribution.begin(), result.verdict.attribution.end(),
                                           [&](const ClassScore& s) { return s.name == result.classNames[c]; });
        out.push_back({result.classNames[c], generator, generator.empty() && synthetic});
    }
    return out;
}

std::optional<CombinedAttribution> combineAttribution(const std::vector<double>& classProbabilities,
                                                      const std::vector<FusionClass>& classes,
                                                      const FingerprintAttribution& fingerprints, double weight,
                                                      double unnamedOffset, const LookScores* look, double lookWeight,
                                                      double temperature) {
    if (!(weight > 0) || !fingerprints.rankedByEvidence || classProbabilities.size() != classes.size()) return std::nullopt;
    // Candidate -> summed class probability: named generators by generator name, unnamed classes by class name.
    std::map<std::string, double> detector;
    std::map<std::string, bool> unnamed;
    for (std::size_t c = 0; c < classes.size(); ++c) {
        const FusionClass& k = classes[c];
        if (k.unnamed) {
            detector[k.name] += classProbabilities[c];
            unnamed[k.name] = true;
        } else if (!k.generator.empty()) {
            detector[k.generator] += classProbabilities[c];
        }
    }
    CombinedAttribution out;
    out.weight = weight;
    out.unnamedOffset = unnamedOffset;
    out.temperature = temperature > 0 ? temperature : 1.0;
    std::map<std::string, double> lookOf;  // candidate -> log-probability by the look
    if (look && lookWeight > 0) {
        for (const auto& [name, logProbability] : *look) lookOf[name] = logProbability;
        out.lookWeight = lookWeight;
    }
    std::map<std::string, double> evidence;  // generators both know
    for (const GeneratorMatch& m : fingerprints.ranking) {
        if (detector.count(m.generator) && !unnamed.count(m.generator)) evidence[m.generator] = m.evidence;
        else if (!detector.count(m.generator)) out.fingerprintOnly.push_back(m.generator);
    }
    if (evidence.size() < 2) return std::nullopt;
    for (const auto& [g, p] : detector) {
        if (unnamed.count(g)) out.unnamed.push_back(g);
        else if (!evidence.count(g)) out.detectorOnly.push_back(g);
    }

    // Every candidate the detector knows stays in: a generator without a fingerprint has no evidence either
    // way (log-likelihood ratio 0), so a StyleGAN face the detector is sure of stays StyleGAN. The
    // renormalisation shifts every score alike and so never changes the order.
    double total = 0;
    for (const auto& [g, p] : detector) total += p;
    // The floor keeps a generator the detector rules out (p ~ 0) finite, as in the fitting script.
    constexpr double kFloor = 1e-6;
    std::vector<std::pair<std::string, double>> scores;
    std::map<std::string, CombinedAttribution::Contribution> said;  // what each source said of each candidate
    double best = -INFINITY;
    for (const auto& [g, pg] : detector) {
        if (out.detectorTop.empty() || pg > detector[out.detectorTop]) out.detectorTop = g;
        const double p = total > 0 ? pg / total : 1.0 / double(detector.size());
        const auto e = evidence.find(g);
        const bool hasEvidence = !unnamed.count(g) && e != evidence.end();
        const double extra = unnamed.count(g) ? unnamedOffset : hasEvidence ? weight * e->second : 0.0;
        const auto l = lookOf.find(g);  // a candidate the look has no answer for gets nothing from it
        scores.push_back({g, std::log(p + kFloor) + extra + (l == lookOf.end() ? 0.0 : lookWeight * l->second)});
        best = std::max(best, scores.back().second);
        CombinedAttribution::Contribution& c = said[g];
        c.name = g;
        c.detector = p;
        if (hasEvidence) c.evidence = e->second;
        if (l != lookOf.end()) c.look = std::exp(l->second);
    }
    double sum = 0;
    for (auto& [g, s] : scores) sum += (s = std::exp((s - best) / out.temperature));
    for (const auto& [g, s] : scores) out.ranking.push_back({g, s / sum});
    std::stable_sort(out.ranking.begin(), out.ranking.end(),
                     [](const ClassScore& a, const ClassScore& b) { return a.probability > b.probability; });
    for (const ClassScore& r : out.ranking) out.contributions.push_back(said[r.name]);
    return out;
}

std::optional<CombinedAttribution> combineAttribution(const AnalysisResult& detection, const FingerprintAttribution& fingerprints) {
    if (!detection.verdict.ready || detection.classGenerators.size() != detection.classNames.size()) return std::nullopt;
    return combineAttribution(detection.classProbabilities(), fusionClasses(detection), fingerprints, detection.fingerprintWeight,
                              detection.unnamedOffset, &detection.look, detection.lookWeight, detection.attributionTemperature);
}

}  // namespace synthscope
