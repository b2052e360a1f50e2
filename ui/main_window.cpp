#include "ui/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSlider>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QThreadPool>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/file_collector.h"
#include "engine/thread_priority.h"
#include "report/verdict_summary.h"
#include "report/verdict_words.h"
#include "ui/about_dialog.h"
#include "ui/fingerprint_gallery.h"
#include "ui/forensics_panel.h"
#include "ui/forensics_report.h"
#include "ui/heatmap_image_export.h"
#include "ui/heatmap_legend.h"
#include "ui/average_spectrum_dialog.h"
#include "ui/batch_dialog.h"
#include "ui/case_browser.h"
#include "ui/image_canvas.h"
#include "ui/image_conversion.h"
#include "ui/model_manager_dialog.h"
#include "ui/pasted_image.h"
#include "ui/report_export.h"
#include "ui/settings_dialog.h"
#include "ui/stall_monitor.h"
#include "ui/teaching_panel.h"
#include "ui/verdict_panel.h"

namespace synthscope::ui {

// One open image: its tab's canvas, the engine job that works on it, and what is known so far.
struct MainWindow::Document {
    QString path;
    ImageCanvas* canvas = nullptr;
    quint64 job = 0;
    bool running = false;
    int progressDone = 0, progressTotal = 0;
    int jpegQuality = 0;     // 0: the original file
    std::optional<ImageRegion> region;  // set for a region of the file (Analyse Selected Region, --region)
    ImagePtr original;       // decoded file (or region), kept for teaching mode, regions and heatmap export
    ResultPtr result;
    ForensicsPtr forensics;  // of the image shown (the re-encoded one in teaching mode)
    bool forensicsPending = false;
    quint64 forensicsGeneration = 0;  // ForensicsRunner::generation() its forensics was last started in
    QString error;           // why its analysis failed, or that it was cancelled
    bool cancelled = false;  // error says it was cancelled: not a failure
    bool checkQueued = false;        // the job was queued with the robustness check on
    bool robustnessPending = false;  // the check runs after the result; its report then joins the result
};

namespace {

// JPEG re-encoding of an image in memory, for teaching mode (runs on a pool thread).
ImagePtr reencode(const ImagePtr& original, int quality) {
    cv::Mat bgr;
    cv::cvtColor(original->rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> bytes;
    cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
    LoadOptions own;
    own.ownEncoding = true;
    LoadedImage copy = decodeImage(std::move(bytes), original->path + " (JPEG q" + std::to_string(quality) + ")", own);
    copy.region = original->region;  // a region's copy is still of that region (the verdict panel says so)
    return std::make_shared<const LoadedImage>(std::move(copy));
}

}  // namespace

MainWindow::MainWindow(AutomationOptions automation, QWidget* parent)
    : QMainWindow(parent), automation_(std::move(automation)), settings_(UserSettings::load()) {
    setWindowTitle("SynthScope");
    setWindowIcon(QIcon(":/synthscope/icons/synthscope.svg"));
    setAcceptDrops(true);
    resize(1560, 940);

    stall_ = new StallMonitor(this);
    heatmapExporter_ = new HeatmapImageExporter(this);
    connect(heatmapExporter_, &HeatmapImageExporter::finished, this, [this](const QString& path, const QString& error) {
        if (error.isEmpty()) statusBar()->showMessage(tr("Heatmap image written: %1").arg(path), 8000);
        else statusBar()->showMessage(tr("The heatmap image %1 could not be written: %2").arg(path, error), 15000);
        emit heatmapImageWritten(path, error);
    });
    pasted_ = new PastedImageSaver(PastedImageSaver::defaultFolder(), this);
    connect(pasted_, &PastedImageSaver::saved, this, [this](const QString& path, const QString& error) {
        if (!error.isEmpty()) {
            statusBar()->showMessage(tr("The pasted image could not be saved: %1").arg(error), 15000);
            return;
        }
        openFiles({path});
        statusBar()->showMessage(tr("Pasted image saved as %1: the pixels as the clipboard held them, without the original "
                                    "file's metadata or JPEG history, perhaps scaled. Open the file itself when you have it.")
                                     .arg(path),
                                 15000);
    });

    tabs_ = new QTabWidget;
    tabs_->setTabsClosable(true);
    tabs_->setDocumentMode(true);
    setCentralWidget(tabs_);
    connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::showDocument);
    connect(tabs_, &QTabWidget::tabCloseRequested, this, &MainWindow::closeDocument);

    progress_ = new QProgressBar;
    progress_->setMaximumWidth(240);
    progress_->hide();
    cancel_ = new QToolButton;
    cancel_->setText(tr("Cancel"));
    cancel_->hide();
    status_ = new QLabel;
    statusBar()->addWidget(status_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancel_);
    connect(cancel_, &QToolButton::clicked, this, [this] {
        if (Document* d = currentDocument(); d && d->running) bridge_->cancel(d->job);
    });

    createDocks();
    createActions();
    applyPalette();

