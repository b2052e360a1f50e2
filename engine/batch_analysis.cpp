#include "engine/batch_analysis.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>
#include <utility>

#include "engine/fingerprint.h"
#include "engine/sha256.h"

namespace synthscope {
namespace {

std::string absolutePath(const std::string& path) {
    return QFile::encodeName(QFileInfo(QFile::decodeName(path.c_str())).absoluteFilePath()).toStdString();
}

// Forwards the analyzer's patch progress to the batch observer, and keeps the decoded image for the
// robustness check when there is one.
class ProgressForwarder : public AnalysisObserver {
public:
    ProgressForwarder(BatchObserver* observer, bool keepImage) : observer_(observer), keepImage_(keepImage) {}
    void onImageLoaded(const std::shared_ptr<const LoadedImage>& image) override {
        if (keepImage_) image_ = image;
    }
    void onProgress(int done, int total) override {
        if (observer_) observer_->onPatchProgress(done, total);
    }
    // The image of the last analysis, handed over (so that only one is held at a time).
    std::shared_ptr<const LoadedImage> takeImage() { return std::move(image_); }

private:
    BatchObserver* observer_;
    bool keepImage_;
    std::shared_ptr<const LoadedImage> image_;
};

// Stride and top-k as an analysis with these settings uses them: the settings' own, else the manifest's.
int resolvedStride(const ModelManifest& m, const AnalysisSettings& settings) {
    return settings.stride > 0 ? settings.stride : (m.stride > 0 ? m.stride : m.inputSize);
}
int resolvedTopK(const ModelManifest& m, const AnalysisSettings& settings) {
    return settings.topK > 0 ? settings.topK : m.verdictTopK;
}

}  // namespace

std::string cacheSettingsKey(const Detector& detector, const AnalysisSettings& settings,
                             const std::vector<Degradation>& robustnessCopies, const std::optional<ImageRegion>& region) {
    const ModelManifest& m = detector.manifest();
    QJsonArray mean, std;
    for (int c = 0; c < 3; ++c) {
        mean.append(double(m.mean[std::size_t(c)]));
        std.append(double(m.std[std::size_t(c)]));
    }
    // QJsonObject keeps its keys sorted, so equal settings always give equal text.
    QJsonObject key{
        {"patch", m.inputSize},
        {"stride", resolvedStride(m, settings)},
        {"top_k", resolvedTopK(m, settings)},
        {"full_heatmap", settings.fullHeatmap},
        {"precision", precisionName(detector.precision())},
        {"band", QJsonArray{m.inconclusiveLow, m.inconclusiveHigh}},
        {"small_image", m.smallImage == SmallImagePolicy::Pad ? "pad" : "reject"},
        {"normalization", m.normalization == InputNormalization::MeanStd ? QJsonValue(QJsonObject{{"mean", mean}, {"std", std}})
                                                                       : QJsonValue("none")},
        {"output", m.output == ModelOutput::Softmax ? "softmax" : "logits"},
        {"authentic", QString::fromStdString(m.authenticClass())},
    };
    // The fingerprints the verdict and the attribution read, by content: a library rebuilt in place
    // changes results without changing its path.
    const QString library = m.calibration.fingerprintLibrary.empty()
                                ? QString()
                                : QString::fromStdString(fingerprintLibraryDigest(m.calibration.fingerprintLibrary));
    // The verdict's calibration changes the verdict without changing the weights.
    if (m.calibration.enabled) {
        QJsonArray terms;
        for (const FingerprintTerm& t : m.calibration.fingerprintTerms) {
            QJsonArray generators;
            for (const std::string& g : t.generators) generators.append(QString::fromStdString(g));
            terms.append(QJsonObject{{"generators", generators}, {"weight", t.weight}});
        }
        QJsonObject calibration{{"slope", m.calibration.slope}, {"intercept", m.calibration.intercept}};
        if (!terms.isEmpty()) {
            calibration.insert("fingerprint_terms", terms);
            calibration.insert("fingerprint_library", library);
        }
        key.insert("calibration", calibration);
    }
    // The attribution combined with the calibration's fingerprints (results stored before it lack it,
    // and their "likely generator" was the detector's alone): absent when the model asks for none.
    if (m.combinesAttributionItself()) {
        QJsonObject combined{{"weight", m.fingerprintWeight}, {"unnamed_offset", m.unnamedOffset}, {"library", library}};
        if (m.attributionTemperature != 1)  // absent otherwise, so that keys written before it still match
            combined.insert("temperature", m.attributionTemperature);
        if (m.look.used())  // absent otherwise, so that keys written before the look still match
            combined.insert("look", QJsonObject{{"sha256", QString::fromStdString(m.look.sha256)}, {"weight", m.look.weight}});
        key.insert("combined_attribution", combined);
    }
    if (!robustnessCopies.empty()) {  // absent otherwise, so that keys written before the check still match
        QJsonArray copies;
        for (const Degradation& d : robustnessCopies) copies.append(QString::fromStdString(d.name()));
        key.insert("robustness", copies);
    }
    if (region) {  // absent for a whole file, so that keys written before regions still match
        key.insert("region", QJsonArray{region->x, region->y, region->width, region->height});
        if (settings.regionControls > 0) key.insert("controls", settings.regionControls);
    }
    return QJsonDocument(key).toJson(QJsonDocument::Compact).toStdString();
}

CacheKey caseKeyOf(const Detector& detector, const AnalysisSettings& settings, const AnalysisResult& r) {
    const Provenance& p = r.provenance;
    // Name and version too: two manifests may share a weights file and differ in calibration.
    if (p.modelSha256 != detector.weightsSha256() || p.modelName != detector.manifest().name ||
        p.modelVersion != detector.manifest().version)
        throw badInput("this result was made by the model " + p.modelName + " " + p.modelVersion + ", not by the one loaded now (" +
                       detector.manifest().name + " " + detector.manifest().version + "): analyse the image again first");
    const ModelManifest& m = detector.manifest();
    // The analyzer records top-k as used: at most the number of patches of a small image.
    const int topK = std::min(resolvedTopK(m, settings), r.gridCols * r.gridRows);
    if (p.patchSize != m.inputSize || p.stride != resolvedStride(m, settings) || p.topK != topK || p.fullHeatmap != settings.fullHeatmap ||
        p.precision != precisionName(detector.precision()))
        throw badInput("the analysis settings (stride, top-k, heatmap or precision) have changed since this result was made: "
                       "analyse the image again first");
    std::vector<Degradation> copies;
    if (r.robustness)
        for (const std::string& name : r.robustness->copies) copies.push_back(parseDegradation(name));
    AnalysisSettings made = settings;  // the result's own control parts, as it holds them
    made.regionControls = r.controls ? r.controls->asked : 0;
    return {r.image.sha256, detector.weightsSha256(), cacheSettingsKey(detector, made, copies, r.image.region)};
}

BatchAnalysis::BatchAnalysis(CaseStore& store, const ImageAnalyzer& analyzer, const RobustnessCheck* robustness,
                             std::optional<ImageRegion> region)
    : store_(store),
      analyzer_(analyzer),
      robustness_(robustness),
      region_(region),
      settingsKey_(cacheSettingsKey(analyzer.detector(), analyzer.settings(),
                                    robustness ? robustness->degradations() : std::vector<Degradation>{}, region)) {}

BatchSummary BatchAnalysis::run(const std::vector<std::string>& files, BatchObserver* observer, const std::atomic<bool>* cancel) {
    const auto t0 = std::chrono::steady_clock::now();
    BatchSummary summary;
    summary.files = int(files.size());
    const std::string& modelSha = analyzer_.detector().weightsSha256();
    auto cancelled = [&] { return cancel && cancel->load(); };
    auto fail = [&](const std::string& path, ErrorKind kind, const std::string& message) {
        ++summary.failed;
        store_.addFailure(path, errorKindName(kind), message);
        if (observer) observer->onFailed(path, kind, message);
    };

    // Plan: hash every file and look it up, so that the progress and its time estimate count only the
    // files that need work. Only paths are kept, never images or results.
    std::vector<std::string> toAnalyse;
    for (const std::string& file : files) {
        if (cancelled()) break;
        const std::string path = absolutePath(file);
        std::string sha;
        try {
            sha = sha256OfFile(path);
        } catch (const EngineError& e) {
            fail(path, e.kind(), e.what());
            continue;
        }
        if (store_.hasResult({sha, modelSha, settingsKey_})) {
            store_.addPath(path, sha);
            ++summary.cached;
        } else {
            toAnalyse.push_back(path);
        }
    }
    if (observer) observer->onPlanned(summary.cached, int(toAnalyse.size()));

    ProgressForwarder forwarder(observer, robustness_ != nullptr);
    for (const std::string& path : toAnalyse) {
        if (cancelled()) break;
        if (observer) observer->onStarted(path);
        AnalysisResult result;
        try {
            result = region_ ? analyzer_.analyzeRegion(path, *region_, &forwarder, cancel) : analyzer_.analyze(path, &forwarder, cancel);
            if (robustness_) {
                const std::shared_ptr<const LoadedImage> image = forwarder.takeImage();
                if (!image) throw EngineError(ErrorKind::Internal, "the decoded image was not kept for the robustness check");
                result.robustness = robustness_->checkOrReport(*image, result.verdict, cancel);
            }
        } catch (const EngineError& e) {
            if (e.kind() == ErrorKind::Cancelled) break;
            fail(path, e.kind(), e.what());
            continue;
        } catch (const std::exception& e) {
            fail(path, ErrorKind::Internal, e.what());
            continue;
        }
        // Outside the try: a case that cannot be written stops the batch instead of failing file by file.
        // The analyzer's own hash of the bytes it analysed is the key: the file may have changed since the plan.
        store_.addResult({result.image.sha256, modelSha, settingsKey_}, result);
        ++summary.analysed;
        if (observer) observer->onAnalysed(result);
    }
    summary.cancelled = cancelled();
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return summary;
}

}  // namespace synthscope
