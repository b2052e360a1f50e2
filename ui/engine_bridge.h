#pragma once
#include <QImage>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

#include "engine/analysis_engine.h"
#include "engine/heatmap.h"

namespace synthscope::ui {

using ResultPtr = std::shared_ptr<const AnalysisResult>;
using ImagePtr = std::shared_ptr<const LoadedImage>;
using RobustnessPtr = std::shared_ptr<const RobustnessReport>;

// A result's heatmap ready to paint, made on the engine thread: the synthetic probability per pixel at
// heatmapDisplayScale() (CV_32F, NaN where nothing is classified yet) and its colour overlay.
struct HeatmapFrame {
    cv::Mat heat;
    QImage overlay;  // ARGB32, transparent where heat is NaN
    HeatmapColours colours = HeatmapColours::Turbo;  // the overlay's
    static std::shared_ptr<const HeatmapFrame> from(const AnalysisResult& result, HeatmapColours colours);
    // The same heat with its overlay drawn in other colours (a View > Heatmap Colours change).
    std::shared_ptr<const HeatmapFrame> recoloured(HeatmapColours colours) const;
};
using HeatmapPtr = std::shared_ptr<const HeatmapFrame>;

// An image ready to paint: the full picture and, for big ones, a smaller copy for zoomed-out views.
// Made on the engine thread, because converting and scaling a 100-megapixel image takes far longer
// than the GUI may stall.
struct DisplayImage {
    QImage full;
    QImage preview;  // null when the full image is small enough
    static DisplayImage from(const cv::Mat& rgb8);
};

// Owns the background AnalysisEngine and turns its worker-thread events into Qt signals delivered on
// the GUI thread (queued), so widgets never touch engine threads and the window never waits.
class EngineBridge : public QObject, private EngineListener {
    Q_OBJECT
public:
    explicit EngineBridge(QObject* parent = nullptr);
    ~EngineBridge() override;  // cancels and joins the engine before the listener goes away
    // The colours the heatmaps of results from now on are drawn in (on the engine thread).
    void setHeatmapColours(HeatmapColours colours) { heatmapColours_ = colours; }

    void loadModel(const ModelManifest& manifest, const DetectorOptions& options);
    // With a region, that region of the file only (AnalysisEngine::analyzeFile).
    JobId analyzeFile(const QString& path, const AnalysisSettings& settings, const std::optional<ImageRegion>& region = std::nullopt);
    JobId analyzeImage(ImagePtr image, const AnalysisSettings& settings);
    JobId openStored(const QString& path, const QString& caseFile, const CacheKey& key, const AnalysisSettings& settings,
                     const std::optional<ImageRegion>& region = std::nullopt);
    // Stores a finished result in a case (AnalysisEngine::addToCase); addedToCase() follows.
    JobId addToCase(const QString& caseFile, ResultPtr result, const AnalysisSettings& settings);
    void cancel(JobId id);
    void cancelAll();
    // Analyses queued from now on are followed by the robustness check (default copies) when on.
    void setRobustnessCheck(bool on);

signals:
    void modelLoaded(QString name, QString device);
    void modelFailed(QString message);
    void jobStarted(quint64 id);
    void imageLoaded(quint64 id, synthscope::ui::ImagePtr image, synthscope::ui::DisplayImage display);
    void progress(quint64 id, int patchesDone, int patchesTotal);
    // Results come with their heatmap already rendered at display scale (on the engine thread).
    void verdictReady(quint64 id, synthscope::ui::ResultPtr partial, synthscope::ui::HeatmapPtr heatmap);
    void patchesReady(quint64 id, synthscope::ui::ResultPtr partial, synthscope::ui::HeatmapPtr heatmap);
    void finished(quint64 id, synthscope::ui::ResultPtr result, synthscope::ui::HeatmapPtr heatmap);
    void failed(quint64 id, QString message);
    void cancelled(quint64 id);
    // After finished(), when the robustness check is on: its report (report->error set when it could not
    // be done), for the receiver to attach to the result it holds (AnalysisResult::robustness).
    void robustnessReady(quint64 id, synthscope::ui::RobustnessPtr report);
    // An addToCase job is done: error empty when stored; entries and regions are then the case's counts.
    void addedToCase(quint64 id, QString caseFile, QString error, int entries, int regions);

private:
    void onModelLoaded(const ModelManifest& manifest, const std::string& device) override;
    void onModelFailed(const std::string& message) override;
    void onJobStarted(JobId id, const std::string& path) override;
    void onJobImageLoaded(JobId id, const std::shared_ptr<const LoadedImage>& image) override;
    void onJobProgress(JobId id, int done, int total) override;
    void onJobVerdict(JobId id, const AnalysisResult& partial) override;
    void onJobPatches(JobId id, const AnalysisResult& partial) override;
    void onJobFinished(JobId id, const AnalysisResult& result) override;
    void onJobFailed(JobId id, const std::string& path, ErrorKind kind, const std::string& message) override;
    void onJobCancelled(JobId id, const std::string& path) override;
    void onJobRobustness(JobId id, const RobustnessReport& report) override;
    void onAddedToCase(JobId id, const std::string& caseFile, const std::string& error, const CaseCounts& counts) override;

    std::unique_ptr<AnalysisEngine> engine_;
    std::atomic<HeatmapColours> heatmapColours_{HeatmapColours::Turbo};  // set on the GUI thread, read on the engine's
};

}  // namespace synthscope::ui

Q_DECLARE_METATYPE(synthscope::ui::ResultPtr)
Q_DECLARE_METATYPE(synthscope::ui::ImagePtr)
Q_DECLARE_METATYPE(synthscope::ui::DisplayImage)
Q_DECLARE_METATYPE(synthscope::ui::HeatmapPtr)
Q_DECLARE_METATYPE(synthscope::ui::RobustnessPtr)
