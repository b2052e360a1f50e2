#include "engine/evaluation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

namespace synthscope::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double num, double den) { return den > 0 ? num / den : kNaN; }

void checkSizes(const std::vector<double>& scores, const std::vector<bool>& fake) {
    if (scores.size() != fake.size()) throw std::invalid_argument("scores and labels differ in length");
}

std::string topFolder(const std::string& file) {
    const auto slash = file.find('/');
    return slash == std::string::npos ? std::string() : file.substr(0, slash);
}

}  // namespace

BinaryMetrics binaryMetrics(const std::vector<double>& scores, const std::vector<bool>& fake, double threshold) {
    checkSizes(scores, fake);
    BinaryMetrics m;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const bool saysFake = scores[i] > threshold;
        if (fake[i]) (saysFake ? m.tp : m.fn)++;
        else (saysFake ? m.fp : m.tn)++;
    }
    m.positives = m.tp + m.fn;
    m.negatives = m.tn + m.fp;
    m.accuracy = ratio(m.tp + m.tn, m.positives + m.negatives);
    m.tpr = ratio(m.tp, m.positives);
    m.tnr = ratio(m.tn, m.negatives);
    m.fpr = ratio(m.fp, m.negatives);
    m.balancedAccuracy = (m.tpr + m.tnr) / 2;  // NaN propagates when a class is missing
    m.precision = ratio(m.tp, m.tp + m.fp);
    m.f1 = ratio(2.0 * m.tp, 2.0 * m.tp + m.fp + m.fn);
    return m;
}

double rocAuc(const std::vector<double>& scores, const std::vector<bool>& fake) {
    checkSizes(scores, fake);
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    // Sum of the fakes' ranks (1-based, ties get their mean rank), then Mann-Whitney U / (P * N).
    double rankSum = 0;
    double positives = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && scores[order[j + 1]] == scores[order[i]]) ++j;
        const double meanRank = 0.5 * double(i + j) + 1.0;
        for (std::size_t k = i; k <= j; ++k)
            if (fake[order[k]]) {
                rankSum += meanRank;
                positives += 1;
            }
        i = j + 1;
    }
    const double negatives = double(scores.size()) - positives;
    if (positives == 0 || negatives == 0) return kNaN;
    return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
}

std::vector<RocPoint> rocCurve(const std::vector<double>& scores, const std::vector<bool>& fake) {
    checkSizes(scores, fake);
    const auto positives = double(std::count(fake.begin(), fake.end(), true));
    const double negatives = double(fake.size()) - positives;
    if (positives == 0 || negatives == 0) return {};
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    std::vector<RocPoint> curve{{0, 0, std::numeric_limits<double>::infinity()}};
    double tp = 0, fp = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && scores[order[j]] == scores[order[i]]) {
            (fake[order[j]] ? tp : fp) += 1;
            ++j;
        }
        curve.push_back({fp / negatives, tp / positives, scores[order[i]]});
        i = j;
    }
    return curve;
}

