#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>

#include "app/cli/analysis_options.h"
#include "app/cli/cli_support.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/terminal_progress.h"
#include "engine/analysis_engine.h"
#include "engine/file_collector.h"
#include "engine/heatmap.h"
#include "engine/model_registry.h"
#include "engine/result_json.h"
#include "engine/robustness_check.h"
#include "engine/version.h"

namespace synthscope::cli {
namespace {

struct Failure {
    std::string path;
    ErrorKind kind;
    std::string message;
};

// Collects the engine's events (on its worker thread) and prints one line per finished image.
class CliListener : public EngineListener {
public:
    CliListener(int total, bool quiet, bool explain) : progress_(total), quiet_(quiet), explain_(explain) {}

    void onJobStarted(JobId, const std::string& path) override {
        std::lock_guard<std::mutex> lock(mutex_);
        current_ = path;
        progress_.update(done_, current_, 0, 0);
    }
    void onJobProgress(JobId, int patchesDone, int patchesTotal) override {
        std::lock_guard<std::mutex> lock(mutex_);
        progress_.update(done_, current_, patchesDone, patchesTotal);
    }
    void onJobFinished(JobId id, const AnalysisResult& r) override {
        std::lock_guard<std::mutex> lock(mutex_);
        ++done_;
        progress_.clear();
        if (!quiet_) printResultLine(r);
        if (!quiet_ && explain_) printContributions(r);
        results_.push_back(r);
    }
    // With --robustness the engine checks each finished result right after it (same thread, same order).
    void onJobRobustness(JobId, const RobustnessReport& report) override {
        std::lock_guard<std::mutex> lock(mutex_);
        results_.back().robustness = report;
        printRobustnessLine(results_.back(), quiet_);
    }
    void onJobFailed(JobId, const std::string& path, ErrorKind kind, const std::string& message) override {
        std::lock_guard<std::mutex> lock(mutex_);
        ++done_;
        progress_.clear();
        std::fprintf(stderr, "FAILED        %s\n", message.c_str());
        failures_.push_back({path, kind, message});
    }
    void onJobCancelled(JobId, const std::string& path) override {
        std::lock_guard<std::mutex> lock(mutex_);
        failures_.push_back({path, ErrorKind::Cancelled, "cancelled"});
    }

