// synthscope batch: analyses files and folders into a case (a SQLite file), streaming and resumable.
#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>

#include <cstdio>
#include <memory>
#include <optional>

#include "app/cli/analysis_options.h"
#include "app/cli/cli_support.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/fingerprint_cli.h"
#include "app/cli/terminal_progress.h"
#include "engine/batch_analysis.h"
#include "engine/file_collector.h"

namespace synthscope::cli {
namespace {

// Prints each result as soon as it is committed, a progress bar with the time left on a terminal, and
// a progress line every kLogEvery images otherwise (logs of long runs).
class BatchPrinter : public BatchObserver {
public:
    explicit BatchPrinter(bool quiet) : quiet_(quiet) {}

    void onPlanned(int cached, int toAnalyse) override {
        total_ = toAnalyse;
        progress_ = std::make_unique<TerminalProgress>(toAnalyse);  // its clock starts now: the ETA counts only analyses
        std::fprintf(stderr, "%d already in the case, %d to analyse\n", cached, toAnalyse);
    }
    void onStarted(const std::string& path) override {
        current_ = path;
        progress_->update(done_, current_, 0, 0);
    }
    void onPatchProgress(int patchesDone, int patchesTotal) override { progress_->update(done_, current_, patchesDone, patchesTotal); }
    void onAnalysed(const AnalysisResult& result) override {
        ++done_;
        progress_->clear();
        if (!quiet_) printResultLine(result);
        printRobustnessLine(result, quiet_);
        logProgress();
    }
    void onFailed(const std::string& path, ErrorKind, const std::string& message) override {
        if (progress_) {
            ++done_;
            progress_->clear();
        }
        std::fprintf(stderr, "FAILED        %s%s%s\n", message.find(path) == std::string::npos ? path.c_str() : "",
                     message.find(path) == std::string::npos ? ": " : "", message.c_str());
        if (progress_) logProgress();
    }

private:
    static constexpr int kLogEvery = 100;
    void logProgress() {
        if (progress_->enabled() || done_ % kLogEvery != 0 || done_ == total_) return;
        const double left = progress_->secondsLeft(double(done_) / total_);
        std::fprintf(stderr, "Progress: %d of %d analysed, ETA %s\n", done_, total_,
                     left >= 0 ? TerminalProgress::formatDuration(left).c_str() : "unknown");
    }