    bridge_ = std::make_unique<EngineBridge>();
    bridge_->setRobustnessCheck(settings_.robustnessCheck);
    bridge_->setHeatmapColours(settings_.colours());
    forensics_ = new ForensicsRunner(this);
    forensics_->setFingerprintLibrary(settings_.fingerprintLibrary);
    connect(bridge_.get(), &EngineBridge::modelLoaded, this, [this](const QString& name, const QString& device) {
        modelStatus_ = tr("Model %1 on %2").arg(name, device);
        updateStatus();
    });
    connect(bridge_.get(), &EngineBridge::modelFailed, this, [this](const QString& message) {
        modelStatus_ = tr("No model loaded");
        verdict_->setMessage(tr("The detector could not be loaded"));
        QMessageBox::warning(this, tr("Model"), message);
        updateStatus();
    });
    connect(bridge_.get(), &EngineBridge::imageLoaded, this, [this](quint64 job, const ImagePtr& image, const DisplayImage& display) {
        Document* d = documentForJob(job);
        if (!d) return;
        if (d->jpegQuality == 0) d->original = image;
        d->canvas->setImage(display);
        if (!d->region) updateRegionMarks(d->path);  // regions of it analysed before it was opened
        startForensics(*d, image);
    });
    connect(forensics_, &ForensicsRunner::ready, this, [this](quint64 job, const ForensicsPtr& report, quint64 generation) {
        Document* d = documentForJob(job);
        if (!d || generation < d->forensicsGeneration) return;  // compared with a library replaced since
        d->forensics = report;
        d->forensicsPending = false;
        if (d == currentDocument()) {
            forensicsPanel_->setReport(report);
            verdict_->setFingerprints(fingerprintsOf(*d));
        }
        maybeFinishAutomation();
    });
    connect(bridge_.get(), &EngineBridge::progress, this, [this](quint64 job, int done, int total) {
        if (Document* d = documentForJob(job)) {
            d->progressDone = done;
            d->progressTotal = total;
            if (d == currentDocument()) {
                verdict_->setProgress(done, total);
                updateStatus();
            }
        }
    });
    // The verdict panel changes with the verdict and at the end; the heatmap with every batch.
    auto showPartial = [this](quint64 job, const ResultPtr& r, const HeatmapPtr& heat, bool verdictChanged) {
        Document* d = documentForJob(job);
        if (!d) return;
        d->result = r;
        d->canvas->setResult(r, heat);
        if (verdictChanged && d == currentDocument()) verdict_->setResult(r);
    };
    connect(bridge_.get(), &EngineBridge::verdictReady, this,
            [showPartial](quint64 job, const ResultPtr& r, const HeatmapPtr& h) { showPartial(job, r, h, true); });
    connect(bridge_.get(), &EngineBridge::patchesReady, this,
            [showPartial](quint64 job, const ResultPtr& r, const HeatmapPtr& h) { showPartial(job, r, h, false); });
    auto finishDocument = [this](Document* d) {
        d->running = false;
        updateStatus();
        emit documentFinished(tabs_->indexOf(d->canvas));
        maybeFinishAutomation();
    };
    connect(bridge_.get(), &EngineBridge::finished, this, [this, showPartial, finishDocument](quint64 job, const ResultPtr& r, const HeatmapPtr& h) {
        showPartial(job, r, h, true);
        if (Document* d = documentForJob(job)) {
            // A result read from a case is not checked again: it shows the check stored with it, if any.
            d->robustnessPending = d->checkQueued && r->provenance.storedIn.empty();
            if (d == currentDocument()) {
                verdict_->setProgress(0, 0);
                verdict_->setRobustnessPending(d->robustnessPending);
            }
            if (!r->provenance.storedIn.empty())
                statusBar()->showMessage(tr("Result as stored in the case %1 (model %2). Re-analyse (F5) to run the current model.")
                                             .arg(QFileInfo(QFile::decodeName(r->provenance.storedIn.c_str())).fileName(),
                                                  QString::fromStdString(r->provenance.modelName)),
                                         15000);
            finishDocument(d);
            if (d->region) updateRegionMarks(d->path);
        }
    });
    connect(bridge_.get(), &EngineBridge::failed, this, [this, finishDocument](quint64 job, const QString& message) {
        Document* d = documentForJob(job);
        if (!d) return;
        d->error = message;
        d->cancelled = false;
        if (!d->canvas->hasImage()) {  // nothing was loaded to examine
            d->forensicsPending = false;
            d->canvas->setEmptyText(tr("This file could not be read (the verdict panel says why)."));
        }
        if (d == currentDocument()) {
            showErrorOf(*d);
            showForensicsOf(*d);
        }
        finishDocument(d);
    });
    connect(bridge_.get(), &EngineBridge::robustnessReady, this, [this](quint64 job, const RobustnessPtr& report) {
        Document* d = documentForJob(job);
        if (!d || !d->result) return;
        auto withCheck = std::make_shared<AnalysisResult>(*d->result);
        withCheck->robustness = *report;
        d->result = std::move(withCheck);
        d->robustnessPending = false;
        if (d == currentDocument()) {
            verdict_->setResult(d->result);
            verdict_->setRobustnessPending(false);
        }
        updateStatus();
        maybeFinishAutomation();
    });
    connect(bridge_.get(), &EngineBridge::addedToCase, this,
            [this](quint64, const QString& caseFile, const QString& error, int entries, int regions) {
                if (!error.isEmpty()) {
                    // Not exec(): the window keeps running (and a test or automation is not stopped by it).
                    auto* box = new QMessageBox(QMessageBox::Warning, tr("Add to case"),
                                                tr("Nothing was added to the case %1: %2").arg(caseFile, error), QMessageBox::Ok, this);
                    box->setAttribute(Qt::WA_DeleteOnClose);
                    box->open();
                } else {
                    const QString held = entries == 1 ? tr("1 result") : tr("%1 results").arg(entries);
                    statusBar()->showMessage(tr("Added to the case %1: it now holds %2").arg(caseFile, held) +
                                                 (regions > 0 ? tr(" (%1 for a region of a file)").arg(regions) : QString()),
                                             10000);
                    if (caseBrowser_ && caseBrowser_->caseFile() == caseFile) caseBrowser_->openCase(caseFile);  // show it there too
                }
                emit addedToCase(caseFile, error);
            });
    connect(bridge_.get(), &EngineBridge::cancelled, this, [this, finishDocument](quint64 job) {
        Document* d = documentForJob(job);
        if (!d) return;
        d->error = tr("Analysis cancelled");
        d->cancelled = true;
        if (d == currentDocument()) showErrorOf(*d);
        finishDocument(d);
    });
    loadModel();
    updateRecentMenu();
}

MainWindow::~MainWindow() {
    bridge_.reset();  // stops the engine thread before the documents go away
}

void MainWindow::createDocks() {
    auto* verdictDock = new QDockWidget(tr("Verdict"), this);
    verdictDock->setObjectName("verdict");
    auto* side = new QWidget;
    auto* sideLayout = new QVBoxLayout(side);
    verdict_ = new VerdictPanel;
    legend_ = new HeatmapLegend;
    legend_->setColours(settings_.colours());
    sideLayout->addWidget(verdict_, 1);
    sideLayout->addWidget(new QLabel(tr("<b>Heatmap</b>")));
    sideLayout->addWidget(legend_);
    verdictDock->setWidget(side);
    verdictDock->setMinimumWidth(380);
    addDockWidget(Qt::RightDockWidgetArea, verdictDock);

    auto* teachingDock = new QDockWidget(tr("Teaching"), this);
    teachingDock->setObjectName("teaching");
    teaching_ = new TeachingPanel;
    teachingDock->setWidget(teaching_);
    addDockWidget(Qt::RightDockWidgetArea, teachingDock);

    auto* forensicsDock = new QDockWidget(tr("Forensic signals"), this);
    forensicsDock->setObjectName("forensics");
    forensicsPanel_ = new ForensicsPanel;
    connect(forensicsPanel_, &ForensicsPanel::fingerprintGalleryRequested, this, &MainWindow::showFingerprintGallery);
    forensicsDock->setWidget(forensicsPanel_);
    // Verdict and forensic signals side by side, teaching mode behind the signals.
    splitDockWidget(verdictDock, forensicsDock, Qt::Horizontal);
    tabifyDockWidget(forensicsDock, teachingDock);
    forensicsDock->raise();
    forensicsDock->setMinimumWidth(360);
    connect(teaching_, &TeachingPanel::qualityChosen, this, [this](int q) {
        if (Document* d = currentDocument(); d && q != d->jpegQuality) analyzeWithQuality(*d, q);
    });
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open..."), this, &MainWindow::openDialog);
    open->setShortcut(QKeySequence::Open);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    QAction* close = file->addAction(tr("&Close Image"), this, [this] { closeDocument(tabs_->currentIndex()); });
    close->setShortcut(QKeySequence::Close);
    // Evidence report of the open image, written on a pool thread (report_export.h).
    auto* exporter = new ReportExporter(this);
    file->addAction(tr("Export &Report..."), this, [this, exporter] {
        Document* d = currentDocument();
        if (!hasFinishedResultOfTheFile(d) || exporter->busy()) {
            statusBar()->showMessage(tr("Export report: open an image and wait for its analysis (and robustness check) to "
                                        "finish (the original, not a teaching-mode copy)"), 8000);
            return;
        }
        const QString path = QFileDialog::getSaveFileName(this, tr("Export report"),
                                                          outputStem(*d) + ".report.pdf",
                                                          tr("PDF (*.pdf);;HTML (*.html)"));
        if (path.isEmpty()) return;
        statusBar()->showMessage(tr("Writing the report %1...").arg(path));
        exporter->start(d->result, path, settings_.colours(), settings_.fingerprintLibrary);
    })->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exporter, &ReportExporter::finished, this, [this](const QString& path, const QString& error, const QString& sha256) {
        if (error.isEmpty()) statusBar()->showMessage(tr("Report written: %1 (SHA-256 %2)").arg(path, sha256), 30000);
        else QMessageBox::warning(this, tr("Export report"), tr("The report %1 could not be written: %2").arg(path, error));
    });
    file->addAction(tr("Export &Heatmap Image..."), this, [this] {
        Document* d = currentDocument();
        if (!d || !d->result || !d->result->verdict.ready || !d->original || d->jpegQuality != 0) {
            statusBar()->showMessage(tr("Export heatmap image: open an image and wait for its verdict (the original, not a "
                                        "teaching-mode copy)"), 8000);
            return;
        }
        const QString path = QFileDialog::getSaveFileName(this, tr("Export heatmap image"),
                                                          outputStem(*d) + ".heatmap.png",
                                                          tr("PNG (*.png);;JPEG (*.jpg)"));
        if (!path.isEmpty()) exportHeatmapImage(path);
    });
    // A folder into a case on the dialog's own worker thread (batch_dialog.h); modeless, so the
    // workstation stays usable while it runs.
    file->addAction(tr("Analyse Folder into &Case..."), this, [this] {
        if (!batchDialog_) batchDialog_ = new BatchDialog(this);
        batchDialog_->show();
        batchDialog_->raise();
    })->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B));
    // The open tab's result kept in a case beside batch results, e.g. a region an investigator checked.
    file->addAction(tr("A&dd to Case..."), this, &MainWindow::chooseCaseAndAdd);
    // A stored case (from the dialog above or `synthscope batch`), browsed and reported on (case_browser.h).
    file->addAction(tr("Open C&ase..."), this, [this] {
        CaseBrowser* browser = shownCaseBrowser();
        if (browser->caseFile().isEmpty()) browser->chooseCase();
    })->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    // A focused text field keeps Ctrl+V and Ctrl+C for itself (it claims the shortcut first).
    edit->addAction(tr("&Paste Image"), this, &MainWindow::pasteFromClipboard)->setShortcut(QKeySequence::Paste);
    edit->addAction(tr("&Copy Verdict Summary"), this, &MainWindow::copyVerdictSummary)->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* fit = view->addAction(style()->standardIcon(QStyle::SP_TitleBarMaxButton), tr("&Fit to Window"), this, [this] {
        if (ImageCanvas* c = currentCanvas()) c->fitToWindow();
    });
    fit->setShortcut(Qt::CTRL | Qt::Key_0);
    QAction* actual = view->addAction(tr("&Actual Size (1:1)"), this, [this] {
        if (ImageCanvas* c = currentCanvas()) c->actualSize();
    });
    actual->setShortcut(Qt::CTRL | Qt::Key_1);
    view->addAction(tr("Zoom &In"), this, [this] { if (ImageCanvas* c = currentCanvas()) c->zoomBy(1.25); })->setShortcut(QKeySequence::ZoomIn);
    view->addAction(tr("Zoom &Out"), this, [this] { if (ImageCanvas* c = currentCanvas()) c->zoomBy(0.8); })->setShortcut(QKeySequence::ZoomOut);
    gridAction_ = view->addAction(tr("Show Patch &Grid"));
    gridAction_->setCheckable(true);
    gridAction_->setShortcut(Qt::Key_G);
    connect(gridAction_, &QAction::toggled, this, [this](bool on) {
        for (auto& d : documents_) d->canvas->setShowGrid(on);
    });
    // Turbo spreads the probabilities over many hues; cividis is for red-green colour blindness and grey
    // printouts (engine/heatmap.h). The choice recolours every open heatmap, the legend and what is exported.
    QMenu* colours = view->addMenu(tr("Heatmap &Colours"));
    auto* colourGroup = new QActionGroup(colours);
    for (const auto& [choice, label] : {std::pair{HeatmapColours::Turbo, tr("&Turbo (blue to red)")},
                                        std::pair{HeatmapColours::Cividis, tr("&Cividis (dark blue to yellow: colour-blind safe, prints in grey)")}}) {
        QAction* a = colours->addAction(label);
        a->setCheckable(true);
        a->setChecked(settings_.colours() == choice);
        colourGroup->addAction(a);
        connect(a, &QAction::triggered, this, [this, choice = choice] { setHeatmapColours(choice); });
    }
    QAction* dark = view->addAction(tr("&Dark Palette"));
    dark->setCheckable(true);
    dark->setChecked(settings_.darkPalette);
    connect(dark, &QAction::toggled, this, [this](bool on) {
        settings_.darkPalette = on;
        settings_.save();
        applyPalette();
    });

    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    QAction* rerun = analysis->addAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("&Re-analyse"), this, [this] {
        if (Document* d = currentDocument()) analyzeWithQuality(*d, d->jpegQuality);
    });
    rerun->setShortcut(QKeySequence::Refresh);
    QAction* cancel = analysis->addAction(style()->standardIcon(QStyle::SP_BrowserStop), tr("&Cancel"), this, [this] {
        if (Document* d = currentDocument(); d && d->running) bridge_->cancel(d->job);
    });
    cancel->setShortcut(Qt::Key_Escape);
    // A part of the picture on its own (image_region.h), e.g. a face that may have been pasted in.
    regionAction_ = analysis->addAction(tr("Analyse Selected &Region"), this, &MainWindow::analyzeSelectedRegion);
    regionAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    regionAction_->setEnabled(false);  // until a part of the image shown is selected
    regionAction_->setToolTip(tr("Shift+drag over the image to select a part, then analyse that part alone in a new tab: the "
                                "verdict then rests on patches inside it only"));
    // Opt-in: it separates errors from right answers only a little better than chance (README).
    QAction* robustness = analysis->addAction(tr("Robustness C&heck (JPEG and Rescaled Copies)"));
    robustness->setCheckable(true);
    robustness->setChecked(settings_.robustnessCheck);
    robustness->setToolTip(tr("After each analysis, also analyse JPEG 90, JPEG 65 and 0.75-rescaled copies and say "
                              "\"inconclusive\" when their verdicts disagree. Applies to images analysed from now on."));
    connect(robustness, &QAction::toggled, this, [this](bool on) {
        settings_.robustnessCheck = on;
        settings_.save();
        bridge_->setRobustnessCheck(on);
    });
    analysis->addSeparator();
    // A folder's averaged residual spectrum (a generator's fingerprint) on the dialog's own worker thread.
    analysis->addAction(tr("Average S&pectrum of Folder..."), this, [this] {
        if (!spectrumDialog_) spectrumDialog_ = new AverageSpectrumDialog(this);
        spectrumDialog_->show();
        spectrumDialog_->raise();
        spectrumDialog_->activateWindow();
    });
    analysis->addAction(tr("Generator &Fingerprints..."), this, &MainWindow::showFingerprintGallery);
    analysis->addAction(tr("&Models..."), this, &MainWindow::showModels);
    analysis->addAction(tr("&Settings..."), this, &MainWindow::showSettings)->setShortcut(QKeySequence::Preferences);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About SynthScope"), this, [this] { AboutDialog(catalog_, this).exec(); });

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName("main");
    bar->addAction(open);
    bar->addSeparator();
    bar->addAction(fit);
    bar->addAction(gridAction_);
    bar->addAction(rerun);
    bar->addAction(cancel);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Heatmap opacity ")));
    opacity_ = new QSlider(Qt::Horizontal);
    opacity_->setRange(0, 100);
    opacity_->setValue(45);
    opacity_->setMaximumWidth(140);
    bar->addWidget(opacity_);
    bar->addWidget(new QLabel(tr("  Show patches above ")));
    threshold_ = new QSlider(Qt::Horizontal);
    threshold_->setRange(0, 100);
    threshold_->setValue(0);
    threshold_->setMaximumWidth(140);
    threshold_->setToolTip(tr("Hide the heatmap where the synthetic probability is below this"));
    bar->addWidget(threshold_);
    connect(opacity_, &QSlider::valueChanged, this, [this](int v) {
        for (auto& d : documents_) d->canvas->setOverlayOpacity(v / 100.0);
    });
    connect(threshold_, &QSlider::valueChanged, this, [this](int v) {
        legend_->setThreshold(v / 100.0);
        for (auto& d : documents_) d->canvas->setThreshold(v / 100.0);
    });
}

