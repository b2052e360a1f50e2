#pragma once
#include <QMainWindow>

#include <memory>
#include <optional>
#include <vector>

#include "engine/fingerprint_match.h"
#include "engine/model_registry.h"
#include "ui/engine_bridge.h"
#include "ui/user_settings.h"

class QLabel;
class QMimeData;
class QMenu;
class QProgressBar;
class QSlider;
class QTabWidget;
class QToolButton;

namespace synthscope::ui {

class AverageSpectrumDialog;
class BatchDialog;
class CaseBrowser;
class PastedImageSaver;
class HeatmapImageExporter;
class ForensicsPanel;
class ForensicsRunner;
class FingerprintGalleryDialog;
class HeatmapLegend;
class ImageCanvas;
class StallMonitor;
class TeachingPanel;
class VerdictPanel;

// What the automated runs (end-to-end test, screenshots for the README, stall measurement) ask for.
struct AutomationOptions {
    QString screenshotDir;   // save screenshots of the main views once every image is analysed
    bool quitWhenDone = false;
    bool measureStall = false;  // print the longest event-loop stall on exit
    QString model;              // overrides the saved model choice for this session
};

// The workstation: images in tabs, each a canvas with its heatmap; the verdict, legend and teaching
// panels beside them; the engine behind an EngineBridge so that nothing here waits for analysis.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(AutomationOptions automation = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    void openFiles(const QStringList& paths);
    // File > Paste Image (Ctrl+V): the clipboard's files, or its image saved as a PNG of its own
    // (pasted_image.h) and then analysed.
    void pasteFromClipboard();
    // File > Export Heatmap Image without its dialog: the open image with its heatmap as the canvas shows
    // it, written on a pool thread (heatmap_image_export.h); heatmapImageWritten() follows. false when
    // there is nothing to export yet or an export is running.
    bool exportHeatmapImage(const QString& path);
    // View > Heatmap Colours: kept in the settings, and every open heatmap, the legend and later exports use them.
    void setHeatmapColours(HeatmapColours colours);
    // Analysis > Generator Fingerprints: the installed library's fingerprints, read on the dialog's thread.
    FingerprintGalleryDialog* showFingerprintGallery();
    // The library the Fingerprints tab and exported reports compare with (empty: the installed one): kept in
    // the settings, and every open image's comparison made again with it.
    void setFingerprintLibrary(const QString& folder);
    // Edit > Copy Verdict Summary (Ctrl+Shift+C): the open image's verdict as plain text (verdict_summary.h).
    void copyVerdictSummary();
    // Analysis > Analyse Selected Region (Ctrl+Shift+R): the part of the open image selected with
    // Shift+drag, analysed alone in a new tab (image_region.h).
    void analyzeSelectedRegion();
    // One region of a file in a tab of its own (the selection's, or synthscope-gui --region).
    void openRegion(const QString& path, const ImageRegion& region);
    void openCase(const QString& file);  // in the case browser (File > Open Case)
    // A case's stored result for path, shown as the case and its report have it (no detector runs);
    // analysed again only when the file changed since (AnalysisEngine::openStored). F5 re-analyses.
    // With a region (not empty), the case's result for that region of the file, in a region tab.
    void openStoredResult(const QString& path, const QString& caseFile, const CacheKey& key, const QRect& region = {});
    // File > Add to Case without its dialog: the open tab's result (the whole file, or its region) stored in
    // caseFile, created when missing, on the engine's thread (AnalysisEngine::addToCase); addedToCase()
    // follows. false, with a status message, when the tab has no finished result of the file itself.
    bool addCurrentToCase(const QString& caseFile);
    int documentCount() const { return int(documents_.size()); }
    VerdictPanel* verdictPanel() const { return verdict_; }
    ImageCanvas* currentCanvas() const;
    // The open image's result as File > Export Report writes it (with the robustness check once it is done).
    ResultPtr currentResult() const;
    bool allDone() const;  // every analysis and forensic report finished

signals:
    void documentFinished(int index);  // a document's analysis finished, failed or was cancelled
    void heatmapImageWritten(const QString& path, const QString& error);
    void addedToCase(const QString& caseFile, const QString& error);  // error empty when stored

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    struct Document;
    Document* documentForJob(quint64 job);
    // The fingerprint ranking of the document's forensic report, when it has one.
    static const FingerprintAttribution* fingerprintsOf(const Document& d);
    // The start of the names offered for its exports: the file's base name, and the region's when it has one.
    static QString outputStem(const Document& d);
    // A finished result of the file itself (not a teaching-mode copy), with its robustness check when one
    // was asked for: what a report or a case may be given.
    static bool hasFinishedResultOfTheFile(const Document* d);
    Document* currentDocument() const;
    // A new tab, made current; nothing is started. With region: that region of the file (cropToRegion).
    Document& addDocument(const QString& path, std::optional<ImageRegion> region = std::nullopt);
    void createActions();
    void createDocks();
    void applyPalette();
    void loadModel();
    void analyze(Document& doc);
    // The document's state for a job just queued (an analysis or a stored result): running, no result yet.
    void startJob(Document& doc, quint64 job, const QString& message);
    void analyzeWithQuality(Document& doc, int quality);
    void showDocument(int index);
    void showForensicsOf(const Document& doc);  // its report, "computing...", or why there is none
    void showErrorOf(const Document& doc);      // its failure (why it could not be analysed) or cancellation
    void startForensics(Document& doc, const ImagePtr& image);  // its forensic report, computed on the pool
    void closeDocument(int index);
    // Outlines, on the tabs showing the whole of path, the regions of it analysed in open tabs.
    void updateRegionMarks(const QString& path);
    void updateRegionAction();
    void updateRecentMenu();
    void updateStatus();
    void openDialog();
    void openPasted(const QMimeData& mime);  // a paste or a drop
    void showSettings();
    void showModels();
    void maybeFinishAutomation();
    void takeScreenshotsAndMaybeQuit();
    CaseBrowser* shownCaseBrowser();  // made on first use, shown and raised
    void chooseCaseAndAdd();  // File > Add to Case...

    AutomationOptions automation_;
    UserSettings settings_;
    ModelCatalog catalog_;
    std::unique_ptr<EngineBridge> bridge_;
    std::vector<std::unique_ptr<Document>> documents_;
    QTabWidget* tabs_;
    VerdictPanel* verdict_;
    HeatmapLegend* legend_;
    TeachingPanel* teaching_;
    ForensicsPanel* forensicsPanel_;
    BatchDialog* batchDialog_ = nullptr;  // made on first use
    AverageSpectrumDialog* spectrumDialog_ = nullptr;  // made on first use
    FingerprintGalleryDialog* fingerprintGallery_ = nullptr;  // made on first use
    CaseBrowser* caseBrowser_ = nullptr;  // made on first use
    QString lastCaseFile_;  // offered first by File > Add to Case
    PastedImageSaver* pasted_;
    HeatmapImageExporter* heatmapExporter_;
    ForensicsRunner* forensics_;
    QSlider* opacity_;
    QSlider* threshold_;
    QProgressBar* progress_;
    QToolButton* cancel_;
    QLabel* status_;
    QMenu* recentMenu_;
    QAction* gridAction_;
    QAction* regionAction_;
    StallMonitor* stall_;
    QString modelStatus_;
    bool screenshotsTaken_ = false;
};

}  // namespace synthscope::ui
