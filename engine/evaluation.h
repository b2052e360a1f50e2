#pragma once
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/analysis_result.h"

// Detection and attribution metrics for `synthscope evaluate`. Pure functions over scores and labels
// (no model, no files), so every figure can be checked by hand in the unit tests. Undefined figures (a
// rate over zero images, an AUC without both classes) are NaN; callers print and store them as "n/a"/null.
namespace synthscope::eval {

// A 95 % confidence interval; both NaN when undefined.
struct Interval {
    double low = std::numeric_limits<double>::quiet_NaN();
    double high = std::numeric_limits<double>::quiet_NaN();
};

// Wilson score interval for a proportion `successes / n` (a recall, a false-positive rate, an accuracy):
// unlike the normal approximation it stays inside [0, 1] and is usable at 0 or n successes of a few.
Interval wilsonInterval(int successes, int n, double z = 1.959964);

// Binary detection at a threshold: "synthetic" when the score (the synthetic probability) is > threshold,
// the same rule as models/baseline/evaluate.py. Positive = fake.
struct BinaryMetrics {
    int positives = 0, negatives = 0;
    int tp = 0, fp = 0, tn = 0, fn = 0;
    double accuracy = 0;
    double balancedAccuracy = 0;  // (TPR + TNR) / 2; NaN unless both classes are present
    double tpr = 0;               // recall on fakes
    double tnr = 0;               // specificity on reals (1 - false-positive rate)
    double fpr = 0;
    double precision = 0;
    double f1 = 0;                // of the fake class
    Interval tprInterval() const { return wilsonInterval(tp, positives); }
    Interval fprInterval() const { return wilsonInterval(fp, negatives); }
};
BinaryMetrics binaryMetrics(const std::vector<double>& scores, const std::vector<bool>& fake, double threshold = 0.5);

// Area under the ROC curve by the Mann-Whitney statistic: the probability that a random fake scores above
// a random real, ties counting one half. NaN unless both classes are present.
double rocAuc(const std::vector<double>& scores, const std::vector<bool>& fake);

struct RocPoint {
    double fpr = 0, tpr = 0;
    double threshold = 0;  // "synthetic when score >= threshold" gives this point
};
// From (0,0) to (1,1), one point per distinct score (ties move diagonally). Empty unless both classes are present.
std::vector<RocPoint> rocCurve(const std::vector<double>& scores, const std::vector<bool>& fake);

// Percentile bootstrap (2.5 %, 97.5 %) of a detection statistic over images: each of `resamples` rounds
// draws the fakes and the reals separately with replacement (so every round keeps both classes and their
// counts, as balanced accuracy and AUC need). Seeded and platform-independent: the same data give the same
// interval. NaN when a class is missing.
using DetectionStatistic = std::function<double(const std::vector<double>& scores, const std::vector<bool>& fake)>;
Interval bootstrapInterval(const std::vector<double>& scores, const std::vector<bool>& fake, const DetectionStatistic& statistic,
                           int resamples = 2000, unsigned seed = 20261123);

// Reliability of the synthetic probability: equal-width bins over [0, 1] (a score of exactly 1 falls in
// the last bin); per bin the mean score and the observed share of fakes. ECE = sum over bins of
// (count / N) * |fake share - mean score|.
struct ReliabilityBin {
    double low = 0, high = 0;
    int count = 0;
    double meanScore = 0;  // NaN when empty
    double fakeShare = 0;  // NaN when empty
};
struct Calibration {
    std::vector<ReliabilityBin> bins;
    double ece = 0;    // NaN without scores
    double brier = 0;  // mean (score - [fake])^2; NaN without scores
    double meanScore() const;  // over every binned score; NaN without scores
};
Calibration calibration(const std::vector<double>& scores, const std::vector<bool>& fake, int bins = 10);

// Rows: true class, columns: predicted class, both in `classes` order.
struct ConfusionMatrix {
    std::vector<std::string> classes;
    std::vector<std::vector<int>> counts;
    int total() const;
    int rowTotal(std::size_t row) const;
    int trace() const;                    // right predictions
    double accuracy() const;              // trace / total; NaN when empty
    Interval accuracyInterval() const;    // Wilson 95 % of accuracy()
    double recall(std::size_t row) const; // NaN for an empty row
};
ConfusionMatrix confusionMatrix(const std::vector<std::string>& classes, const std::vector<int>& truth,
                                const std::vector<int>& predicted);

// ----- One evaluated image and the figures over many --------------------------------------------------

// What the evaluation keeps of one analysis of one labelled image (under one condition).
struct ImageOutcome {
    std::string file;       // as listed (relative to the CSV or the folder)
    std::string folder;     // its parent folder, e.g. "real/bsds" (for per-source rates)
    bool fake = false;
    std::string generator;  // as labelled ("real" or empty for reals)
    double score = 0;       // synthetic probability of the verdict
    VerdictLabel label = VerdictLabel::Inconclusive;  // with the model's inconclusive band
    std::vector<double> classProbabilities;           // the verdict's mean over top-k, in the model's class order
    // Robustness check (when run): the label after it, and each degraded copy's synthetic probability.
    bool robustnessChecked = false;
    VerdictLabel robustLabel = VerdictLabel::Inconclusive;
    std::vector<double> variantScores;
    // Attribution by the generator fingerprints alone and combined with the detector (attribution_fusion.h),
    // each the highest-ranked of AttributionSpec::generators; empty when not computed (evaluate --fingerprints).
    std::string fingerprintGenerator, combinedGenerator;
    // The generator the user is told (AnalysisResult::likelyGenerator, as a generator name): not limited to
    // the candidates, so "a generator the model has no name for" (other_diffusion) or stylegan2 count as
    // wrong for an attribution/ image. Empty when the model names none.
    std::string toldGenerator;
    // The probability shown with it (the combination's, or the detector's share); NaN when not known.
    double toldConfidence = std::numeric_limits<double>::quiet_NaN();
};

// Attribution is scored on fakes whose generator is in `generators`: the prediction is the generator
// with the largest summed class probability among the model's classes mapped to one of `generators`
// (ModelManifest::classGenerators). A listed generator the model has no class for can never be right.
struct AttributionSpec {
    std::vector<std::string> generators;     // the candidate set, e.g. the 7 of ../shared/data/attribution
    std::vector<std::string> classGenerator; // per model class: its generator name, "" for none
};

// The candidate set when the user names none: the model's generators that the labels name (in the
// model's class order). With fewer than two of those, choosing among them is trivially right (a
// leave-one-generator-out set names one generator), so every generator the model has a class for
// becomes a candidate instead.
std::vector<std::string> defaultAttributionGenerators(const std::vector<std::string>& classGenerator,
                                                      const std::set<std::string>& labelledGenerators);

struct Rate {
    int n = 0;
    double value = 0;  // NaN when n == 0
    Interval ci;       // Wilson 95 %
};

// How the robustness check changes decisive verdicts, for one inconclusive band (low, high).
struct RobustnessStats {
    double bandLow = 0, bandHigh = 0;
    int checked = 0;
    int decisiveBefore = 0, wrongBefore = 0, rightBefore = 0;
    int wrongCaught = 0;  // wrong decisive verdicts the check turned into "inconclusive"
    int rightLost = 0;    // right decisive verdicts the check turned into "inconclusive"
    int decisiveAfter = 0, wrongAfter = 0;
    double accuracyDecisiveBefore = 0, accuracyDecisiveAfter = 0;  // share right among decisive verdicts
    double coverageBefore = 0, coverageAfter = 0;                  // share of images with a decisive verdict
};

struct ConditionMetrics {
    BinaryMetrics binary;
    double rocAuc = 0;
    Interval balancedAccuracyCi, rocAucCi;  // bootstrap 95 % over images
    double inconclusiveShare = 0;   // verdicts inside the model's band
    std::map<std::string, Rate> recallPerGenerator;  // fakes, by labelled generator
    std::map<std::string, Rate> correctPerFolder;    // TPR for fake folders, TNR for real folders
    std::map<std::string, double> rocAucPerTopFolder;// first path component with both classes (same-source AUC)
    Calibration calibration;
    std::vector<RocPoint> roc;
    ConfusionMatrix attribution;    // over AttributionSpec::generators
    // The same by the fingerprints alone and combined with the detector, when any outcome has them.
    std::optional<ConfusionMatrix> attributionFingerprints, attributionCombined;
    // Share of the candidates' fakes whose told generator is theirs (ImageOutcome::toldGenerator).
    std::optional<Rate> attributionTold;
    // Reliability of the probability shown with the told generator, over the same fakes: per bin the mean
    // probability shown and the share told right ("fakeShare" there), and their ECE. Absent when no
    // outcome has a confidence.
    std::optional<Calibration> attributionToldCalibration;
    bool robustnessChecked = false;
    std::vector<RobustnessStats> robustness;  // the model's band, then threshold-only (band [t, t])
};

// threshold: the binary decision; bandLow/High: the model's band (for the inconclusive share and the
// robustness figures).
ConditionMetrics computeConditionMetrics(const std::vector<ImageOutcome>& outcomes, const AttributionSpec& attribution,
                                         double threshold, double bandLow, double bandHigh);

// The label a synthetic probability gets with a band: above high synthetic, below low authentic, else inconclusive.
// A band of zero width [t, t] decides every score except exactly t.
VerdictLabel labelFor(double score, double bandLow, double bandHigh);

}  // namespace synthscope::eval