FingerprintGalleryDialog* MainWindow::showFingerprintGallery() {
    if (!fingerprintGallery_) {
        fingerprintGallery_ = new FingerprintGalleryDialog(this);
        fingerprintGallery_->setLibraryInUse(settings_.fingerprintLibrary);
        fingerprintGallery_->showLibrary(settings_.fingerprintLibrary);
        connect(fingerprintGallery_, &FingerprintGalleryDialog::libraryChosen, this, &MainWindow::setFingerprintLibrary);
    }
    fingerprintGallery_->show();
    fingerprintGallery_->raise();
    fingerprintGallery_->activateWindow();
    return fingerprintGallery_;
}

void MainWindow::startForensics(Document& d, const ImagePtr& image) {
    d.forensics.reset();
    d.forensicsPending = true;
    if (&d == currentDocument()) {
        forensicsPanel_->setReport(nullptr);
        verdict_->setFingerprints(nullptr);
    }
    d.forensicsGeneration = forensics_->generation();  // a report of an earlier generation is dropped
    forensics_->start(d.job, image);
}

void MainWindow::setFingerprintLibrary(const QString& folder) {
    settings_.fingerprintLibrary = folder;
    settings_.save();
    forensics_->setFingerprintLibrary(folder);
    if (fingerprintGallery_) fingerprintGallery_->setLibraryInUse(folder);
    // Compare every open image again (the whole forensic report: its parts are computed together). A
    // teaching-mode copy keeps its report until its quality changes.
    for (auto& d : documents_)
        if (d->original && d->jpegQuality == 0 && d->job != 0) startForensics(*d, d->original);
    statusBar()->showMessage(folder.isEmpty() ? tr("Images are compared with the installed fingerprint library")
                                              : tr("Images are compared with the fingerprint library %1").arg(folder), 8000);
}