    // Read after the engine is idle.
    const std::vector<AnalysisResult>& results() const { return results_; }
    const std::vector<Failure>& failures() const { return failures_; }

private:
    std::mutex mutex_;
    TerminalProgress progress_;
    bool quiet_;
    bool explain_;
    int done_ = 0;
    std::string current_;
    std::vector<AnalysisResult> results_;
    std::vector<Failure> failures_;
};

QJsonObject manifestJson(const ModelManifest& m, const Detector& d) {
    return QJsonObject{{"name", qs(m.name)},
                       {"version", qs(m.version)},
                       {"sha256", qs(d.weightsSha256())},
                       {"manifest", qs(m.manifestPath)},
                       {"classes", QJsonArray::fromStringList([&] {
                            QStringList l;
                            for (const auto& c : m.classes) l << qs(c);
                            return l;
                        }())},
                       {"authentic_class", qs(m.authenticClass())},
                       {"provenance", QJsonDocument::fromJson(QByteArray::fromStdString(m.provenanceJson)).object()},
                       {"accuracy", QJsonDocument::fromJson(QByteArray::fromStdString(m.accuracyJson)).object()}};
}

// Writes <stem>.<sha8>.heatmap.png (the colour map) and .overlay.png (over the image) for one result.
bool writeHeatmaps(const QString& dir, const AnalysisResult& r, const LoadOptions& load, HeatmapColours colours, std::string& error) {
    try {
        const QString base = dir + "/" + QFileInfo(QFile::decodeName(r.image.path.c_str())).completeBaseName() + "." +
                             qs(r.image.sha256.substr(0, 8)) +
                             (r.image.region ? "." + qs(r.image.region->fileSuffix()) : QString());
        const cv::Mat heat = renderHeatmap(r);
        if (!writeRgbImage(QFile::encodeName(base + ".heatmap.png").toStdString(), colorizeHeatmap(heat, colours), error)) return false;
        LoadedImage image = loadImage(r.image.path, load);
        if (r.image.region) image = cropToRegion(std::move(image), *r.image.region);
        return writeRgbImage(QFile::encodeName(base + ".overlay.png").toStdString(), overlayHeatmap(image.rgb, heat, 0.5, colours), error);
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
}

}  // namespace

int runAnalyze(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Analyse images (files, or folders searched recursively) with a patch detector: a verdict per image\n"
        "(synthetic probability = 1 - p(authentic) averaged over the top-k highest-contrast patches, with an\n"
        "inconclusive band), the generator ranking, and a per-patch heatmap.");
    parser.addHelpOption();
    parser.addPositionalArgument("PATH", "image files or folders", "PATH...");
    addAnalysisOptions(parser);
    parser.addOptions({
        {"json", "write all results, settings and errors as JSON to FILE", "FILE"},
        {"heatmap-dir", "write a heatmap PNG and an overlay PNG per image into DIR", "DIR"},
        {"quiet", "no per-image lines (errors and the summary still print)"},
        {"explain", "under each result, how the generator was chosen: what the detector, the fingerprints and\n"
                    "the look said of the first candidates"},
        {"region", "analyse only this rectangle of each image, in pixels of the image as shown (after EXIF\n"
                   "orientation): a part that may have been pasted in or filled in by a generator. The\n"
                   "verdict then rests on patches inside it only",
         "X,Y,W,H"},
        {"robustness", "also analyse JPEG 90, JPEG 65 and 0.75-rescaled copies of each image and report \"inconclusive\"\n"
                       "when their verdicts disagree with the original's"},
    });
    parser.addOption(robustnessCopiesOption());
    parser.addOption(heatmapColoursOption());
    if (!parser.parse(args)) {
        std::fprintf(stderr, "synthscope analyze: %s\nRun 'synthscope analyze --help'.\n", qPrintable(parser.errorText()));
        return kExitBadInput;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    // parse() takes args[0], the command name, as the program name: positional arguments are the paths.
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        std::fprintf(stderr, "synthscope analyze: give at least one image file or folder\n");
        return kExitBadInput;
    }
    DetectorOptions detectorOptions;
    AnalysisSettings settings;
    if (!readAnalysisOptions(parser, "analyze", detectorOptions, settings)) return kExitBadInput;
    std::vector<Degradation> robustnessCopies;
    if (!readRobustnessCopies(parser, "analyze", robustnessCopies)) return kExitBadInput;
    std::optional<ImageRegion> region;
    if (!readRegion(parser, "analyze", region)) return kExitBadInput;
    HeatmapColours colours = HeatmapColours::Turbo;
    if (!readHeatmapColours(parser, "analyze", colours)) return kExitBadInput;
    if (!outputFoldersWritable(parser, "analyze", {"json"})) return kExitBadInput;
    const QString heatmapDir = parser.value("heatmap-dir");
    if (!heatmapDir.isEmpty() && !QDir().mkpath(heatmapDir)) {
        std::fprintf(stderr, "synthscope analyze: cannot create the heatmap folder %s\n", qPrintable(heatmapDir));
        return kExitBadInput;
    }

    // The model first: a missing or broken model is reported before any image is touched.
    const std::shared_ptr<Detector> detector = openDetector(parser, "analyze", detectorOptions);
    if (!detector) return kExitInternal;
    const ModelManifest& m = detector->manifest();

    std::vector<std::string> inputs;
    for (const QString& p : positional) inputs.push_back(QFile::encodeName(p).toStdString());
    const CollectedFiles files = collectImageFiles(inputs);
    for (const std::string& e : files.errors) std::fprintf(stderr, "FAILED        %s\n", e.c_str());