Interval wilsonInterval(int successes, int n, double z) {
    if (n <= 0 || successes < 0 || successes > n) return {kNaN, kNaN};
    const double p = double(successes) / n, z2 = z * z;
    const double denominator = 1 + z2 / n;
    const double centre = (p + z2 / (2.0 * n)) / denominator;
    const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval bootstrapInterval(const std::vector<double>& scores, const std::vector<bool>& fake, const DetectionStatistic& statistic,
                           int resamples, unsigned seed) {
    checkSizes(scores, fake);
    std::vector<double> fakes, reals;
    for (std::size_t i = 0; i < scores.size(); ++i) (fake[i] ? fakes : reals).push_back(scores[i]);
    if (fakes.empty() || reals.empty() || resamples < 1) return {kNaN, kNaN};
    // mt19937's output is fixed by the standard (unlike the distributions), so draw indices by modulo:
    // the bias is below 1e-6 for sets of thousands.
    std::mt19937 rng(seed);
    std::vector<double> s(scores.size());
    std::vector<bool> f(scores.size());
    for (std::size_t i = 0; i < s.size(); ++i) f[i] = i < fakes.size();
    std::vector<double> values;
    values.reserve(std::size_t(resamples));
    for (int r = 0; r < resamples; ++r) {
        for (std::size_t i = 0; i < fakes.size(); ++i) s[i] = fakes[rng() % fakes.size()];
        for (std::size_t i = 0; i < reals.size(); ++i) s[fakes.size() + i] = reals[rng() % reals.size()];
        const double v = statistic(s, f);
        if (!std::isnan(v)) values.push_back(v);
    }
    if (values.empty()) return {kNaN, kNaN};
    std::sort(values.begin(), values.end());
    auto at = [&](double q) { return values[std::min(values.size() - 1, std::size_t(q * double(values.size() - 1) + 0.5))]; };
    return {at(0.025), at(0.975)};
}

double Calibration::meanScore() const {
    double sum = 0;
    int n = 0;
    for (const ReliabilityBin& b : bins)
        if (b.count > 0) sum += b.meanScore * b.count, n += b.count;
    return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

Calibration calibration(const std::vector<double>& scores, const std::vector<bool>& fake, int bins) {
    checkSizes(scores, fake);
    if (bins < 1) throw std::invalid_argument("calibration needs at least one bin");
    Calibration c;
    std::vector<double> scoreSum(std::size_t(bins), 0.0), fakeSum(std::size_t(bins), 0.0);
    std::vector<int> counts(std::size_t(bins), 0);
    double brier = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const double s = std::clamp(scores[i], 0.0, 1.0);
        const auto b = std::size_t(std::min(bins - 1, int(s * bins)));
        scoreSum[b] += s;
        fakeSum[b] += fake[i] ? 1.0 : 0.0;
        ++counts[b];
        brier += (s - (fake[i] ? 1.0 : 0.0)) * (s - (fake[i] ? 1.0 : 0.0));
    }
    const double n = double(scores.size());
    double ece = 0;
    for (std::size_t b = 0; b < std::size_t(bins); ++b) {
        ReliabilityBin bin;
        bin.low = double(b) / bins;
        bin.high = double(b + 1) / bins;
        bin.count = counts[b];
        bin.meanScore = ratio(scoreSum[b], counts[b]);
        bin.fakeShare = ratio(fakeSum[b], counts[b]);
        if (counts[b] > 0) ece += counts[b] / n * std::abs(bin.fakeShare - bin.meanScore);
        c.bins.push_back(bin);
    }
    c.ece = n > 0 ? ece : kNaN;
    c.brier = ratio(brier, n);
    return c;
}

int ConfusionMatrix::total() const {
    int t = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) t += rowTotal(r);
    return t;
}

int ConfusionMatrix::rowTotal(std::size_t row) const {
    return std::accumulate(counts[row].begin(), counts[row].end(), 0);
}

int ConfusionMatrix::trace() const {
    int t = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) t += counts[i][i];
    return t;
}

double ConfusionMatrix::accuracy() const { return ratio(trace(), total()); }

Interval ConfusionMatrix::accuracyInterval() const { return wilsonInterval(trace(), total()); }

double ConfusionMatrix::recall(std::size_t row) const { return ratio(counts[row][row], rowTotal(row)); }

ConfusionMatrix confusionMatrix(const std::vector<std::string>& classes, const std::vector<int>& truth,
                                const std::vector<int>& predicted) {
    if (truth.size() != predicted.size()) throw std::invalid_argument("truth and predictions differ in length");
    ConfusionMatrix m;
    m.classes = classes;
    m.counts.assign(classes.size(), std::vector<int>(classes.size(), 0));
    const int k = int(classes.size());
    for (std::size_t i = 0; i < truth.size(); ++i) {
        if (truth[i] < 0 || truth[i] >= k || predicted[i] < 0 || predicted[i] >= k)
            throw std::invalid_argument("class index out of range in the confusion matrix");
        ++m.counts[std::size_t(truth[i])][std::size_t(predicted[i])];
    }
    return m;
}