void MainWindow::setHeatmapColours(HeatmapColours colours) {
    settings_.heatmapColours = heatmapColoursName(colours);
    settings_.save();
    bridge_->setHeatmapColours(colours);
    legend_->setColours(colours);
    for (auto& d : documents_) d->canvas->setHeatmapColours(colours);
}

void MainWindow::applyPalette() {
    QApplication::setStyle("Fusion");
    QPalette p = QApplication::style()->standardPalette();
    if (settings_.darkPalette) {
        p.setColor(QPalette::Window, QColor(45, 45, 48));
        p.setColor(QPalette::WindowText, QColor(230, 230, 230));
        p.setColor(QPalette::Base, QColor(30, 30, 32));
        p.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
        p.setColor(QPalette::Text, QColor(230, 230, 230));
        p.setColor(QPalette::Button, QColor(55, 55, 58));
        p.setColor(QPalette::ButtonText, QColor(230, 230, 230));
        p.setColor(QPalette::Highlight, QColor(70, 130, 200));
        p.setColor(QPalette::Dark, QColor(20, 20, 22));
        p.setColor(QPalette::ToolTipBase, QColor(55, 55, 58));
        p.setColor(QPalette::ToolTipText, QColor(230, 230, 230));
    } else {
        p.setColor(QPalette::Dark, QColor(70, 70, 74));
    }
    QApplication::setPalette(p);
}

