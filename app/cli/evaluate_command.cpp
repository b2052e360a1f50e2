#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include <chrono>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "app/cli/analysis_options.h"
#include "app/cli/cli_support.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/terminal_progress.h"
#include "engine/attribution_fusion.h"
#include "engine/errors.h"
#include "engine/evaluation.h"
#include "engine/evaluation_plots.h"
#include "engine/image_analyzer.h"
#include "engine/image_degradation.h"
#include "engine/labelled_set.h"
#include "engine/model_registry.h"
#include "engine/robustness_check.h"
#include "engine/version.h"

namespace synthscope::cli {
namespace {

using eval::ConditionMetrics;
using eval::ImageOutcome;

// A condition is the original file or one whole-image re-encode or shrink of it, made in memory.
struct Condition {
    std::string name;  // "original", "jpeg90", ...
    bool original = true;
    Degradation degradation;
};

struct Failure {
    std::string file;
    ErrorKind kind;
    std::string message;
};

QJsonValue num(double v) { return std::isnan(v) ? QJsonValue(QJsonValue::Null) : QJsonValue(v); }

std::string fmt(double v, const char* format = "%.3f") {
    if (std::isnan(v)) return "n/a";
    char s[32];
    std::snprintf(s, sizeof s, format, v);
    return s;
}

QStringList splitList(const QString& s) {
    QStringList out;
    for (const QString& part : s.split(',', Qt::SkipEmptyParts)) out << part.trimmed();
    return out;
}

QJsonValue intervalJson(const eval::Interval& i) {
    if (std::isnan(i.low) || std::isnan(i.high)) return QJsonValue(QJsonValue::Null);
    return QJsonArray{i.low, i.high};
}

QJsonObject binaryJson(const eval::BinaryMetrics& b) {
    return QJsonObject{{"fakes", b.positives},          {"reals", b.negatives},   {"tp", b.tp},
                       {"fp", b.fp},                    {"tn", b.tn},             {"fn", b.fn},
                       {"accuracy", num(b.accuracy)},   {"balanced_accuracy", num(b.balancedAccuracy)},
                       {"tpr", num(b.tpr)},             {"tnr", num(b.tnr)},      {"fpr", num(b.fpr)},
                       {"precision", num(b.precision)}, {"f1", num(b.f1)},
                       {"tpr_ci95", intervalJson(b.tprInterval())},
                       {"fpr_ci95", intervalJson(b.fprInterval())}};
}

std::string fmtInterval(const eval::Interval& i) {
    return std::isnan(i.low) ? std::string("n/a") : fmt(i.low) + "-" + fmt(i.high);
}

QJsonObject ratesJson(const std::map<std::string, eval::Rate>& rates, const char* valueName) {
    QJsonObject o;
    for (const auto& [k, r] : rates)
        o.insert(qs(k), QJsonObject{{"n", r.n}, {valueName, num(r.value)}, {"ci95", intervalJson(r.ci)}});
    return o;
}

QJsonObject attributionJson(const eval::ConfusionMatrix& c) {
    QJsonArray matrix, recalls, generators;
    for (std::size_t r = 0; r < c.counts.size(); ++r) {
        QJsonArray row;
        for (int n : c.counts[r]) row.append(n);
        matrix.append(row);
        recalls.append(num(c.recall(r)));
    }
    for (const std::string& g : c.classes) generators.append(qs(g));
    return QJsonObject{{"generators", generators},
                       {"images", c.total()},
                       {"top1", num(c.accuracy())},
                       {"top1_ci95", intervalJson(c.accuracyInterval())},
                       {"recall", recalls},
                       {"confusion", matrix}};
}

QJsonObject metricsJson(const ConditionMetrics& m) {
    QJsonArray bins;
    for (const eval::ReliabilityBin& b : m.calibration.bins)
        bins.append(QJsonObject{{"low", b.low}, {"high", b.high}, {"count", b.count}, {"mean_score", num(b.meanScore)},
                                {"fake_share", num(b.fakeShare)}});
    QJsonArray roc;
    for (const eval::RocPoint& p : m.roc) roc.append(QJsonArray{p.fpr, p.tpr});
    QJsonObject sameSource;
    for (const auto& [k, auc] : m.rocAucPerTopFolder) sameSource.insert(qs(k), num(auc));
    QJsonObject out{
        {"binary", binaryJson(m.binary)},
        {"balanced_accuracy_ci95", intervalJson(m.balancedAccuracyCi)},
        {"roc_auc", num(m.rocAuc)},
        {"roc_auc_ci95", intervalJson(m.rocAucCi)},
        {"inconclusive_share", num(m.inconclusiveShare)},
        {"recall_per_generator", ratesJson(m.recallPerGenerator, "recall")},
        {"correct_per_folder", ratesJson(m.correctPerFolder, "rate")},
        {"roc_auc_per_top_folder", sameSource},
        {"calibration", QJsonObject{{"ece", num(m.calibration.ece)}, {"brier", num(m.calibration.brier)}, {"bins", bins}}},
        {"roc_curve", roc},
        {"attribution", attributionJson(m.attribution)},
    };
    if (m.attributionFingerprints) out.insert("attribution_fingerprints", attributionJson(*m.attributionFingerprints));
    if (m.attributionCombined) out.insert("attribution_combined", attributionJson(*m.attributionCombined));
    if (m.attributionTold) {
        QJsonObject told{{"n", m.attributionTold->n}, {"accuracy", num(m.attributionTold->value)},
                         {"accuracy_ci95", intervalJson(m.attributionTold->ci)}};
        if (const std::optional<eval::Calibration>& c = m.attributionToldCalibration) {
            // The probability shown with the told generator against how often it is right.
            QJsonArray toldBins;
            for (const eval::ReliabilityBin& b : c->bins)
                toldBins.append(QJsonObject{{"low", b.low}, {"high", b.high}, {"count", b.count}, {"mean_confidence", num(b.meanScore)},
                                            {"right_share", num(b.fakeShare)}});
            told.insert("confidence", QJsonObject{{"mean", num(c->meanScore())}, {"ece", num(c->ece)}, {"bins", toldBins}});
        }
        out.insert("attribution_told", told);
    }
    if (m.robustnessChecked) {
        QJsonArray rob;
        for (const eval::RobustnessStats& s : m.robustness)
            rob.append(QJsonObject{{"band", QJsonArray{s.bandLow, s.bandHigh}},
                                   {"checked", s.checked},
                                   {"decisive_before", s.decisiveBefore},
                                   {"right_before", s.rightBefore},
                                   {"wrong_before", s.wrongBefore},
                                   {"wrong_caught", s.wrongCaught},
                                   {"right_lost", s.rightLost},
                                   {"decisive_after", s.decisiveAfter},
                                   {"wrong_after", s.wrongAfter},
                                   {"accuracy_decisive_before", num(s.accuracyDecisiveBefore)},
                                   {"accuracy_decisive_after", num(s.accuracyDecisiveAfter)},
                                   {"coverage_before", num(s.coverageBefore)},
                                   {"coverage_after", num(s.coverageAfter)}});
        out.insert("robustness", rob);
    }
    return out;
}

void printTable(const std::vector<Condition>& conditions, const std::vector<ConditionMetrics>& metrics) {
    auto row = [&](const char* name, auto value) {
        std::printf("%-40s", name);
        for (const ConditionMetrics& m : metrics) std::printf(" %12s", value(m).c_str());
        std::printf("\n");
    };
    std::printf("%-40s", "");
    for (const Condition& c : conditions) std::printf(" %12s", c.name.c_str());
    std::printf("\n");
    row("images (fake/real)", [](const ConditionMetrics& m) { return std::to_string(m.binary.positives) + "/" + std::to_string(m.binary.negatives); });
    row("accuracy", [](const ConditionMetrics& m) { return fmt(m.binary.accuracy); });
    row("balanced accuracy", [](const ConditionMetrics& m) { return fmt(m.binary.balancedAccuracy); });
    row("  95% CI (bootstrap over images)", [](const ConditionMetrics& m) { return fmtInterval(m.balancedAccuracyCi); });
    row("ROC AUC", [](const ConditionMetrics& m) { return fmt(m.rocAuc); });
    row("  95% CI (bootstrap over images)", [](const ConditionMetrics& m) { return fmtInterval(m.rocAucCi); });
    row("F1 (fake class)", [](const ConditionMetrics& m) { return fmt(m.binary.f1); });
    row("TPR (fakes flagged)", [](const ConditionMetrics& m) { return fmt(m.binary.tpr); });
    row("FPR (reals flagged)", [](const ConditionMetrics& m) { return fmt(m.binary.fpr); });
    row("in the inconclusive band", [](const ConditionMetrics& m) { return fmt(m.inconclusiveShare); });
    row("ECE (10 bins)", [](const ConditionMetrics& m) { return fmt(m.calibration.ece); });
    row("attribution top-1", [](const ConditionMetrics& m) {
        return fmt(m.attribution.accuracy()) + " (" + std::to_string(m.attribution.total()) + ")";
    });
    row("  95% CI (Wilson)", [](const ConditionMetrics& m) { return fmtInterval(m.attribution.accuracyInterval()); });
    for (const auto& [name, which] : {std::pair{"attribution top-1, fingerprints alone", &ConditionMetrics::attributionFingerprints},
                                      {"attribution top-1, combined", &ConditionMetrics::attributionCombined}}) {
        if (metrics.empty() || !(metrics.front().*which)) continue;
        row(name, [which = which](const ConditionMetrics& m) {
            return m.*which ? fmt((m.*which)->accuracy()) + " (" + std::to_string((m.*which)->total()) + ")" : std::string("n/a");
        });
        row("  95% CI (Wilson)", [which = which](const ConditionMetrics& m) {
            return m.*which ? fmtInterval((m.*which)->accuracyInterval()) : std::string("n/a");
        });
    }
    if (!metrics.empty() && metrics.front().attributionTold) {
        row("likely generator as told, right", [](const ConditionMetrics& m) {
            return m.attributionTold ? fmt(m.attributionTold->value) + " (" + std::to_string(m.attributionTold->n) + ")" : std::string("n/a");
        });
        row("  95% CI (Wilson)", [](const ConditionMetrics& m) {
            return m.attributionTold ? fmtInterval(m.attributionTold->ci) : std::string("n/a");
        });
        row("  probability shown: mean / ECE", [](const ConditionMetrics& m) {
            const std::optional<eval::Calibration>& c = m.attributionToldCalibration;
            return c ? fmt(c->meanScore()) + " / " + fmt(c->ece) : std::string("n/a");
        });
    }
    if (!metrics.empty() && metrics.front().robustnessChecked) {
        for (std::size_t b = 0; b < metrics.front().robustness.size(); ++b) {
            const std::string band = "[" + fmt(metrics.front().robustness[b].bandLow, "%.2f") + "," +
                                     fmt(metrics.front().robustness[b].bandHigh, "%.2f") + "]";
            row(("robust: wrong caught " + band).c_str(), [&](const ConditionMetrics& m) {
                return std::to_string(m.robustness[b].wrongCaught) + "/" + std::to_string(m.robustness[b].wrongBefore);
            });
            row(("robust: right lost " + band).c_str(), [&](const ConditionMetrics& m) {
                return std::to_string(m.robustness[b].rightLost) + "/" + std::to_string(m.robustness[b].rightBefore);
            });
            row(("robust: decisive acc. " + band).c_str(), [&](const ConditionMetrics& m) {
                return fmt(m.robustness[b].accuracyDecisiveBefore, "%.2f") + ">" + fmt(m.robustness[b].accuracyDecisiveAfter, "%.2f");
            });
        }
    }
    std::set<std::string> generators, folders;
    for (const ConditionMetrics& m : metrics) {
        for (const auto& [g, r] : m.recallPerGenerator) generators.insert(g);
        for (const auto& [f, r] : m.correctPerFolder) folders.insert(f);
    }
    for (const std::string& g : generators)
        row(("recall " + g).c_str(), [&](const ConditionMetrics& m) {
            const auto it = m.recallPerGenerator.find(g);
            return it == m.recallPerGenerator.end() ? std::string("-") : fmt(it->second.value) + " (" + std::to_string(it->second.n) + ")";
        });
    for (const std::string& f : folders)
        row(("right " + f).c_str(), [&](const ConditionMetrics& m) {
            const auto it = m.correctPerFolder.find(f);
            return it == m.correctPerFolder.end() ? std::string("-") : fmt(it->second.value) + " (" + std::to_string(it->second.n) + ")";
        });
    std::fflush(stdout);
}

bool writePlots(const QString& dir, const std::vector<Condition>& conditions, const std::vector<ConditionMetrics>& metrics,
                const std::string& modelName, std::string& error) {
    std::vector<eval::NamedCurve> curves;
    std::vector<std::pair<std::string, eval::Calibration>> calibrations;
    for (std::size_t i = 0; i < conditions.size(); ++i) {
        eval::NamedCurve c{conditions[i].name + " (AUC " + fmt(metrics[i].rocAuc) + ")", {}};
        for (const eval::RocPoint& p : metrics[i].roc) c.points.emplace_back(p.fpr, p.tpr);
        curves.push_back(std::move(c));
        calibrations.emplace_back(conditions[i].name, metrics[i].calibration);
    }
    const std::string base = QFile::encodeName(dir).toStdString() + "/";
    if (!writeRgbImage(base + "roc.png", eval::plotRoc(curves, "ROC, " + modelName), error)) return false;
    if (!writeRgbImage(base + "reliability.png", eval::plotReliability(calibrations, "Reliability, " + modelName), error)) return false;
    for (std::size_t i = 0; i < conditions.size(); ++i)
        if (!metrics[i].attribution.classes.empty() &&
            !writeRgbImage(base + "confusion_" + conditions[i].name + ".png",
                           eval::plotConfusion(metrics[i].attribution, "Attribution, " + modelName + ", " + conditions[i].name), error))
            return false;
    return true;
}

}  // namespace

int runEvaluate(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Measure a detector on labelled images: accuracy, balanced accuracy, ROC AUC, F1, recall per generator,\n"
        "the attribution confusion matrix and calibration, on the original files and on JPEG re-encodes made in\n"
        "memory. SOURCE is a CSV with columns file,label[,generator] (paths relative to the CSV, like\n"
        "../shared/data/labels.csv) or a folder whose sub-folder names say real/fake. A file scores as\n"
        "synthetic when its verdict's synthetic probability (top-k patches) is above --threshold. Balanced\n"
        "accuracy and ROC AUC come with a 95% bootstrap interval over the images (fakes and reals resampled\n"
        "apart, 2000 rounds, fixed seed), rates with a 95% Wilson interval (in the JSON).");
    parser.addHelpOption();
    parser.addPositionalArgument("SOURCE", "labels CSV or labelled folder");
    addAnalysisOptions(parser);  // the verdict needs only the top-k patches: --verdict-only is implied
    parser.addOptions({
        {"split", "split CSV (file,split), e.g. models/baseline/split.csv: evaluate only --split-name's images", "FILE"},
        {"split-name", "which split to evaluate", "NAME", "test"},
        {"label", "folder SOURCE only: every image is real (or fake)", "real|fake"},
        {"limit", "evaluate N images spread evenly over the list (keeps each folder's share)", "N", "0"},
        {"sample", "evaluate N images drawn at random (with --seed)", "N", "0"},
        {"seed", "seed for --sample", "S", "1"},
        {"jpeg", "also re-encode every image as JPEG at these qualities (comma-separated; 'none' for originals only)", "Q,...", "90,65,40"},
        {"max-side", "also analyse every image shrunk (area) so that its longer side is at most N (comma-separated; smaller images unchanged)", "N,..."},
        {"contrast", "also analyse every image with its contrast scaled by C about its mean grey (comma-separated, e.g. 0.7,1.3): a detector should not read tone as a trace", "C,..."},
        {"attribution", "generators attribution is scored over (default: those the model has a class for and the labels name; all the model's when the labels name fewer than two)", "G,..."},
        {"fingerprints", "also attribute the candidate generators' fakes by the fingerprints in DIR, alone and combined "
                         "with the detector (the manifest's attribution.fingerprint_weight). Without it, a model whose "
                         "calibration reads a fingerprint library is scored on the combination its analysis makes", "DIR"},
        {"fingerprint-weight", "with --fingerprints: this weight instead of the manifest's", "W"},
        {"unnamed-offset", "with --fingerprints: this offset for the classes that name no generator instead of the manifest's attribution.unnamed_offset", "B"},
        {"threshold", "synthetic when the probability is above this", "T", "0.5"},
        {"robustness", "also run the robustness check (JPEG 90, JPEG 65, rescale 0.75) and measure what it changes"},
        robustnessCopiesOption(),
        {"json", "write every figure, the per-image scores and errors to FILE", "FILE"},
        {"plots", "write roc.png, reliability.png and confusion_<condition>.png into DIR", "DIR"},
    });
    auto fail = [](const QString& message) {
        std::fprintf(stderr, "synthscope evaluate: %s\n", qPrintable(message));
        return kExitBadInput;
    };
    if (!parser.parse(args)) return fail(parser.errorText() + "\nRun 'synthscope evaluate --help'.");
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) return fail("give one labels CSV or labelled folder");
    auto intOption = [&](const char* name, int lo, int hi, int& out) {
        bool ok = false;
        out = parser.value(name).toInt(&ok);
        if (!ok || out < lo || out > hi) {
            fail(QString("--%1 must be a whole number from %2 to %3").arg(name).arg(lo).arg(hi));
            return false;
        }
        return true;
    };
    DetectorOptions detectorOptions;
    AnalysisSettings settings;
    if (!readAnalysisOptions(parser, "evaluate", detectorOptions, settings)) return kExitBadInput;
    std::vector<Degradation> robustnessCopies;
    if (!readRobustnessCopies(parser, "evaluate", robustnessCopies)) return kExitBadInput;
    if (!outputFoldersWritable(parser, "evaluate", {"json"})) return kExitBadInput;
    settings.fullHeatmap = false;
    int limit = 0, sample = 0, seed = 0;
    if (!intOption("limit", 0, 100000000, limit) || !intOption("sample", 0, 100000000, sample) ||
        !intOption("seed", 0, 2147483647, seed))
        return kExitBadInput;
    if (limit > 0 && sample > 0) return fail("use --limit or --sample, not both");
    bool thresholdOk = false;
    const double threshold = parser.value("threshold").toDouble(&thresholdOk);
    if (!thresholdOk || threshold < 0 || threshold > 1) return fail("--threshold must be a number from 0 to 1");

    // --jpeg, --max-side and --contrast each list one kind of degraded copy; parseDegradation checks the values.
    std::vector<Condition> conditions{{"original", true, {}}};
    for (const auto& [option, kind] : {std::pair{"jpeg", "jpeg"}, {"max-side", "maxside"}, {"contrast", "contrast"}}) {
        if (parser.value(option) == "none") continue;  // --jpeg none: originals only
        for (const QString& value : splitList(parser.value(option))) {
            try {
                const Degradation d = parseDegradation(kind + value.toStdString());
                conditions.push_back({d.name(), false, d});
            } catch (const EngineError& e) {
                return fail(QString("--%1: %2").arg(option, e.what()));
            }
        }
    }

    // The labelled images.
    const QString source = positional.front();
    const std::string sourcePath = QFile::encodeName(source).toStdString();
    LabelledSet set;
    try {
        if (QFileInfo(source).isDir()) {
            set = readLabelledFolder(sourcePath, parser.value("label").toStdString());
        } else {
            if (parser.isSet("label")) return fail("--label applies to a folder, not to a CSV (which labels its files)");
            set = readLabelCsv(sourcePath);
        }
        if (parser.isSet("split")) set = restrictToSplit(std::move(set), readSplitCsv(QFile::encodeName(parser.value("split")).toStdString()),
                                                         parser.value("split-name").toStdString());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    const std::size_t listed = set.images.size();
    if (limit > 0) set.images = evenSubset(set.images, std::size_t(limit));
    if (sample > 0) set.images = randomSubset(set.images, std::size_t(sample), std::uint32_t(seed));
    for (const std::string& w : set.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (set.images.empty()) return fail("no labelled images to evaluate (check the source, --split and --split-name)");

    const QString plotsDir = parser.value("plots");
    if (!plotsDir.isEmpty() && !QDir().mkpath(plotsDir)) return fail("cannot create the plots folder " + plotsDir);

    const std::shared_ptr<Detector> detector = openDetector(parser, "evaluate", detectorOptions);
    if (!detector) return kExitInternal;
    const ModelManifest& m = detector->manifest();
    std::fprintf(stderr, "Evaluating %zu of %zu listed images; conditions:", set.images.size(), listed);
    for (const Condition& c : conditions) std::fprintf(stderr, " %s", c.name.c_str());
    const bool checkRobustness = !robustnessCopies.empty();
    std::fprintf(stderr, "%s\n", checkRobustness ? " (+ robustness check)" : "");

    eval::AttributionSpec attribution;
    attribution.classGenerator = m.classGenerators;
    if (parser.isSet("attribution")) {
        for (const QString& g : splitList(parser.value("attribution"))) attribution.generators.push_back(g.toStdString());
    } else {
        std::set<std::string> labelled;
        for (const LabelledImage& img : set.images)
            if (img.fake) labelled.insert(img.generator);
        attribution.generators = eval::defaultAttributionGenerators(m.classGenerators, labelled);
    }

    std::optional<FingerprintLibrary> fingerprints;
    double fingerprintWeight = m.fingerprintWeight;
    double unnamedOffset = m.unnamedOffset;
    // The analysis adds the image's look to the combination when the model has one (ImageAnalyzer).
    std::string lookNote;
    if (m.look.used() && m.combinesAttributionItself()) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, ", the image's look at weight %g", m.look.weight);
        lookNote = buffer;
    }
    if (parser.isSet("fingerprints")) {
        try {
            fingerprints = loadInstalledFingerprints(QFile::encodeName(parser.value("fingerprints")).toStdString());
        } catch (const std::exception& e) {
            return fail(QString("--fingerprints: ") + e.what());
        }
        if (parser.isSet("fingerprint-weight")) {
            bool ok = false;
            fingerprintWeight = parser.value("fingerprint-weight").toDouble(&ok);
            if (!ok || fingerprintWeight < 0 || fingerprintWeight > 100) return fail("--fingerprint-weight must be a number from 0 to 100");
        }
        if (parser.isSet("unnamed-offset")) {
            bool ok = false;
            unnamedOffset = parser.value("unnamed-offset").toDouble(&ok);
            if (!ok || unnamedOffset < -100 || unnamedOffset > 100) return fail("--unnamed-offset must be a number from -100 to 100");
        }
        std::fprintf(stderr, "Fingerprints: %zu from %s; combined with the detector at weight %g, unnamed offset %g%s%s\n",
                     fingerprints->fingerprints.size(), fingerprints->folder.c_str(), fingerprintWeight, unnamedOffset,
                     lookNote.c_str(), fingerprintWeight > 0 ? "" : " (none: the combination is not measured)");
    } else if (parser.isSet("fingerprint-weight") || parser.isSet("unnamed-offset")) {
        return fail("--fingerprint-weight and --unnamed-offset need --fingerprints DIR");
    } else if (m.combinesAttributionItself()) {
        std::fprintf(stderr, "Fingerprints: the model's own (%s), combined with the detector by the analysis at weight %g, unnamed offset %g%s\n",
                     m.calibration.fingerprintLibrary.c_str(), m.fingerprintWeight, m.unnamedOffset, lookNote.c_str());
    }
    auto isCandidate = [&](const std::string& g) {
        return std::find(attribution.generators.begin(), attribution.generators.end(), g) != attribution.generators.end();
    };
    auto firstCandidate = [&](const std::vector<ClassScore>& ranking) {  // ranked highest first; "" for none
        for (const ClassScore& g : ranking)
            if (isCandidate(g.name)) return g.name;
        return std::string();
    };
    const std::vector<FusionClass> classes = fusionClasses(m);

    const ImageAnalyzer analyzer(detector, settings);
    const RobustnessCheck robustness(detector, settings, robustnessCopies);
    std::vector<std::vector<ImageOutcome>> outcomes(conditions.size());
    std::vector<Failure> failures;
    TerminalProgress progress(int(set.images.size()));
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < set.images.size(); ++i) {
        const LabelledImage& item = set.images[i];
        progress.update(int(i), item.file, 0, 0);
        try {
            const LoadedImage original = loadImage(item.path, settings.load);
            std::vector<ImageOutcome> perCondition;
            for (const Condition& c : conditions) {
                const LoadedImage image = c.original ? LoadedImage() : degradeImage(original, c.degradation);
                const LoadedImage& input = c.original ? original : image;
                const AnalysisResult r = analyzer.analyze(input);
                ImageOutcome o;
                o.file = item.file;
                o.folder = item.folder;
                o.fake = item.fake;
                o.generator = item.generator;
                o.score = r.verdict.syntheticProbability;
                o.label = r.verdict.label;
                o.classProbabilities = r.classProbabilities();
                // Only the fakes attribution is scored on: the fingerprints cost more than the verdict.
                if (item.fake && isCandidate(item.generator)) {
                    // What the user is told (AnalysisResult::likelyGenerator), unless --fingerprints replaces it below.
                    if (const std::optional<ClassScore> likely = r.likelyGenerator()) {
                        // By generator name: the detector's own ranking is by class.
                        const std::string* generator = r.generatorOfClass(likely->name);
                        o.toldGenerator = generator && !generator->empty() ? *generator : likely->name;
                        o.toldConfidence = likely->probability;
                    }
                    if (fingerprints) {
                        const FingerprintAttribution fp = attributeByFingerprints(input.rgb, *fingerprints);
                        for (const GeneratorMatch& g : fp.ranking)  // ranked highest first
                            if (isCandidate(g.generator)) {
                                o.fingerprintGenerator = g.generator;
                                break;
                            }
                        if (const auto combined = combineAttribution(o.classProbabilities, classes, fp, fingerprintWeight, unnamedOffset,
                                                                       &r.look, r.lookWeight, r.attributionTemperature)) {
                            o.combinedGenerator = firstCandidate(combined->ranking);
                            o.toldGenerator = combined->ranking.front().name;
                            o.toldConfidence = combined->ranking.front().probability;
                        }
                    } else if (r.verdict.combinedAttribution) {
                        // The combination the analysis made itself (the model's calibration library and weight).
                        o.combinedGenerator = firstCandidate(r.verdict.combinedAttribution->ranking);
                    }
                }
                if (checkRobustness) {
                    const RobustnessReport report = robustness.check(input, r.verdict);
                    o.robustnessChecked = true;
                    o.robustLabel = report.label;
                    for (const RobustnessVariant& v : report.variants) o.variantScores.push_back(v.syntheticProbability);
                }
                perCondition.push_back(std::move(o));
            }
            // Only images analysed under every condition are kept, so the conditions compare like with like.
            for (std::size_t c = 0; c < conditions.size(); ++c) outcomes[c].push_back(std::move(perCondition[c]));
        } catch (const EngineError& e) {
            progress.clear();
            std::fprintf(stderr, "FAILED        %s\n", e.what());
            failures.push_back({item.file, e.kind(), e.what()});
        } catch (const std::exception& e) {
            progress.clear();
            std::fprintf(stderr, "FAILED        %s: %s\n", item.file.c_str(), e.what());
            failures.push_back({item.file, ErrorKind::Internal, e.what()});
        }
    }
    progress.clear();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::size_t evaluated = outcomes.front().size();
    std::fprintf(stderr, "Evaluated %zu of %zu images in %.1f s (%.0f ms per image, all conditions); %zu failed.\n", evaluated,
                 set.images.size(), seconds, evaluated ? 1000.0 * seconds / double(evaluated) : 0.0, failures.size());
    if (evaluated == 0) return fail("no image could be evaluated");

    std::vector<ConditionMetrics> metrics;
    for (const auto& o : outcomes)
        metrics.push_back(eval::computeConditionMetrics(o, attribution, threshold, m.inconclusiveLow, m.inconclusiveHigh));
    printTable(conditions, metrics);

    bool outputFailed = false;
    if (!plotsDir.isEmpty()) {
        std::string error;
        if (!writePlots(plotsDir, conditions, metrics, m.name, error)) {
            std::fprintf(stderr, "synthscope evaluate: plots not written: %s\n", error.c_str());
            outputFailed = true;
        }
    }
    if (parser.isSet("json")) {
        QJsonObject byCondition;
        QJsonArray conditionNames;
        for (std::size_t c = 0; c < conditions.size(); ++c) {
            byCondition.insert(qs(conditions[c].name), metricsJson(metrics[c]));
            conditionNames.append(qs(conditions[c].name));
        }
        QJsonArray perImage;
        for (std::size_t i = 0; i < evaluated; ++i) {
            const ImageOutcome& first = outcomes.front()[i];
            QJsonObject scores, labels;
            for (std::size_t c = 0; c < conditions.size(); ++c) {
                scores.insert(qs(conditions[c].name), outcomes[c][i].score);
                if (checkRobustness) labels.insert(qs(conditions[c].name), verdictLabelName(outcomes[c][i].robustLabel));
            }
            QJsonObject row{{"file", qs(first.file)}, {"fake", first.fake}, {"generator", qs(first.generator)}, {"synthetic_probability", scores}};
            if (checkRobustness) row.insert("robust_label", labels);
            perImage.append(row);
        }
        QJsonArray errors, attributionGenerators;
        for (const Failure& f : failures)
            errors.append(QJsonObject{{"file", qs(f.file)}, {"kind", errorKindName(f.kind)}, {"message", qs(f.message)}});
        for (const std::string& g : attribution.generators) attributionGenerators.append(qs(g));
        QJsonArray degradations;
        for (const Degradation& d : robustness.degradations()) degradations.append(qs(d.name()));
        const QJsonObject root{
            {"format", "synthscope-evaluation/1"},
            {"software", QJsonObject{{"name", "SynthScope"}, {"version", SYNTHSCOPE_VERSION}}},
            {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
            {"model", QJsonObject{{"name", qs(m.name)}, {"version", qs(m.version)}, {"sha256", qs(detector->weightsSha256())},
                                  {"manifest", qs(m.manifestPath)}, {"device", qs(detector->deviceName())}}},
            {"data", QJsonObject{{"source", source},
                                 {"split", parser.value("split")},
                                 {"split_name", parser.isSet("split") ? parser.value("split-name") : QString()},
                                 {"listed", int(listed)},
                                 {"selected", int(set.images.size())},
                                 {"evaluated", int(evaluated)},
                                 {"failed", int(failures.size())},
                                 {"limit", limit},
                                 {"sample", sample},
                                 {"seed", seed}}},
            {"settings", QJsonObject{{"threshold", threshold},
                                     {"inconclusive_band", QJsonArray{m.inconclusiveLow, m.inconclusiveHigh}},
                                     {"verdict_top_k", settings.topK > 0 ? settings.topK : m.verdictTopK},
                                     {"conditions", conditionNames},
                                     {"attribution_generators", attributionGenerators},
                                     {"robustness", checkRobustness},
                                     {"robustness_degradations", degradations},
                                     {"threads", detector->threads()}}},
            {"seconds", seconds},
            {"conditions", byCondition},
            {"per_image", perImage},
            {"errors", errors},
        };
        std::string error;
        if (!writeJsonFile(parser.value("json"), root, error)) {
            std::fprintf(stderr, "synthscope evaluate: cannot write %s: %s\n", qPrintable(parser.value("json")), error.c_str());
            return kExitInternal;
        }
    }
    bool internal = outputFailed;
    for (const Failure& f : failures) internal |= f.kind == ErrorKind::Internal || f.kind == ErrorKind::Model;
    if (internal) return kExitInternal;
    return failures.empty() ? kExitOk : kExitBadInput;
}

}  // namespace synthscope::cli