    const auto t0 = std::chrono::steady_clock::now();
    CliListener listener(int(files.images.size()), parser.isSet("quiet"), parser.isSet("explain"));
    {
        AnalysisEngine engine(&listener);
        engine.setDetector(detector);
        engine.setRobustnessCopies(robustnessCopies);  // none: no check
        for (const std::string& path : files.images) engine.analyzeFile(path, settings, region);
        engine.waitUntilIdle();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::map<VerdictLabel, int> counts;
    for (const AnalysisResult& r : listener.results()) ++counts[r.verdict.label];
    const std::size_t failed = listener.failures().size() + files.errors.size();
    std::fprintf(stderr, "Analysed %zu of %zu images in %.1f s: %d synthetic, %d authentic, %d inconclusive; %zu failed%s.\n",
                 listener.results().size(), files.images.size(), seconds, counts[VerdictLabel::Synthetic],
                 counts[VerdictLabel::Authentic], counts[VerdictLabel::Inconclusive], listener.failures().size(),
                 pathsNotReadNote(files.errors.size()).c_str());
    std::map<VerdictLabel, int> robustCounts;
    int robustnessErrors = 0;
    for (const AnalysisResult& r : listener.results()) {
        if (!r.robustness) continue;
        if (r.robustness->done()) ++robustCounts[r.robustness->label];
        else ++robustnessErrors;
    }
    if (!robustnessCopies.empty())
        std::fprintf(stderr, "After the robustness check: %d synthetic, %d authentic, %d inconclusive%s.\n",
                     robustCounts[VerdictLabel::Synthetic], robustCounts[VerdictLabel::Authentic],
                     robustCounts[VerdictLabel::Inconclusive],
                     robustnessErrors ? ("; " + std::to_string(robustnessErrors) + " not checked").c_str() : "");

    bool outputFailed = false;
    if (!heatmapDir.isEmpty()) {
        for (const AnalysisResult& r : listener.results()) {
            std::string error;
            if (!writeHeatmaps(heatmapDir, r, settings.load, colours, error)) {
                std::fprintf(stderr, "synthscope analyze: heatmap for %s not written: %s\n", r.image.path.c_str(), error.c_str());
                outputFailed = true;
            }
        }
    }
    if (parser.isSet("json")) {
        QJsonArray results, errors;
        // With --robustness each result has a "robustness" object: the verdict stays the model's, and
        // "robustness.label" is the answer after the check.
        for (const AnalysisResult& r : listener.results()) results.append(toJson(r));
        for (const std::string& e : files.errors) errors.append(QJsonObject{{"path", ""}, {"kind", "bad_input"}, {"message", qs(e)}});
        for (const Failure& f : listener.failures())
            errors.append(QJsonObject{{"path", qs(f.path)}, {"kind", errorKindName(f.kind)}, {"message", qs(f.message)}});
        const QJsonObject root{
            {"format", "synthscope-analysis/1"},
            {"software", QJsonObject{{"name", "SynthScope"}, {"version", SYNTHSCOPE_VERSION}}},
            {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
            {"model", manifestJson(m, *detector)},
            {"summary", QJsonObject{{"images", int(files.images.size())},
                                    {"analysed", int(listener.results().size())},
                                    {"synthetic", counts[VerdictLabel::Synthetic]},
                                    {"authentic", counts[VerdictLabel::Authentic]},
                                    {"inconclusive", counts[VerdictLabel::Inconclusive]},
                                    {"failed", int(failed)},
                                    {"seconds", seconds}}},
            {"results", results},
            {"errors", errors},
        };
        std::string error;
        if (!writeJsonFile(parser.value("json"), root, error)) {
            std::fprintf(stderr, "synthscope analyze: cannot write %s: %s\n", qPrintable(parser.value("json")), error.c_str());
            return kExitInternal;
        }
    }
    bool internal = false;
    for (const Failure& f : listener.failures()) internal |= f.kind == ErrorKind::Internal || f.kind == ErrorKind::Model;
    if (internal || outputFailed) return kExitInternal;
    return failed > 0 ? kExitBadInput : kExitOk;
}

}  // namespace synthscope::cli