void MainWindow::loadModel() {
    catalog_ = scanModels(modelSearchPaths());
    try {
        const QString model = automation_.model.isEmpty() ? settings_.model : automation_.model;
        const ModelManifest manifest = resolveModel(QFile::encodeName(model).toStdString(), catalog_);
        modelStatus_ = tr("Loading model %1...").arg(QString::fromStdString(manifest.name));
        bridge_->loadModel(manifest, settings_.detectorOptions());
    } catch (const std::exception& e) {
        modelStatus_ = tr("No model");
        verdict_->setMessage(QString::fromStdString(e.what()));
    }
    updateStatus();
}

void MainWindow::openDialog() {
    const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Open images"), settings_.recentFiles.value(0),
                                                            tr("Images (*.jpg *.jpeg *.png *.webp *.tif *.tiff *.bmp *.heic *.heif *.avif);;All files (*)"));
    openFiles(paths);
}

void MainWindow::openFiles(const QStringList& paths) {
    if (automation_.measureStall && stall_->ticks() == 0) stall_->start();
    std::vector<std::string> inputs;
    for (const QString& p : paths) inputs.push_back(QFile::encodeName(p).toStdString());
    const CollectedFiles files = collectImageFiles(inputs);  // folders open every image inside
    for (const std::string& e : files.errors) statusBar()->showMessage(QString::fromStdString(e), 8000);
    for (const std::string& file : files.images) analyze(addDocument(QFile::decodeName(file.c_str())));
    settings_.save();
    updateRecentMenu();
}

void MainWindow::openStoredResult(const QString& path, const QString& caseFile, const CacheKey& key, const QRect& region) {
    std::optional<ImageRegion> part;
    if (!region.isEmpty()) part = ImageRegion{region.x(), region.y(), region.width(), region.height()};
    Document& d = addDocument(path, part);
    startJob(d, bridge_->openStored(path, caseFile, key, settings_.analysisSettings(), part), tr("Opening the case's result..."));
    settings_.save();
    updateRecentMenu();
}

MainWindow::Document& MainWindow::addDocument(const QString& path, std::optional<ImageRegion> region) {
    auto doc = std::make_unique<Document>();
    doc->path = path;
    doc->region = region;
    doc->canvas = new ImageCanvas;
    doc->canvas->setHeatmapColours(settings_.colours());
    doc->canvas->setOverlayOpacity(opacity_->value() / 100.0);
    doc->canvas->setThreshold(threshold_->value() / 100.0);
    doc->canvas->setShowGrid(gridAction_->isChecked());
    connect(doc->canvas, &ImageCanvas::patchHovered, this, [this](int index) { verdict_->showPatch(index); });
    // Right-click: the selection's actions (what else the canvas does is in the menus and the toolbar).
    doc->canvas->setContextMenuPolicy(Qt::ActionsContextMenu);
    doc->canvas->addAction(regionAction_);
    QAction* clearSelection = new QAction(tr("Clear Selection"), doc->canvas);
    connect(clearSelection, &QAction::triggered, doc->canvas, [canvas = doc->canvas] { canvas->setSelection({}); });
    doc->canvas->addAction(clearSelection);
    connect(doc->canvas, &ImageCanvas::selectionChanged, this, [this](const QRect& r) {
        updateRegionAction();
        if (r.isEmpty()) return;
        statusBar()->showMessage(
            r.width() < kMinRegionSide || r.height() < kMinRegionSide
                ? tr("Selected %1 x %2 px: too small to analyse alone (at least %3 x %3)").arg(r.width()).arg(r.height()).arg(kMinRegionSide)
                : tr("Selected %1 x %2 px at (%3, %4): Analysis > Analyse Selected Region (Ctrl+Shift+R) analyses it alone in a new tab")
                      .arg(r.width()).arg(r.height()).arg(r.x()).arg(r.y()),
            15000);
    });
    Document& d = *doc;
    documents_.push_back(std::move(doc));
    QString title = QFileInfo(d.path).fileName(), tip = d.path;
    if (d.region) {
        const ImageRegion& g = *d.region;
        title += " [" + QString::fromStdString(g.brief()) + "]";
        tip += "\n" + QString::fromStdString(g.describe());
    }
    const int index = tabs_->addTab(d.canvas, title);
    tabs_->setTabToolTip(index, tip);
    settings_.addRecentFile(d.path);
    tabs_->setCurrentIndex(index);
    return d;
}