VerdictLabel labelFor(double score, double bandLow, double bandHigh) {
    if (score > bandHigh) return VerdictLabel::Synthetic;
    if (score < bandLow) return VerdictLabel::Authentic;
    return VerdictLabel::Inconclusive;
}

std::vector<std::string> defaultAttributionGenerators(const std::vector<std::string>& classGenerator,
                                                      const std::set<std::string>& labelledGenerators) {
    std::vector<std::string> named, all;
    for (const std::string& g : classGenerator) {
        if (g.empty() || std::find(all.begin(), all.end(), g) != all.end()) continue;
        all.push_back(g);
        if (labelledGenerators.count(g)) named.push_back(g);
    }
    return named.size() >= 2 ? named : all;
}

namespace {

// Predicted generator index (into spec.generators) from a class-probability vector, or -1 when the model
// has no class for any of the candidates.
int predictGenerator(const std::vector<double>& probabilities, const AttributionSpec& spec) {
    std::vector<double> perGenerator(spec.generators.size(), 0.0);
    bool any = false;
    for (std::size_t c = 0; c < probabilities.size() && c < spec.classGenerator.size(); ++c) {
        const auto it = std::find(spec.generators.begin(), spec.generators.end(), spec.classGenerator[c]);
        if (spec.classGenerator[c].empty() || it == spec.generators.end()) continue;
        perGenerator[std::size_t(it - spec.generators.begin())] += probabilities[c];
        any = true;
    }
    if (!any) return -1;
    return int(std::max_element(perGenerator.begin(), perGenerator.end()) - perGenerator.begin());
}

RobustnessStats robustnessStats(const std::vector<ImageOutcome>& outcomes, double low, double high) {
    RobustnessStats s;
    s.bandLow = low;
    s.bandHigh = high;
    for (const ImageOutcome& o : outcomes) {
        if (!o.robustnessChecked) continue;
        ++s.checked;
        const VerdictLabel truth = o.fake ? VerdictLabel::Synthetic : VerdictLabel::Authentic;
        const VerdictLabel before = labelFor(o.score, low, high);
        VerdictLabel after = before;
        for (double v : o.variantScores)
            if (labelFor(v, low, high) != before) after = VerdictLabel::Inconclusive;
        if (before != VerdictLabel::Inconclusive) {
            ++s.decisiveBefore;
            const bool right = before == truth;
            (right ? s.rightBefore : s.wrongBefore)++;
            if (after == VerdictLabel::Inconclusive) (right ? s.rightLost : s.wrongCaught)++;
        }
        if (after != VerdictLabel::Inconclusive) {
            ++s.decisiveAfter;
            if (after != truth) ++s.wrongAfter;
        }
    }
    s.accuracyDecisiveBefore = ratio(s.rightBefore, s.decisiveBefore);
    s.accuracyDecisiveAfter = ratio(s.decisiveAfter - s.wrongAfter, s.decisiveAfter);
    s.coverageBefore = ratio(s.decisiveBefore, s.checked);
    s.coverageAfter = ratio(s.decisiveAfter, s.checked);
    return s;
}

}  // namespace