    bool quiet_;
    std::unique_ptr<TerminalProgress> progress_;
    int total_ = 0, done_ = 0;
    std::string current_;
};

// " (2 of them for a region of a file)", or nothing when the case holds no region's result.
std::string regionsNote(const CaseCounts& c) {
    if (c.regions == 0) return {};
    return " (" + std::to_string(c.regions) + (c.regions == 1 ? " of them for a region of a file)" : " of them for regions of files)");
}

}  // namespace

int runBatch(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Analyse images (files, or folders searched recursively) into a case: every result is committed to\n"
        "the case file as soon as it is finished, cached by the SHA-256 of the image bytes, the model's sha256\n"
        "and the settings. Running it again skips what is cached, so an interrupted batch resumes. Export and\n"
        "report with 'synthscope report --case FILE'.");
    parser.addHelpOption();
    parser.addPositionalArgument("PATH", "image files or folders", "PATH...");
    parser.addOption({"case", "the case file (SQLite; created when missing)", "FILE"});
    addAnalysisOptions(parser);
    parser.addOption({"robustness", "also analyse JPEG 90, JPEG 65 and 0.75-rescaled copies of each new image and store\n"
                                    "the answer with its result (\"inconclusive\" when their verdicts differ); checked\n"
                                    "results are cached apart from unchecked ones"});
    parser.addOption(robustnessCopiesOption());
    parser.addOption({"quiet", "no per-image lines (errors, progress and the summary still print)"});
    parser.addOption({"region", "analyse this rectangle of the one image given, alone (pixels of the image as shown); stored\n"
                                "beside the whole image's result, not in its place", "X,Y,W,H"});
    parser.addOption({"regions", "analyse the regions a CSV lists (header file,x,y,width,height; a file may have several\n"
                                 "rows; relative paths from the CSV's folder), each as --region would; no PATH then", "CSV"});
    if (!parser.parse(args)) {
        std::fprintf(stderr, "synthscope batch: %s\nRun 'synthscope batch --help'.\n", qPrintable(parser.errorText()));
        return kExitBadInput;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    const bool listed = parser.isSet("regions");
    if ((positional.isEmpty() && !listed) || !parser.isSet("case")) {
        std::fprintf(stderr, "synthscope batch: give --case FILE and at least one image file or folder (or --regions CSV)\n");
        return kExitBadInput;
    }
    if (listed && (!positional.isEmpty() || parser.isSet("region"))) {
        std::fprintf(stderr, "synthscope batch: --regions lists the files and their regions: give no PATH and no --region with it\n");
        return kExitBadInput;
    }
    DetectorOptions detectorOptions;
    AnalysisSettings settings;
    if (!readAnalysisOptions(parser, "batch", detectorOptions, settings)) return kExitBadInput;
    std::vector<Degradation> robustnessCopies;
    if (!readRobustnessCopies(parser, "batch", robustnessCopies)) return kExitBadInput;

    std::optional<ImageRegion> region;
    if (!readRegion(parser, "batch", region)) return kExitBadInput;
    std::vector<RegionOfFile> regionList;  // --regions: read whole before the case is created
    if (listed) try {
        regionList = readRegionList(QFile::encodeName(parser.value("regions")).toStdString());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope batch: %s\n", e.what());
        return kExitBadInput;
    }

    std::vector<std::string> inputs;
    for (const QString& p : positional) inputs.push_back(QFile::encodeName(p).toStdString());
    const CollectedFiles files = collectImageFiles(inputs);
    if (region && (positional.size() != 1 || QFileInfo(positional[0]).isDir() || files.images.size() != 1)) {
        std::fprintf(stderr, "synthscope batch: --region is a part of one picture: give exactly one image file, not a folder\n");
        return kExitBadInput;
    }
    std::unique_ptr<CaseStore> store;
    try {
        store = CaseStore::open(QFile::encodeName(parser.value("case")).toStdString());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope batch: %s\n", e.what());
        return kExitBadInput;
    }
    for (const std::string& e : files.errors) std::fprintf(stderr, "FAILED        %s\n", e.c_str());
    if (listed) std::fprintf(stderr, "Case: %s, %zu regions listed\n", qPrintable(parser.value("case")), regionList.size());
    else std::fprintf(stderr, "Case: %s, %s\n", qPrintable(parser.value("case")), counted(static_cast<long long>(files.images.size()), "image file").c_str());
    const std::shared_ptr<Detector> detector = openDetector(parser, "batch", detectorOptions);
    if (!detector) return kExitInternal;

    fingerprint::installCancelHandler();  // Ctrl+C: stop after the current batch of patches; the case keeps the rest
    const ImageAnalyzer analyzer(detector, settings);
    const std::optional<RobustnessCheck> robustness =
        robustnessCopies.empty() ? std::nullopt : std::make_optional<RobustnessCheck>(detector, settings, robustnessCopies);
    BatchPrinter printer(parser.isSet("quiet"));
    BatchSummary summary;
    try {
        if (!listed) {
            summary = BatchAnalysis(*store, analyzer, robustness ? &*robustness : nullptr, region)
                          .run(files.images, &printer, &fingerprint::cancelFlag());
        } else {  // one region at a time, each under its own key, as --region would store it
            for (const RegionOfFile& r : regionList) {
                const BatchSummary one = BatchAnalysis(*store, analyzer, robustness ? &*robustness : nullptr, r.region)
                                             .run({r.path}, &printer, &fingerprint::cancelFlag());
                summary.files += one.files;
                summary.cached += one.cached;
                summary.analysed += one.analysed;
                summary.failed += one.failed;
                summary.seconds += one.seconds;
                if ((summary.cancelled = one.cancelled)) break;
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope batch: %s\n", e.what());
        return kExitInternal;
    }
    const CaseCounts counts = store->counts();
    std::fprintf(stderr,
                 "%s %s in %.1f s: %d analysed now, %d reused from the case, %d failed%s.\n"
                 "The case holds %s%s: %d synthetic, %d authentic, %d inconclusive; %s failed.\n",
                 summary.cancelled ? "Cancelled after" : "Done:", counted(summary.files, listed ? "region" : "file").c_str(), summary.seconds,
                 summary.analysed, summary.cached, summary.failed,
                 (pathsNotReadNote(files.errors.size()) + (summary.cancelled ? " (run again to resume)" : "")).c_str(),
                 counted(counts.entries, "result").c_str(), regionsNote(counts).c_str(), counts.synthetic, counts.authentic, counts.inconclusive,
                 counted(counts.failures, "file").c_str());
    if (summary.cancelled) return kExitBadInput;
    return summary.failed + files.errors.size() > 0 ? kExitBadInput : kExitOk;
}

}  // namespace synthscope::cli