void MainWindow::analyze(Document& d) {
    if (d.running || d.robustnessPending) bridge_->cancel(d.job);  // its late events are ignored: they carry the old job id
    // A region is cropped from the file as read again: the result names the file's bytes as they are now.
    startJob(d, bridge_->analyzeFile(d.path, settings_.analysisSettings(), d.region), d.region ? tr("Analysing the region...") : tr("Analysing..."));
}

void MainWindow::analyzeSelectedRegion() {
    Document* d = currentDocument();
    if (!d || !d->original || d->jpegQuality != 0) {
        statusBar()->showMessage(tr("Analyse selected region: open an image, wait until it is shown (the original, not a "
                                    "teaching-mode copy) and Shift+drag over it"), 8000);
        return;
    }
    const QRect r = d->canvas->selection();
    if (r.isEmpty()) {
        statusBar()->showMessage(tr("Analyse selected region: first Shift+drag over the image to select the part to analyse"), 8000);
        return;
    }
    try {
        // Checked here, copied nowhere: the engine reads the file again and crops it on its own thread.
        const ImageRegion region = regionWithin(*d->original, {r.x(), r.y(), r.width(), r.height()});
        d->canvas->setSelection({});
        openRegion(d->path, region);
    } catch (const std::exception& e) {
        statusBar()->showMessage(QString::fromStdString(e.what()), 15000);
    }
}

// The whole picture's tabs outline every region of it analysed in an open tab, with that region's verdict.
void MainWindow::updateRegionMarks(const QString& path) {
    std::vector<RegionMark> marks;
    for (const auto& doc : documents_) {
        if (doc->path != path || !doc->region || !doc->result || !doc->result->verdict.ready || doc->jpegQuality != 0) continue;
        const ImageRegion& g = *doc->region;
        const report::VerdictWords words = report::verdictWords(doc->result->verdict.label);
        QString label = QString("%1 (synthetic %2%)").arg(words.words).arg(qRound(doc->result->verdict.syntheticProbability * 100));
        if (doc->result->controls)  // how it compares with the rest of the picture, seen from the whole picture too
            label += "; " + QString::fromStdString(doc->result->controls->summary(doc->result->verdict));
        marks.push_back({QRect(g.x, g.y, g.width, g.height), label, QColor(words.colour)});
        if (const std::optional<RegionControls>& controls = doc->result->controls) {
            auto dashed = [&](const ControlPart& c, const QString& what) {
                marks.push_back({QRect(c.region.x, c.region.y, c.region.width, c.region.height),
                                 what.arg(QString::fromStdString(g.brief())).arg(qRound(c.syntheticProbability * 100)),
                                 QColor(report::verdictWords(c.label).colour), true});
            };
            for (const ControlPart& c : controls->parts) dashed(c, tr("control of %1: synthetic %2%"));
            for (const ControlPart& c : controls->inside)  // compared at a smaller size: only its own parts that are flagged
                if (c.label == VerdictLabel::Synthetic) dashed(c, tr("part of %1: synthetic %2%"));
        }
    }
    for (const auto& doc : documents_)
        if (doc->path == path && !doc->region) doc->canvas->setRegionMarks(marks);
}

void MainWindow::openRegion(const QString& path, const ImageRegion& region) {
    analyze(addDocument(path, region));
    settings_.save();
    updateRecentMenu();
}

void MainWindow::startJob(Document& d, quint64 job, const QString& message) {
    d.error.clear();
    d.cancelled = false;
    d.result.reset();
    d.running = true;
    d.progressDone = d.progressTotal = 0;
    d.job = job;
    d.checkQueued = settings_.robustnessCheck;
    d.robustnessPending = false;
    d.forensicsPending = true;
    if (!d.canvas->hasImage()) d.canvas->setEmptyText(tr("Reading the file..."));
    if (&d == currentDocument()) verdict_->setMessage(message);
    updateStatus();
}

void MainWindow::analyzeWithQuality(Document& d, int quality) {
    d.jpegQuality = quality;
    if (quality == 0 || !d.original) {
        d.jpegQuality = 0;
        analyze(d);
        return;
    }
    if (d.running || d.robustnessPending) bridge_->cancel(d.job);
    d.job = 0;  // until the re-encoded image is queued
    d.running = true;
    d.robustnessPending = false;
    d.error.clear();
    d.cancelled = false;
    verdict_->setMessage(tr("Re-encoding at JPEG quality %1...").arg(quality));
    // Encoding a large image takes a while: do it on a pool thread, then queue the analysis from here.
    QThreadPool::globalInstance()->start([this, original = d.original, quality, canvas = d.canvas] {
        lowerCurrentThreadPriority();  // below the GUI thread, like the engine's (thread_priority.h)
        ImagePtr encoded = reencode(original, quality);
        QMetaObject::invokeMethod(this, [this, encoded, quality, canvas] {
            for (auto& doc : documents_) {
                if (doc->canvas != canvas || doc->jpegQuality != quality) continue;  // closed or changed meanwhile
                doc->job = bridge_->analyzeImage(encoded, settings_.analysisSettings());
                doc->checkQueued = settings_.robustnessCheck;
                doc->robustnessPending = false;
            }
        }, Qt::QueuedConnection);
    });
}

bool MainWindow::hasFinishedResultOfTheFile(const Document* d) {
    return d && d->result && !d->running && !d->robustnessPending && d->jpegQuality == 0;
}

QString MainWindow::outputStem(const Document& d) {
    const QString stem = QFileInfo(d.path).completeBaseName();
    return d.region ? stem + "." + QString::fromStdString(d.region->fileSuffix()) : stem;
}