ConditionMetrics computeConditionMetrics(const std::vector<ImageOutcome>& outcomes, const AttributionSpec& attribution,
                                         double threshold, double bandLow, double bandHigh) {
    ConditionMetrics m;
    std::vector<double> scores;
    std::vector<bool> fake;
    int inBand = 0;
    std::map<std::string, std::pair<int, int>> perGenerator, perFolder;  // (right, n)
    std::map<std::string, std::pair<std::vector<double>, std::vector<bool>>> perTop;
    for (const ImageOutcome& o : outcomes) {
        scores.push_back(o.score);
        fake.push_back(o.fake);
        if (labelFor(o.score, bandLow, bandHigh) == VerdictLabel::Inconclusive) ++inBand;
        const bool right = (o.score > threshold) == o.fake;
        if (o.fake) {
            perGenerator[o.generator].first += right;
            ++perGenerator[o.generator].second;
        }
        perFolder[o.folder].first += right;
        ++perFolder[o.folder].second;
        auto& top = perTop[topFolder(o.file)];
        top.first.push_back(o.score);
        top.second.push_back(o.fake);
        m.robustnessChecked |= o.robustnessChecked;
    }
    m.binary = binaryMetrics(scores, fake, threshold);
    m.rocAuc = rocAuc(scores, fake);
    m.balancedAccuracyCi = bootstrapInterval(scores, fake, [threshold](const std::vector<double>& s, const std::vector<bool>& f) {
        return binaryMetrics(s, f, threshold).balancedAccuracy;
    });
    m.rocAucCi = bootstrapInterval(scores, fake, rocAuc);
    m.inconclusiveShare = ratio(inBand, double(outcomes.size()));
    for (const auto& [g, rn] : perGenerator)
        m.recallPerGenerator[g] = {rn.second, ratio(rn.first, rn.second), wilsonInterval(rn.first, rn.second)};
    for (const auto& [f, rn] : perFolder)
        m.correctPerFolder[f] = {rn.second, ratio(rn.first, rn.second), wilsonInterval(rn.first, rn.second)};
    for (const auto& [t, sf] : perTop) {
        const double auc = rocAuc(sf.first, sf.second);
        if (!t.empty() && !std::isnan(auc)) m.rocAucPerTopFolder[t] = auc;
    }
    m.calibration = calibration(scores, fake);
    m.roc = rocCurve(scores, fake);

    std::vector<int> truth, predicted;
    for (const ImageOutcome& o : outcomes) {
        if (!o.fake) continue;
        const auto it = std::find(attribution.generators.begin(), attribution.generators.end(), o.generator);
        if (it == attribution.generators.end()) continue;
        const int p = predictGenerator(o.classProbabilities, attribution);
        if (p < 0) continue;  // the model has no class for any candidate: nothing to score
        truth.push_back(int(it - attribution.generators.begin()));
        predicted.push_back(p);
    }
    m.attribution = confusionMatrix(attribution.generators, truth, predicted);
    // By name, for the fingerprints and the combination (computed by the caller, who has the images).
    auto byName = [&](const std::string ImageOutcome::*predictedName) -> std::optional<ConfusionMatrix> {
        std::vector<int> t, p;
        for (const ImageOutcome& o : outcomes) {
            if (!o.fake || (o.*predictedName).empty()) continue;
            const auto truthIt = std::find(attribution.generators.begin(), attribution.generators.end(), o.generator);
            const auto predictedIt = std::find(attribution.generators.begin(), attribution.generators.end(), o.*predictedName);
            if (truthIt == attribution.generators.end() || predictedIt == attribution.generators.end()) continue;
            t.push_back(int(truthIt - attribution.generators.begin()));
            p.push_back(int(predictedIt - attribution.generators.begin()));
        }
        if (t.empty()) return std::nullopt;
        return confusionMatrix(attribution.generators, t, p);
    };
    m.attributionFingerprints = byName(&ImageOutcome::fingerprintGenerator);
    m.attributionCombined = byName(&ImageOutcome::combinedGenerator);
    int told = 0, toldRight = 0;
    std::vector<double> confidence;
    std::vector<bool> right;
    for (const ImageOutcome& o : outcomes) {
        if (!o.fake || o.toldGenerator.empty()) continue;
        if (std::find(attribution.generators.begin(), attribution.generators.end(), o.generator) == attribution.generators.end()) continue;
        ++told;
        toldRight += o.toldGenerator == o.generator;
        if (std::isfinite(o.toldConfidence)) {
            confidence.push_back(o.toldConfidence);
            right.push_back(o.toldGenerator == o.generator);
        }
    }
    if (told > 0) m.attributionTold = Rate{told, ratio(toldRight, told), wilsonInterval(toldRight, told)};
    if (!confidence.empty()) m.attributionToldCalibration = calibration(confidence, right);

    if (m.robustnessChecked) {
        m.robustness.push_back(robustnessStats(outcomes, bandLow, bandHigh));
        m.robustness.push_back(robustnessStats(outcomes, threshold, threshold));
    }
    return m;
}

}  // namespace synthscope::eval
