#include "ui/engine_bridge.h"

#include <QFile>
#include <QMetaObject>

#include "engine/heatmap.h"
#include "ui/image_conversion.h"

namespace synthscope::ui {
namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

EngineBridge::EngineBridge(QObject* parent) : QObject(parent) {
    qRegisterMetaType<ResultPtr>();
    qRegisterMetaType<ImagePtr>();
    qRegisterMetaType<DisplayImage>();
    qRegisterMetaType<HeatmapPtr>();
    qRegisterMetaType<RobustnessPtr>();
    // Below the GUI thread in the scheduler: on a machine whose cores the analysis fills, the window keeps
    // its turn (the engine's threads lose a little speed only while the GUI has work).
    engine_ = std::make_unique<AnalysisEngine>(static_cast<EngineListener*>(this), AnalysisEngine::WorkerPriority::Background);
}

EngineBridge::~EngineBridge() { engine_.reset(); }

void EngineBridge::loadModel(const ModelManifest& manifest, const DetectorOptions& options) { engine_->loadModel(manifest, options); }
JobId EngineBridge::analyzeFile(const QString& path, const AnalysisSettings& settings, const std::optional<ImageRegion>& region) {
    return engine_->analyzeFile(QFile::encodeName(path).toStdString(), settings, region);
}
JobId EngineBridge::analyzeImage(ImagePtr image, const AnalysisSettings& settings) { return engine_->analyzeImage(std::move(image), settings); }
JobId EngineBridge::openStored(const QString& path, const QString& caseFile, const CacheKey& key, const AnalysisSettings& settings,
                               const std::optional<ImageRegion>& region) {
    return engine_->openStored(QFile::encodeName(path).toStdString(), QFile::encodeName(caseFile).toStdString(), key, settings, region);
}
JobId EngineBridge::addToCase(const QString& caseFile, ResultPtr result, const AnalysisSettings& settings) {
    return engine_->addToCase(QFile::encodeName(caseFile).toStdString(), std::move(result), settings);
}
void EngineBridge::cancel(JobId id) { engine_->cancel(id); }
void EngineBridge::cancelAll() { engine_->cancelAll(); }
void EngineBridge::setRobustnessCheck(bool on) {
    engine_->setRobustnessCopies(on ? defaultRobustnessDegradations() : std::vector<Degradation>{});
}

// Each handler runs on the engine's thread: it copies what it needs and queues a signal emission on
// the GUI thread. Results are copied once into a shared_ptr so that every receiver shares them.
void EngineBridge::onModelLoaded(const ModelManifest& m, const std::string& device) {
    QMetaObject::invokeMethod(this, [this, n = qs(m.name), d = qs(device)] { emit modelLoaded(n, d); }, Qt::QueuedConnection);
}
void EngineBridge::onModelFailed(const std::string& message) {
    QMetaObject::invokeMethod(this, [this, m = qs(message)] { emit modelFailed(m); }, Qt::QueuedConnection);
}
void EngineBridge::onJobStarted(JobId id, const std::string&) {
    QMetaObject::invokeMethod(this, [this, id] { emit jobStarted(id); }, Qt::QueuedConnection);
}
void EngineBridge::onJobImageLoaded(JobId id, const std::shared_ptr<const LoadedImage>& image) {
    DisplayImage display = DisplayImage::from(image->rgb);
    QMetaObject::invokeMethod(this, [this, id, image, display] { emit imageLoaded(id, image, display); }, Qt::QueuedConnection);
}

DisplayImage DisplayImage::from(const cv::Mat& rgb8) {
    constexpr int kPreviewSide = 2048;
    DisplayImage d;
    // RGB32 is what the raster painter draws without converting on every paint.
    d.full = toQImage(rgb8).convertToFormat(QImage::Format_RGB32);
    if (std::max(rgb8.cols, rgb8.rows) > kPreviewSide)
        d.preview = d.full.scaled(kPreviewSide, kPreviewSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return d;
}
void EngineBridge::onJobProgress(JobId id, int done, int total) {
    QMetaObject::invokeMethod(this, [this, id, done, total] { emit progress(id, done, total); }, Qt::QueuedConnection);
}
HeatmapPtr HeatmapFrame::from(const AnalysisResult& r, HeatmapColours colours) {
    HeatmapFrame uncoloured;
    uncoloured.heat = renderHeatmap(r, heatmapDisplayScale(r.image.width, r.image.height));
    return uncoloured.recoloured(colours);
}

HeatmapPtr HeatmapFrame::recoloured(HeatmapColours to) const {
    auto frame = std::make_shared<HeatmapFrame>();
    frame->heat = heat;  // shared, never written after it is made
    frame->overlay = heatmapOverlay(heat, 0.0, to);
    frame->colours = to;
    return frame;
}

void EngineBridge::onJobVerdict(JobId id, const AnalysisResult& partial) {
    auto r = std::make_shared<const AnalysisResult>(partial);
    auto h = HeatmapFrame::from(partial, heatmapColours_);
    QMetaObject::invokeMethod(this, [this, id, r, h] { emit verdictReady(id, r, h); }, Qt::QueuedConnection);
}
void EngineBridge::onJobPatches(JobId id, const AnalysisResult& partial) {
    auto r = std::make_shared<const AnalysisResult>(partial);
    auto h = HeatmapFrame::from(partial, heatmapColours_);
    QMetaObject::invokeMethod(this, [this, id, r, h] { emit patchesReady(id, r, h); }, Qt::QueuedConnection);
}
void EngineBridge::onJobFinished(JobId id, const AnalysisResult& result) {
    auto r = std::make_shared<const AnalysisResult>(result);
    auto h = HeatmapFrame::from(result, heatmapColours_);
    QMetaObject::invokeMethod(this, [this, id, r, h] { emit finished(id, r, h); }, Qt::QueuedConnection);
}
void EngineBridge::onJobFailed(JobId id, const std::string&, ErrorKind, const std::string& message) {
    QMetaObject::invokeMethod(this, [this, id, m = qs(message)] { emit failed(id, m); }, Qt::QueuedConnection);
}
void EngineBridge::onJobCancelled(JobId id, const std::string&) {
    QMetaObject::invokeMethod(this, [this, id] { emit cancelled(id); }, Qt::QueuedConnection);
}
void EngineBridge::onJobRobustness(JobId id, const RobustnessReport& report) {
    auto r = std::make_shared<const RobustnessReport>(report);
    QMetaObject::invokeMethod(this, [this, id, r] { emit robustnessReady(id, r); }, Qt::QueuedConnection);
}

void EngineBridge::onAddedToCase(JobId id, const std::string& caseFile, const std::string& error, const CaseCounts& counts) {
    const QString file = QFile::decodeName(caseFile.c_str()), message = QString::fromStdString(error);
    const int entries = counts.entries, regions = counts.regions;
    QMetaObject::invokeMethod(this, [this, id, file, message, entries, regions] { emit addedToCase(id, file, message, entries, regions); }, Qt::QueuedConnection);
}

}  // namespace synthscope::ui