const FingerprintAttribution* MainWindow::fingerprintsOf(const Document& d) {
    return d.forensics && d.forensics->fingerprintError.isEmpty() ? &d.forensics->fingerprints : nullptr;
}

MainWindow::Document* MainWindow::documentForJob(quint64 job) {
    for (auto& d : documents_)
        if (d->job == job && job != 0) return d.get();
    return nullptr;
}

MainWindow::Document* MainWindow::currentDocument() const {
    QWidget* w = tabs_->currentWidget();
    for (const auto& d : documents_)
        if (d->canvas == w) return d.get();
    return nullptr;
}

ImageCanvas* MainWindow::currentCanvas() const {
    Document* d = currentDocument();
    return d ? d->canvas : nullptr;
}

ResultPtr MainWindow::currentResult() const {
    Document* d = currentDocument();
    return d ? d->result : nullptr;
}

bool MainWindow::allDone() const {
    for (const auto& d : documents_)
        if (d->running || d->robustnessPending || d->forensicsPending) return false;
    return !caseBrowser_ || !caseBrowser_->loading();
}

void MainWindow::chooseCaseAndAdd() {
    if (!hasFinishedResultOfTheFile(currentDocument())) {
        addCurrentToCase({});  // says why not
        return;
    }
    QString proposed = lastCaseFile_;
    if (caseBrowser_ && !caseBrowser_->caseFile().isEmpty()) proposed = caseBrowser_->caseFile();
    if (proposed.isEmpty()) proposed = QDir::home().filePath("case.sqlite");
    // An existing case is added to, never overwritten: no overwrite question.
    const QString file = QFileDialog::getSaveFileName(this, tr("Add to case (an existing case, or a new one)"), proposed,
                                                      tr("SynthScope case (*.sqlite)"), nullptr, QFileDialog::DontConfirmOverwrite);
    if (!file.isEmpty()) addCurrentToCase(file);
}

bool MainWindow::addCurrentToCase(const QString& caseFile) {
    const Document* d = currentDocument();
    if (!hasFinishedResultOfTheFile(d) || caseFile.isEmpty()) {
        statusBar()->showMessage(tr("Add to case: open an image and wait for its analysis (and robustness check) to finish "
                                    "(the original, not a teaching-mode copy)"), 8000);
        return false;
    }
    lastCaseFile_ = caseFile;
    bridge_->addToCase(caseFile, d->result, settings_.analysisSettings());
    statusBar()->showMessage(tr("Adding %1 to the case %2...").arg(tabs_->tabText(tabs_->currentIndex()), caseFile));
    return true;
}

CaseBrowser* MainWindow::shownCaseBrowser() {
    if (!caseBrowser_) {
        caseBrowser_ = new CaseBrowser(this);
        connect(caseBrowser_, &CaseBrowser::openImageRequested, this, [this](const QString& path) { openFiles({path}); });
        connect(caseBrowser_, &CaseBrowser::openStoredResultRequested, this, &MainWindow::openStoredResult);
        connect(caseBrowser_, &CaseBrowser::reportWritten, this, [this](const QString& path, const QString& error) {
            if (error.isEmpty()) statusBar()->showMessage(tr("Case report written: %1").arg(path), 8000);
            else QMessageBox::warning(this, tr("Export case report"), tr("The report %1 could not be written: %2").arg(path, error));
        });
        connect(caseBrowser_, &CaseBrowser::caseLoaded, this, &MainWindow::maybeFinishAutomation);
        connect(caseBrowser_, &CaseBrowser::caseFailed, this, &MainWindow::maybeFinishAutomation);
    }
    caseBrowser_->show();
    caseBrowser_->raise();
    return caseBrowser_;
}

void MainWindow::openCase(const QString& file) { shownCaseBrowser()->openCase(file); }

void MainWindow::maybeFinishAutomation() {
    if (allDone() && (automation_.quitWhenDone || !automation_.screenshotDir.isEmpty()))
        QTimer::singleShot(300, this, &MainWindow::takeScreenshotsAndMaybeQuit);  // let the last paint land
}

// Analyse Selected Region is offered while the image shown has a selection.
void MainWindow::updateRegionAction() {
    const ImageCanvas* canvas = currentCanvas();
    regionAction_->setEnabled(canvas && !canvas->selection().isEmpty());
}

void MainWindow::showDocument(int) {
    updateRegionAction();
    Document* d = currentDocument();
    if (!d) {
        verdict_->setMessage(tr("No image open"));
    } else if (!d->error.isEmpty()) {
        showErrorOf(*d);
    } else {
        verdict_->setFingerprints(fingerprintsOf(*d));
        verdict_->setResult(d->result);
        verdict_->setRobustnessPending(d->robustnessPending);
        verdict_->setProgress(d->running ? d->progressDone : 0, d->running ? d->progressTotal : 0);
    }
    if (d) showForensicsOf(*d);
    else forensicsPanel_->setReport(nullptr);
    updateStatus();
}

void MainWindow::showErrorOf(const Document& d) {
    if (d.cancelled) verdict_->setMessage(d.error);
    else verdict_->setFailure(d.error);
}

void MainWindow::showForensicsOf(const Document& d) {
    if (!d.forensics && !d.forensicsPending) forensicsPanel_->setUnavailable(tr("Nothing to examine: the image could not be read."));
    else forensicsPanel_->setReport(d.forensics);
}

void MainWindow::closeDocument(int index) {
    QWidget* w = tabs_->widget(index);
    if (!w) return;
    for (auto it = documents_.begin(); it != documents_.end(); ++it) {
        if ((*it)->canvas != w) continue;
        if ((*it)->running || (*it)->robustnessPending) bridge_->cancel((*it)->job);
        const QString path = (*it)->path;
        const bool region = (*it)->region.has_value();
        tabs_->removeTab(index);
        w->deleteLater();
        documents_.erase(it);
        if (region) updateRegionMarks(path);
        break;
    }
    showDocument(tabs_->currentIndex());
}

void MainWindow::updateRecentMenu() {
    recentMenu_->clear();
    for (const QString& path : settings_.recentFiles)
        recentMenu_->addAction(path, this, [this, path] { openFiles({path}); });
    recentMenu_->setEnabled(!settings_.recentFiles.isEmpty());
}

void MainWindow::updateStatus() {
    Document* d = currentDocument();
    const bool running = d && d->running;
    progress_->setVisible(running);
    cancel_->setVisible(running);
    if (running) {
        progress_->setMaximum(std::max(1, d->progressTotal));
        progress_->setValue(d->progressDone);
    }
    int busy = 0;
    for (const auto& doc : documents_) busy += doc->running;
    status_->setText(busy > 0 ? tr("%1  |  analysing %2 image(s)").arg(modelStatus_).arg(busy) : modelStatus_);
}

void MainWindow::showSettings() {
    SettingsDialog dialog(settings_, this);
    if (dialog.exec() != QDialog::Accepted) return;
    settings_ = dialog.settings();
    settings_.save();
    loadModel();
}

void MainWindow::showModels() {
    catalog_ = scanModels(modelSearchPaths());
    ModelManagerDialog dialog(catalog_, settings_.model, this);
    if (dialog.exec() != QDialog::Accepted) return;
    settings_.model = dialog.chosenModel();
    settings_.save();
    loadModel();
}

void MainWindow::pasteFromClipboard() {
    if (const QMimeData* mime = QApplication::clipboard()->mimeData()) openPasted(*mime);
    else statusBar()->showMessage(tr("The clipboard is empty"), 8000);
}

bool MainWindow::exportHeatmapImage(const QString& path) {
    Document* d = currentDocument();
    if (!d || !d->result || !d->result->verdict.ready || !d->original || d->jpegQuality != 0 || heatmapExporter_->busy()) return false;
    statusBar()->showMessage(tr("Writing the heatmap image %1...").arg(path));
    heatmapExporter_->start(d->original, d->result, opacity_->value() / 100.0, threshold_->value() / 100.0, settings_.colours(), path);
    return true;
}

void MainWindow::copyVerdictSummary() {
    const ResultPtr result = currentResult();
    if (!result || !result->verdict.ready) {
        statusBar()->showMessage(tr("Copy verdict summary: open an image and wait for its verdict"), 8000);
        return;
    }
    QApplication::clipboard()->setText(report::verdictSummary(*result));
    statusBar()->showMessage(tr("The verdict summary of %1 is on the clipboard").arg(QFileInfo(QString::fromStdString(result->image.path)).fileName()),
                             8000);
}

void MainWindow::openPasted(const QMimeData& mime) {
    const PastedContent content = pastedContent(mime);
    if (!content.files.isEmpty()) {
        openFiles(content.files);
    } else if (!content.image.isNull()) {
        statusBar()->showMessage(tr("Saving the pasted image (%1 x %2)...").arg(content.image.width()).arg(content.image.height()));
        pasted_->save(content.image);
    } else {
        statusBar()->showMessage(tr("Nothing to open: what was pasted or dropped holds no image and names no local file"), 8000);
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls() || event->mimeData()->hasImage()) event->acceptProposedAction();
}

// A drop from a file manager opens its files; an image dragged from a web page is saved as a paste is.
void MainWindow::dropEvent(QDropEvent* event) { openPasted(*event->mimeData()); }

void MainWindow::closeEvent(QCloseEvent* event) {
    bridge_->cancelAll();
    if (automation_.measureStall)
        std::printf("event-loop stall: longest %.1f ms over %d timer ticks\n", stall_->longestStallMs(), stall_->ticks());
    event->accept();
}

void MainWindow::takeScreenshotsAndMaybeQuit() {
    stall_->stop();  // the analysis is over; grabbing screenshots below is not what a user waits for
    if (!automation_.screenshotDir.isEmpty() && !screenshotsTaken_) {
        screenshotsTaken_ = true;
        QDir().mkpath(automation_.screenshotDir);
        const QString dir = automation_.screenshotDir + "/";
        grab().save(dir + "main-window.png");
        const int shown = tabs_->currentIndex();
        auto shoot = [&](int imageTab, int forensicsTab, const QString& file) {
            tabs_->setCurrentIndex(imageTab);
            forensicsPanel_->setCurrentIndex(forensicsTab);
            QApplication::processEvents();
            grab().save(dir + file);
        };
        // JPEG history and metadata of the first image opened (the README's run opens a JPEG photo
        // first), fingerprints of the last (a generated image).
        shoot(0, 1, "forensics-jpeg.png");
        shoot(0, 2, "forensics-metadata.png");
        shoot(shown, 3, "forensics-fingerprints.png");
        forensicsPanel_->setCurrentIndex(0);
        tabs_->setCurrentIndex(shown);
        if (ImageCanvas* c = currentCanvas()) {
            gridAction_->setChecked(true);
            c->zoomBy(2.5);
            QApplication::processEvents();
            grab().save(dir + "patch-grid-zoomed.png");
            gridAction_->setChecked(false);
            c->fitToWindow();
        }
        if (caseBrowser_ && caseBrowser_->isVisible()) caseBrowser_->grab().save(dir + "case-browser.png");
        // What File > Export Heatmap Image writes for the image shown (here on this thread: the run is over).
        if (const Document* d = currentDocument(); d && d->result && d->original && d->jpegQuality == 0)
            heatmapImage(toQImage(d->original->rgb), *d->result, opacity_->value() / 100.0, threshold_->value() / 100.0, settings_.colours())
                .save(dir + "heatmap-image.png");
        // Analysis > Generator Fingerprints with the installed library (read here too: the run is over).
        FingerprintGalleryDialog gallery(this);
        gallery.setLibraryInUse(settings_.fingerprintLibrary);
        gallery.showGallery(loadFingerprintGallery(settings_.fingerprintLibrary));
        gallery.show();
        QApplication::processEvents();
        gallery.grab().save(dir + "fingerprint-gallery.png");
    }
    if (automation_.quitWhenDone) close();
}

}  // namespace synthscope::ui
