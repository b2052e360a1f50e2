// Widget tests, run offscreen (QT_QPA_PLATFORM=offscreen), one QTest class per component.
#include <algorithm>

#include <QAction>
#include <qcustomplot.h>
#include <QClipboard>
#include <QGuiApplication>
#include <QTreeWidget>
#include <QApplication>
#include <QMimeData>
#include <QStatusBar>
#include <QTabWidget>
#include <QUrl>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <cmath>

#include <opencv2/imgcodecs.hpp>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // Exiv2 0.27's std::auto_ptr
#include <exiv2/exiv2.hpp>

#include "engine/case_store.h"
#include "engine/fingerprint_match.h"
#include "engine/heatmap.h"
#include "engine/decoder_process.h"
#include "engine/image_analyzer.h"
#include "engine/model_manifest.h"
#include "ui/average_spectrum_dialog.h"
#include "ui/batch_dialog.h"
#include "ui/case_browser.h"
#include "ui/engine_bridge.h"
#include "ui/fingerprint_gallery.h"
#include <QRegularExpression>
#include "ui/fitted_image.h"
#include "ui/heatmap_legend.h"
#include "ui/forensics_panel.h"
#include "ui/heatmap_image_export.h"
#include "ui/image_canvas.h"
#include "ui/image_conversion.h"
#include "ui/main_window.h"
#include "ui/report_export.h"
#include "ui/teaching_panel.h"
#include "ui/settings_dialog.h"
#include "ui/user_settings.h"
#include "ui/verdict_panel.h"

using namespace synthscope;
using namespace synthscope::ui;

namespace {

const QString kModel = SYNTHSCOPE_TEST_DATA_DIR "/brightness_detector.json";

// A result with a 2x1 grid of 32-px patches: left synthetic 0.9, right 0.1.
ResultPtr twoPatchResult(VerdictLabel label, double p) {
    auto r = std::make_shared<AnalysisResult>();
    r->image.width = 64;
    r->image.height = 32;
    r->classNames = {"authentic", "synthetic"};
    for (int i = 0; i < 2; ++i) {
        PatchResult patch;
        patch.rect = cv::Rect(32 * i, 0, 32, 32);
        patch.synthetic = i == 0 ? 0.9 : 0.1;
        patch.probabilities = {float(1 - patch.synthetic), float(patch.synthetic)};
        patch.inTopK = i == 0;
        r->patches.push_back(patch);
    }
    r->verdict.ready = true;
    r->verdict.label = label;
    r->verdict.syntheticProbability = p;
    r->verdict.patchesUsed = 1;
    r->verdict.bandLow = 0.35;
    r->verdict.bandHigh = 0.65;
    r->verdict.classes = {{"synthetic", p}, {"authentic", 1 - p}};
    r->verdict.attribution = {{"synthetic", 1.0}};
    r->provenance.modelName = "fixture";
    return r;
}

// A bright JPEG that carries a camera's record (make, model, capture date), written with Exiv2.
void writeCameraJpeg(const QString& path) {
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", cv::Mat(64, 96, CV_8UC3, cv::Scalar(250, 250, 250)), jpeg);
    auto image = Exiv2::ImageFactory::open(jpeg.data(), long(jpeg.size()));
    image->readMetadata();
    image->exifData()["Exif.Image.Make"] = "Canon";
    image->exifData()["Exif.Image.Model"] = "Canon EOS R5";
    image->exifData()["Exif.Photo.DateTimeOriginal"] = "2023:03:18 11:05:42";
    image->writeMetadata();
    Exiv2::BasicIo& io = image->io();
    io.open();
    QByteArray bytes(int(io.size()), 0);
    io.seek(0, Exiv2::BasicIo::beg);
    io.read(reinterpret_cast<Exiv2::byte*>(bytes.data()), long(bytes.size()));
    io.close();
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
}

QString writeImage(const QTemporaryDir& dir, const QString& name, cv::Scalar bgr, int w = 96, int h = 64) {
    const QString path = dir.path() + "/" + name;
    cv::imwrite(path.toStdString(), cv::Mat(h, w, CV_8UC3, bgr));
    return path;
}

// photo.png, 160x128, dark with a bright 64x64 square at (96, 64): for the fixture model, the whole picture's
// verdict rests on dark patches (all equally flat, the first in grid order), the square's region on the square.
QString writeDarkWithBrightSquare(const QTemporaryDir& dir) {
    cv::Mat bgr(128, 160, CV_8UC3, cv::Scalar(5, 5, 5));
    bgr(cv::Rect(96, 64, 64, 64)).setTo(cv::Scalar(250, 250, 250));
    const QString path = dir.path() + "/photo.png";
    cv::imwrite(path.toStdString(), bgr);
    return path;
}

// The main window with the fixture model and the dark picture with a bright square opened (its analysis
// running: a test waits for `done`).
struct WindowOnDarkPicture {
    QTemporaryDir dir;
    QString path = writeDarkWithBrightSquare(dir);
    MainWindow window{fixtureAutomation()};
    QSignalSpy done{&window, &MainWindow::documentFinished};
    WindowOnDarkPicture() {
        window.show();
        window.openFiles({path});
    }
    static AutomationOptions fixtureAutomation() {
        AutomationOptions automation;
        automation.model = kModel;
        return automation;
    }
};

// The outlines of analysed regions on a canvas, without their control parts.
std::vector<RegionMark> outlines(const ImageCanvas* canvas) {
    std::vector<RegionMark> out;
    for (const RegionMark& m : canvas->regionMarks())
        if (!m.control) out.push_back(m);
    return out;
}

}  // namespace

class GuiTest : public QObject {
    Q_OBJECT
private slots:
    void fingerprintGalleryShowsEveryFingerprintOfALibrary() {
        const QDir shipped(SYNTHSCOPE_MODELS_DIR "/fingerprints");
        const int npy = shipped.entryList({"*.npy"}, QDir::Files).size();
        QVERIFY(npy >= 8);
        // The cards themselves: every fingerprint, drawn, with what it was made from.
        const FingerprintGallery gallery = loadFingerprintGallery(shipped.absolutePath());
        QCOMPARE(int(gallery.cards.size()), npy);
        QVERIFY2(gallery.error.isEmpty(), qPrintable(gallery.error));
        const auto ldm = std::find_if(gallery.cards.begin(), gallery.cards.end(), [](const FingerprintCard& c) { return c.name == "ldm"; });
        QVERIFY(ldm != gallery.cards.end());
        QVERIFY2(ldm->details.contains("made from 85 of its images and 210 real photos"), qPrintable(ldm->details));
        QVERIFY(ldm->details.contains("highpass residual"));
        QVERIFY(ldm->details.contains("standard deviations apart"));
        QCOMPARE(ldm->pattern.size(), QSize(256, 256));
        QCOMPARE(ldm->spectrum.size(), QSize(256, 256));
        QVERIFY(ldm->pattern.pixel(10, 10) != ldm->pattern.pixel(200, 130));  // a pattern, not a flat square

        // The dialog reads the installed library (the same one, found beside the models) on its thread.
        FingerprintGalleryDialog dialog;
        QSignalSpy shown(&dialog, &FingerprintGalleryDialog::galleryShown);
        dialog.show();
        dialog.showLibrary({});
        QVERIFY(shown.wait(20000));
        QCOMPARE(dialog.cardCount(), npy);
        QVERIFY2(dialog.header().contains(QString("%1 fingerprint(s)").arg(npy)), qPrintable(dialog.header()));
        QVERIFY2(dialog.header().contains("Images are compared with this library"), qPrintable(dialog.header()));
        const QImage picture = galleryPicture(dialog.shown());  // Save Picture...: every card, scrolled out of view or not
        QVERIFY2(picture.height() >= npy * 160, qPrintable(QString("%1 px high").arg(picture.height())));
        QVERIFY(picture.pixel(picture.width() - 20, 100) != qRgb(255, 255, 255));  // the first card's spectrum is drawn
        QVERIFY(galleryPicture(FingerprintGallery{}).isNull());
        int named = 0;  // each picture is named for a screen reader by what it shows
        for (const FittedImage* view : dialog.findChildren<FittedImage*>()) named += view->accessibleName().endsWith("in image space (contrast stretched)");
        QCOMPARE(named, npy);
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS")) {
            QTest::qWait(200);  // the cards are shown and laid out by queued events
            dialog.grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/fingerprint-gallery.png");
            galleryPicture(dialog.shown()).save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/fingerprint-gallery-picture.png");
        }
        // A folder that holds none: said, no card, nothing thrown.
        QTemporaryDir empty;
        dialog.showLibrary(empty.path());
        QVERIFY(shown.wait(20000));
        QCOMPARE(dialog.cardCount(), 0);
        QVERIFY2(dialog.header().contains("Not read:"), qPrintable(dialog.header()));
        QPushButton* use = nullptr;
        for (QPushButton* b : dialog.findChildren<QPushButton*>())
            if (b->text() == "Use for Comparisons") use = b;
        QVERIFY(use);
        QVERIFY(!use->isEnabled());  // nothing to compare with
        // A broken fingerprint beside a good one: the good one is shown, the broken one named.
        QFile::copy(shipped.filePath("ldm.npy"), empty.path() + "/ldm.npy");
        QFile::copy(shipped.filePath("ldm.json"), empty.path() + "/ldm.json");
        QFile broken(empty.path() + "/broken.npy");
        QVERIFY(broken.open(QIODevice::WriteOnly) && broken.write("\x93NUMPY garbage") > 0);
        broken.close();
        dialog.showLibrary(empty.path());
        QVERIFY(shown.wait(20000));
        QCOMPARE(dialog.cardCount(), 1);
        QVERIFY2(dialog.header().contains("broken.npy"), qPrintable(dialog.header()));
        QVERIFY(use->isEnabled());  // one to compare with, not the one in use
        QSignalSpy chosen(&dialog, &FingerprintGalleryDialog::libraryChosen);
        use->click();
        QCOMPARE(chosen.size(), 1);
        QCOMPARE(chosen.first().first().toString(), empty.path());
    }

    void verdictPanelSpeaksPlainly() {
        VerdictPanel panel;
        panel.setResult(twoPatchResult(VerdictLabel::Synthetic, 0.87));
        QVERIFY(panel.headline().contains("AI-generated"));
        QVERIFY(panel.details().contains("87%"));
        panel.setResult(twoPatchResult(VerdictLabel::Inconclusive, 0.5));
        QCOMPARE(panel.headline(), QString("Inconclusive"));
        QVERIFY(panel.details().contains("inconclusive band"));
        auto* chart = panel.findChild<QCustomPlot*>();
        QVERIFY(chart && !chart->isHidden());  // the class probabilities of a verdict
        panel.setMessage("broken file");
        QCOMPARE(panel.headline(), QString("broken file"));
        QVERIFY(chart->isHidden());  // no empty axes under a message
        panel.setResult(twoPatchResult(VerdictLabel::Synthetic, 0.87));
        QVERIFY(!chart->isHidden());

        // What the file's record says beside the verdict, as the analysis read it with the file.
        ResultPtr camera = twoPatchResult(VerdictLabel::Synthetic, 0.87);
        panel.setResult(camera);
        QVERIFY(!panel.details().contains("record"));
        auto withRecord = std::make_shared<AnalysisResult>(*camera);
        withRecord->record = std::vector<RecordNote>{
            {true, "The detector calls it synthetic, but the file carries a camera's record: KONICA MINOLTA DiMAGE Z5."},
            {false, "The EXIF thumbnail differs from the image in part of it."}};
        panel.setResult(withRecord);
        QVERIFY2(panel.details().contains("points the other way:</b> The detector calls it synthetic, but the file carries a camera's "
                                          "record: KONICA MINOLTA DiMAGE Z5"), qPrintable(panel.details()));
        QVERIFY2(panel.details().contains("The file's record:</b> The EXIF thumbnail differs"), qPrintable(panel.details()));
        panel.setResult(camera);
        QVERIFY(!panel.details().contains("points the other way"));
    }

    void heatmapOverlayHonoursThreshold() {
        const ResultPtr r = twoPatchResult(VerdictLabel::Synthetic, 0.9);
        const QImage all = heatmapOverlay(renderHeatmap(*r), 0.0, HeatmapColours::Turbo);
        const QImage high = heatmapOverlay(renderHeatmap(*r), 0.5, HeatmapColours::Turbo);
        QCOMPARE(all.size(), QSize(64, 32));
        QCOMPARE(qAlpha(all.pixel(40, 10)), 255);
        QCOMPARE(qAlpha(high.pixel(40, 10)), 0);   // 0.1 < threshold: hidden
        QCOMPARE(qAlpha(high.pixel(10, 10)), 255);  // 0.9 shown
        QVERIFY(qRed(high.pixel(10, 10)) > qBlue(high.pixel(10, 10)));
        QCOMPARE(thresholdOverlay(all, renderHeatmap(*r), 0.5), high);  // the slider's fast path agrees
    }

    void canvasFitsZoomsAndReportsThePatchUnderTheMouse() {
        ImageCanvas canvas;
        canvas.resize(640, 320);
        canvas.show();
        QVERIFY(QTest::qWaitForWindowExposed(&canvas));
        canvas.setImage(DisplayImage::from(cv::Mat(32, 64, CV_8UC3, cv::Scalar(10, 20, 30))));
        QCOMPARE(canvas.zoom(), 10.0);  // 640/64 = 320/32
        const ResultPtr result = twoPatchResult(VerdictLabel::Synthetic, 0.9);
        canvas.setResult(result, HeatmapFrame::from(*result, HeatmapColours::Turbo));
        QSignalSpy hovered(&canvas, &ImageCanvas::patchHovered);
        QTest::mouseMove(&canvas, QPoint(480, 160));  // image x = 48: the right patch
        QVERIFY(hovered.count() >= 1);
        QCOMPARE(hovered.last().at(0).toInt(), 1);
        canvas.zoomBy(2.0);
        QCOMPARE(canvas.zoom(), 20.0);
        canvas.fitToWindow();
        QCOMPARE(canvas.zoom(), 10.0);
    }

    void canvasSelectsARegionWithShiftDrag() {
        ImageCanvas canvas;
        canvas.resize(640, 320);
        canvas.show();
        QVERIFY(QTest::qWaitForWindowExposed(&canvas));
        canvas.setImage(DisplayImage::from(cv::Mat(32, 64, CV_8UC3, cv::Scalar(10, 20, 30))));  // zoom 10
        QSignalSpy changed(&canvas, &ImageCanvas::selectionChanged);
        // A plain drag pans and selects nothing.
        QTest::mousePress(&canvas, Qt::LeftButton, {}, QPoint(100, 100));
        QTest::mouseMove(&canvas, QPoint(300, 200));
        QTest::mouseRelease(&canvas, Qt::LeftButton, {}, QPoint(300, 200));
        QVERIFY(canvas.selection().isEmpty());
        QCOMPARE(changed.count(), 0);
        canvas.fitToWindow();
        // Shift+drag from image (10.5, 5.5) to (40.5, 25.5): the pixels it covers, in image coordinates.
        QTest::mousePress(&canvas, Qt::LeftButton, Qt::ShiftModifier, QPoint(105, 55));
        QTest::mouseMove(&canvas, QPoint(405, 255));
        QTest::mouseRelease(&canvas, Qt::LeftButton, Qt::ShiftModifier, QPoint(405, 255));
        QCOMPARE(canvas.selection(), QRect(10, 5, 31, 21));
        QCOMPARE(changed.count(), 1);
        // Dragged past the picture's edge: clipped to it.
        QTest::mousePress(&canvas, Qt::LeftButton, Qt::ShiftModifier, QPoint(305, 155));
        QTest::mouseMove(&canvas, QPoint(639, 319));
        QTest::mouseRelease(&canvas, Qt::LeftButton, Qt::ShiftModifier, QPoint(639, 319));
        QCOMPARE(canvas.selection(), QRect(30, 15, 34, 17));
        // Shift+click clears it.
        QTest::mouseClick(&canvas, Qt::LeftButton, Qt::ShiftModifier, QPoint(200, 100));
        QVERIFY(canvas.selection().isEmpty());
        QCOMPARE(changed.count(), 3);
    }

    void bridgeDeliversOnTheGuiThread() {
        QTemporaryDir dir;
        EngineBridge bridge;
        QSignalSpy loaded(&bridge, &EngineBridge::modelLoaded);
        QSignalSpy verdicts(&bridge, &EngineBridge::verdictReady);
        QSignalSpy finished(&bridge, &EngineBridge::finished);
        bool onGuiThread = false;
        connect(&bridge, &EngineBridge::finished, this, [&] { onGuiThread = QThread::currentThread() == qApp->thread(); });
        DetectorOptions cpu;
        cpu.device = "cpu";
        bridge.loadModel(loadManifest(kModel.toStdString()), cpu);
        bridge.analyzeFile(writeImage(dir, "bright.png", cv::Scalar(250, 250, 250)), {});
        QVERIFY(finished.wait(20000));
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(verdicts.count(), 1);
        QVERIFY(onGuiThread);
        const ResultPtr r = finished.last().at(1).value<ResultPtr>();
        QCOMPARE(int(r->verdict.label), int(VerdictLabel::Synthetic));
    }

    void forensicsReportFindsAPlantedGrid() {
        // A photo-like noise image with a faint period-4 grid added: the spectrum must show a peak at an
        // up-sampling frequency, and a PNG has no JPEG history.
        cv::Mat rgb(256, 256, CV_8UC3);
        cv::randn(rgb, cv::Scalar(128, 128, 128), cv::Scalar(20, 20, 20));
        for (int y = 0; y < 256; ++y)
            for (int x = 0; x < 256; x += 4) rgb.at<cv::Vec3b>(y, x) += cv::Vec3b(12, 12, 12);
        std::vector<std::uint8_t> png;
        cv::imencode(".png", rgb, png);
        const ForensicsPtr report = ForensicsRunner::compute(decodeImage(png, "grid.png"));
        QVERIFY(report->spectrumError.isEmpty());
        QVERIFY(report->spectrum.hasUpsamplingPeak());
        QVERIFY(!report->jpeg.isJpeg);
        QCOMPARE(report->elaImage.size(), QSize(256, 256));
    }

    // The Metadata tab starts with the file itself (a photo without EXIF still has a name, a size and a
    // hash), and Copy puts the selected rows on the clipboard in full, as an investigator pastes them into notes.
    void metadataTabShowsTheFileAndCopiesItsRows() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/exhibit 7.png";
        cv::Mat bgr(48, 64, CV_8UC3, cv::Scalar(40, 90, 160));
        QVERIFY(cv::imwrite(path.toStdString(), bgr));
        const LoadedImage image = loadImage(path.toStdString());
        ForensicsPanel panel;
        panel.setReport(ForensicsRunner::compute(image));
        QCOMPARE(panel.metadataValue("File", "File"), QString("exhibit 7.png"));
        QCOMPARE(panel.metadataValue("File", "SHA-256"), QString::fromStdString(image.sha256));
        QCOMPARE(panel.metadataValue("File", "Format"), QString("PNG, 64 x 48 px, 8-bit, 3 channels"));
        QVERIFY(panel.metadataValue("File", "Modified").endsWith(" UTC"));

        panel.selectMetadataGroup("File");
        auto* tree = panel.findChild<QTreeWidget*>();
        QVERIFY(tree);
        QAction* copy = nullptr;
        for (QAction* a : tree->actions())
            if (a->shortcut() == QKeySequence(QKeySequence::Copy)) copy = a;
        QVERIFY(copy);
        copy->trigger();
        const QString copied = QGuiApplication::clipboard()->text();
        QVERIFY2(copied.contains("SHA-256\t" + QString::fromStdString(image.sha256)), qPrintable(copied));
        QVERIFY2(copied.startsWith("File\texhibit 7.png\nFolder\t"), qPrintable(copied));
    }

    void forensicsReportShowsTheClosestFingerprints() {
        // Two fingerprints: one is the residual of the image itself (correlation 1), the other noise. The
        // first must rank first, match, and be shown beside the image's residual in both spaces.
        cv::Mat rgb(256, 256, CV_8UC3);
        cv::randn(rgb, cv::Scalar(128, 128, 128), cv::Scalar(20, 20, 20));
        std::vector<std::uint8_t> png;
        cv::imencode(".png", rgb, png);
        const LoadedImage image = decodeImage(png, "noise.png");
        auto set = std::make_shared<FingerprintSet>();
        set->folder = "in-memory";
        Fingerprint own{"own", centreResidual(image.rgb, 256, ResidualMethod::HighPass), 0.0, 0.5, "highpass"};
        cv::Mat noise(256, 256, CV_32FC3);
        cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(1));
        Fingerprint other{"other", noise, 0.0, 0.5, "highpass"};
        set->library.fingerprints = {other, own};
        const ForensicsPtr report = ForensicsRunner::compute(image, set);
        QVERIFY2(report->fingerprintError.isEmpty(), qPrintable(report->fingerprintError));
        QCOMPARE(report->fingerprints.generator, std::string("own"));
        QCOMPARE(report->closestFingerprints.size(), std::size_t(2));
        QCOMPARE(report->closestFingerprints[0].match.generator, std::string("own"));
        QVERIFY(report->closestFingerprints[0].match.correlation > 0.99);
        QCOMPARE(report->closestFingerprints[0].pattern.size(), QSize(256, 256));
        QCOMPARE(report->closestFingerprints[0].spectrum.size(), QSize(256, 256));
        QCOMPARE(report->residualSpectrum.size(), QSize(256, 256));

        ForensicsPanel panel;
        panel.setReport(report);
        QVERIFY(panel.fingerprintSummary().contains("Closest fingerprint: <b>own</b>"));

        const ForensicsPtr without = ForensicsRunner::compute(image);  // no library: said, not hidden
        QVERIFY(!without->fingerprintError.isEmpty());
        panel.setReport(without);
        QVERIFY(panel.fingerprintSummary().startsWith("Not compared"));
    }

    void batchDialogAnalysesAFolderIntoACaseAndResumes() {
        QTemporaryDir dir;
        QDir().mkpath(dir.path() + "/images/sub");
        writeImage(dir, "images/a.png", cv::Scalar(250, 250, 250), 96, 64);
        writeImage(dir, "images/sub/b.png", cv::Scalar(10, 10, 10), 64, 64);
        writeCameraJpeg(dir.path() + "/images/camera.jpg");  // bright, so synthetic for the fixture: its record says otherwise
        QFile broken(dir.path() + "/images/broken.png");
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("\x89PNG not really");
        broken.close();
        UserSettings settings = UserSettings::load();
        const UserSettings saved = settings;
        settings.model = kModel;
        settings.save();

        BatchDialog dialog;
        QSignalSpy finished(&dialog, &BatchDialog::batchFinished);
        const QString caseFile = dir.path() + "/case.sqlite";
        dialog.setInputs(dir.path() + "/images", caseFile);
        dialog.start();
        QVERIFY(dialog.running());
        QVERIFY(finished.wait(60000));
        QVERIFY2(finished.last().at(0).toString().contains("0 already in the case, 3 analysed, 1 failed"),
                 qPrintable(finished.last().at(0).toString()));
        QCOMPARE(dialog.rowCount(), 4);  // three results and one failure, streamed in
        QStringList notes;
        for (int row = 0; row < dialog.rowCount(); ++row) notes << dialog.noteAt(row);
        QCOMPARE(notes.filter("record, against the verdict: The detector calls it synthetic, but the file carries a camera's record: "
                              "Canon EOS R5").size(), 1);
        QVERIFY(QFile::exists(caseFile));

        dialog.start();  // again: everything finished is reused from the case
        QVERIFY(finished.wait(60000));
        QVERIFY2(finished.last().at(0).toString().contains("3 already in the case, 0 analysed"), qPrintable(finished.last().at(0).toString()));
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS"))  // to look at it: the dialog as a user sees it
            dialog.grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/batch-dialog.png");
        saved.save();
    }

    void averageSpectrumDialogAveragesAFolderSkipsBadFilesAndCancels() {
        QTemporaryDir dir;
        QDir().mkpath(dir.path() + "/gen/sub");
        // Noise with vertical stripes of period 4 px: each image's spectrum has a peak at 1/4 cycle/px.
        cv::RNG rng(7);
        for (int i = 0; i < 30; ++i) {
            cv::Mat noise(256, 256, CV_32FC3);
            rng.fill(noise, cv::RNG::NORMAL, 128, 8);
            for (int y = 0; y < noise.rows; ++y)
                for (int x = 0; x < noise.cols; x += 4) noise.at<cv::Vec3f>(y, x) += cv::Vec3f(3, 3, 3);
            cv::Mat bgr;
            noise.convertTo(bgr, CV_8UC3);
            QVERIFY(cv::imwrite(QString(dir.path() + "/gen/%1%2.png").arg(i % 2 ? "sub/" : "").arg(i).toStdString(), bgr));
        }
        writeImage(dir, "gen/small.png", cv::Scalar(90, 90, 90), 64, 64);  // smaller than the crop
        QFile broken(dir.path() + "/gen/broken.png");
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("\x89PNG not really");
        broken.close();

        AverageSpectrumDialog dialog;
        QSignalSpy finished(&dialog, &AverageSpectrumDialog::averageFinished);
        dialog.setInputs(dir.path() + "/gen", 256);
        dialog.start();
        QVERIFY(dialog.running());
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.last().at(0).toBool(), true);
        QVERIFY2(dialog.summary().contains("Average of 30 image(s)"), qPrintable(dialog.summary()));
        QVERIFY2(dialog.summary().contains("(0.250, 0.000) cycles/px"), qPrintable(dialog.summary()));
        QVERIFY2(dialog.statusText().contains("Averaged 30 of 32") && dialog.statusText().contains("Skipped 2"), qPrintable(dialog.statusText()));
        QVERIFY(dialog.statusText().contains("small.png") && dialog.statusText().contains("broken.png"));
        QCOMPARE(dialog.spectrumImage().size(), QSize(256, 256));
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS"))
            dialog.grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/average-spectrum-dialog.png");

        dialog.start();
        dialog.cancel();  // before the first of 32 images: nothing is averaged, the old result is gone
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.last().at(0).toBool(), false);
        QVERIFY2(dialog.statusText().startsWith("Cancelled"), qPrintable(dialog.statusText()));
        QVERIFY(dialog.summary().isEmpty());

        QDir().mkpath(dir.path() + "/empty");
        dialog.setInputs(dir.path() + "/empty", 256);
        dialog.start();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.last().at(0).toBool(), false);
        QVERIFY2(dialog.statusText().contains("no image files"), qPrintable(dialog.statusText()));
        QVERIFY(!dialog.running());
    }

    void mainWindowShowsACasesStoredResultWithoutAnalysing() {
        QTemporaryDir dir;
        const QString image = writeImage(dir, "grey.png", cv::Scalar(250, 250, 250), 160, 128);
        const QString caseFile = dir.path() + "/case.sqlite";
        AnalysisResult stored = ImageAnalyzer(std::shared_ptr<Detector>(Detector::open(loadManifest(kModel.toStdString()))), {}).analyze(image.toStdString());
        stored.verdict.syntheticProbability = 0.123;  // not what the detector says: only the case has it
        stored.verdict.label = VerdictLabel::Authentic;
        const CacheKey key{stored.image.sha256, "model-sha", "settings"};
        CaseStore::open(caseFile.toStdString())->addResult(key, stored);

        AutomationOptions automation;
        automation.model = kModel;
        MainWindow window(automation);
        window.show();
        QSignalSpy done(&window, &MainWindow::documentFinished);
        window.openStoredResult(image, caseFile, key);
        QVERIFY(done.wait(20000));
        const ResultPtr shown = window.currentCanvas()->result();
        QVERIFY(shown);
        QCOMPARE(shown->verdict.syntheticProbability, 0.123);
        QCOMPARE(QString::fromStdString(shown->provenance.storedIn), caseFile);
        QVERIFY2(window.verdictPanel()->details().contains("<b>12%</b>"), qPrintable(window.verdictPanel()->details()));
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);  // the forensic signals of the loaded image too
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS"))
            window.grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/stored-result.png");
    }

    void caseBrowserListsFiltersOpensAndReportsACase() {
        QTemporaryDir dir;
        const QString caseFile = dir.path() + "/case.sqlite";
        {
            const auto store = CaseStore::open(caseFile.toStdString());
            const struct { const char* path; VerdictLabel label; double p; } rows[] = {
                {"/evidence/a.png", VerdictLabel::Synthetic, 0.91}, {"/evidence/sub/b.png", VerdictLabel::Authentic, 0.12},
                {"/evidence/sub/c.jpg", VerdictLabel::Inconclusive, 0.55}};
            for (const auto& row : rows) {
                ResultPtr r = twoPatchResult(row.label, row.p);
                auto copy = *r;
                copy.image.path = row.path;
                copy.image.sha256 = std::string(64, char('a' + (&row - rows)));
                CombinedAttribution combined;  // c.jpg's first choice is a class that names no generator
                combined.unnamed = {"other_diffusion"};
                combined.ranking = row.label == VerdictLabel::Inconclusive ? std::vector<ClassScore>{{"other_diffusion", 0.55}, {"ldm", 0.45}}
                                                                           : std::vector<ClassScore>{{"ldm", 0.62}, {"other_diffusion", 0.38}};
                copy.verdict.combinedAttribution = combined;
                if (row.label == VerdictLabel::Synthetic)
                    copy.record = std::vector<RecordNote>{{true, "The detector calls it synthetic, but the file carries a camera's record."}};
                store->addResult({copy.image.sha256, "model-sha", "settings"}, copy);
            }
            store->addFailure("/evidence/sub/broken.png", "bad input", "not an image");
        }

        CaseBrowser browser;
        QSignalSpy loaded(&browser, &CaseBrowser::caseLoaded);
        browser.openCase(caseFile);
        QVERIFY(loaded.wait(10000));
        QCOMPARE(loaded.last().at(0).toInt(), 3);
        QCOMPARE(loaded.last().at(1).toInt(), 1);
        QCOMPARE(browser.rowCount(), 4);  // three results and the failure

        browser.sortByProbability();
        QCOMPARE(browser.pathAt(0), QString("/evidence/a.png"));
        QCOMPARE(browser.verdictAt(3), QString("failed"));
        QCOMPARE(browser.likelyGeneratorAt(0), QString("ldm (62 %)"));
        QCOMPARE(browser.likelyGeneratorAt(1), QString("other_diffusion (no name, 55 %)"));
        QCOMPARE(browser.likelyGeneratorAt(2), QString());  // authentic: no generator named, as in the verdict panel
        QCOMPARE(browser.noteAt(0), QString("Record, against the verdict: The detector calls it synthetic, but the file carries a camera's record."));
        QCOMPARE(browser.noteAt(1), QString());
        browser.setVerdictFilter("inconclusive");
        QCOMPARE(browser.rowCount(), 1);
        QCOMPARE(browser.pathAt(0), QString("/evidence/sub/c.jpg"));
        browser.setVerdictFilter("record against the verdict");
        QCOMPARE(browser.rowCount(), 1);
        QCOMPARE(browser.pathAt(0), QString("/evidence/a.png"));
        browser.setVerdictFilter("");
        browser.setTextFilter("SUB/");
        QCOMPARE(browser.rowCount(), 3);  // b, c and the failure, case-insensitively

        QSignalSpy openStored(&browser, &CaseBrowser::openStoredResultRequested);
        QSignalSpy open(&browser, &CaseBrowser::openImageRequested);
        browser.setTextFilter("a.png");
        browser.activateRow(0);  // a result: shown as stored
        QCOMPARE(openStored.count(), 1);
        QCOMPARE(open.count(), 0);
        QCOMPARE(openStored.last().at(0).toString(), QString("/evidence/a.png"));
        QCOMPARE(openStored.last().at(1).toString(), caseFile);
        const auto key = openStored.last().at(2).value<CacheKey>();
        QCOMPARE(key.imageSha256, std::string(64, 'a'));
        QCOMPARE(key.modelSha256, std::string("model-sha"));
        QCOMPARE(key.settings, std::string("settings"));
        browser.setTextFilter("broken");
        browser.activateRow(0);  // a failure: nothing stored, analysed
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.last().at(0).toString(), QString("/evidence/sub/broken.png"));

        QSignalSpy written(&browser, &CaseBrowser::reportWritten);
        browser.exportReport(dir.path() + "/case.html");
        QVERIFY(written.wait(30000));
        QVERIFY2(written.last().at(1).toString().isEmpty(), qPrintable(written.last().at(1).toString()));
        QFile html(dir.path() + "/case.html");
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(html.readAll());
        QVERIFY(text.contains("/evidence/sub/c.jpg"));
        QVERIFY(text.contains("broken.png"));
        QVERIFY(text.contains("other_diffusion (no name) 55.0%"));
        QCOMPARE(text.count("record against"), 1);
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS")) {
            browser.setTextFilter("");
            browser.resize(980, 300);
            browser.grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/case-browser.png");
        }

        // Not a case: a clear error, nothing listed.
        QSignalSpy failed(&browser, &CaseBrowser::caseFailed);
        browser.openCase(writeImage(dir, "not-a-case.png", cv::Scalar(1, 2, 3)));
        QVERIFY(failed.wait(10000));
        QCOMPARE(browser.rowCount(), 0);
        QVERIFY(!failed.last().at(0).toString().isEmpty());
    }

    void mainWindowAnalysesAndTeachingModeReencodes() {
        QTemporaryDir dir;
        AutomationOptions automation;
        automation.model = kModel;
        MainWindow window(automation);
        window.show();
        QSignalSpy done(&window, &MainWindow::documentFinished);
        window.openFiles({writeImage(dir, "grey.png", cv::Scalar(250, 250, 250), 160, 128)});
        QCOMPARE(window.documentCount(), 1);
        QVERIFY(done.wait(20000));
        QVERIFY(window.verdictPanel()->headline().contains("AI-generated"));
        QVERIFY(window.currentCanvas()->result()->heatmapComplete);
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);  // the forensic report too
        auto* forensics = window.findChild<ForensicsPanel*>();
        QVERIFY(forensics);
        QVERIFY(forensics->spectrumSummary().contains("Residual"));
        QVERIFY(forensics->jpegSummary().contains("Not a JPEG"));
        QVERIFY(forensics->metadataSummary().contains("No generator trace"));
        // The default library (the shipped models/fingerprints, found beside the models) is used.
        QVERIFY2(forensics->fingerprintSummary().contains("Library:"), qPrintable(forensics->fingerprintSummary()));

        // The heatmap over the image, as the canvas shows it, with a legend strip under it.
        QSignalSpy written(&window, &MainWindow::heatmapImageWritten);
        const QString heatmapFile = dir.path() + "/grey.heatmap.png";
        QVERIFY(window.exportHeatmapImage(heatmapFile));
        QVERIFY(written.wait(20000));
        QCOMPARE(written.last().at(1).toString(), QString());
        const QImage exported(heatmapFile);
        QCOMPARE(exported.width(), 256);  // the legend's least width; white beside the image
        QVERIFY(exported.height() > 128 + 40);
        const QColor inside = exported.pixelColor(80, 64);
        QVERIFY2(inside.red() > inside.blue() + 40, "a synthetic-looking patch is drawn warm over the grey");
        QCOMPARE(exported.pixelColor(200, 64), QColor(Qt::white));
        QCOMPARE(exported.pixelColor(255, exported.height() - 1), QColor(Qt::white));
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS"))
            QFile::copy(heatmapFile, qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/heatmap-image.png");
        // Patches below the threshold are not drawn: the picture is the image itself there.
        QImage grey(160, 128, QImage::Format_RGB32);
        grey.fill(QColor(250, 250, 250));
        QCOMPARE(heatmapImage(grey, *window.currentResult(), 0.45, 1.01, HeatmapColours::Turbo).copy(0, 0, 160, 128), grey);
        QVERIFY(heatmapImage(grey, *window.currentResult(), 0.45, 0.0, HeatmapColours::Turbo).copy(0, 0, 160, 128) != grey);

        // View > Heatmap Colours: the open heatmap is drawn again in cividis (yellow where turbo is red), the
        // choice is kept, and the exported picture follows it.
        const QPoint centre = window.currentCanvas()->rect().center();
        const QColor turbo = window.currentCanvas()->grab().toImage().pixelColor(centre);
        window.setHeatmapColours(HeatmapColours::Cividis);
        QCOMPARE(UserSettings::load().colours(), HeatmapColours::Cividis);
        const QColor cividis = window.currentCanvas()->grab().toImage().pixelColor(centre);
        QVERIFY2(cividis.green() > turbo.green() + 40, qPrintable(QString("turbo %1, cividis %2").arg(turbo.name(), cividis.name())));
        QVERIFY(window.exportHeatmapImage(heatmapFile));
        QVERIFY(written.wait(20000));
        const QColor exportedCividis = QImage(heatmapFile).pixelColor(80, 64);
        QVERIFY2(exportedCividis.green() > inside.green() + 40, qPrintable(exportedCividis.name()));
        window.setHeatmapColours(HeatmapColours::Turbo);  // remembered: leave it as the other tests expect
        QCOMPARE(UserSettings::load().colours(), HeatmapColours::Turbo);

        auto* teaching = window.findChild<TeachingPanel*>();
        QVERIFY(teaching);
        teaching->setQuality(40);
        QVERIFY(done.wait(20000));
        QVERIFY(QString::fromStdString(window.currentCanvas()->result()->image.path).contains("JPEG q40"));

        window.openFiles({dir.path() + "/missing.png"});  // a bad path never blocks or crashes
        QCOMPARE(window.documentCount(), 1);
    }

    void settingsDialogSetsTheRegionsControlParts() {
        UserSettings current;
        current.regionControls = 2;
        SettingsDialog dialog(current);
        QSpinBox* controls = nullptr;
        for (QSpinBox* box : dialog.findChildren<QSpinBox*>())
            if (box->toolTip().contains("Analyse Selected Region")) controls = box;
        QVERIFY(controls);
        QCOMPARE(controls->value(), 2);
        QCOMPARE(controls->maximum(), kMaxRegionControls);
        controls->setValue(0);
        QCOMPARE(controls->text(), QString("none"));
        QCOMPARE(dialog.settings().regionControls, 0);
        QCOMPARE(dialog.settings().analysisSettings().regionControls, 0);
        QCOMPARE(UserSettings().analysisSettings().regionControls, kDefaultRegionControls);
    }

    void mainWindowAnalysesASelectedRegionInATabOfItsOwn() {
        WindowOnDarkPicture opened;
        MainWindow& window = opened.window;
        QSignalSpy& done = opened.done;
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QVERIFY(window.verdictPanel()->headline().contains("No sign"));

        window.analyzeSelectedRegion();  // nothing selected: it says what to do
        QCOMPARE(window.documentCount(), 1);
        QVERIFY(window.statusBar()->currentMessage().contains("Shift+drag"));
        QAction* regionAction = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text().contains("Selected &Region")) regionAction = a;
        QVERIFY(regionAction);
        QVERIFY(!regionAction->isEnabled());
        window.currentCanvas()->setSelection(QRect(96, 64, 64, 64));
        QVERIFY(regionAction->isEnabled());
        QVERIFY(window.statusBar()->currentMessage().contains("Analyse Selected Region"));
        window.analyzeSelectedRegion();
        QCOMPARE(window.documentCount(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 20000);
        auto* tabs = window.findChild<QTabWidget*>();
        QVERIFY(tabs);
        QCOMPARE(tabs->tabText(tabs->currentIndex()), QString("photo.png [96,64 64x64]"));
        const ResultPtr region = window.currentResult();
        QVERIFY(region && region->image.region);
        QCOMPARE(region->image.region->describe(), std::string("region 96,64 64x64 of 160x128"));
        QCOMPARE(window.currentCanvas()->imageSize(), QSize(64, 64));
        QVERIFY(window.verdictPanel()->headline().contains("AI-generated"));
        QVERIFY2(window.verdictPanel()->details().contains("region 96,64 64x64 of 160x128</b> only"), qPrintable(window.verdictPanel()->details()));
        // It is compared with parts of its size elsewhere in the picture, all dark.
        QVERIFY(region->controls && !region->controls->parts.empty());
        QVERIFY2(window.verdictPanel()->details().contains("Against the rest of the picture: None of the"),
                 qPrintable(window.verdictPanel()->details()));
        // The whole picture's tab outlines the region with its verdict, and its control parts dashed.
        auto* wholeCanvas = qobject_cast<ImageCanvas*>(tabs->widget(0));
        QVERIFY(wholeCanvas);
        QCOMPARE(outlines(wholeCanvas).size(), std::size_t(1));
        QCOMPARE(outlines(wholeCanvas)[0].rect, QRect(96, 64, 64, 64));
        QVERIFY2(outlines(wholeCanvas)[0].label.startsWith("Likely AI-generated") &&
                     outlines(wholeCanvas)[0].label.endsWith("; stands out (0 of 3 controls flagged)"),
                 qPrintable(outlines(wholeCanvas)[0].label));
        QCOMPARE(wholeCanvas->regionMarks().size(), 1 + region->controls->parts.size());
        for (const RegionMark& m : wholeCanvas->regionMarks())
            if (m.control) {
                QVERIFY2(m.label.startsWith("control of 96,64 64x64: synthetic"), qPrintable(m.label));
                QVERIFY(!m.rect.intersects(QRect(96, 64, 64, 64)));
            }
        QVERIFY2(window.currentCanvas()->regionMarks().empty(), "a region's own tab draws none");
        // F5 analyses the region again, not the whole file.
        for (QAction* a : window.findChildren<QAction*>())
            if (a->shortcut() == QKeySequence(QKeySequence::Refresh)) a->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 20000);
        QVERIFY(window.currentResult()->image.region);
        // A region of the region is a region of the file.
        window.currentCanvas()->setSelection(QRect(0, 0, 32, 48));
        window.analyzeSelectedRegion();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 4, 20000);
        QCOMPARE(window.currentResult()->image.region->describe(), std::string("region 96,64 32x48 of 160x128"));
        // Too small to say anything: refused with the reason, no tab.
        window.currentCanvas()->setSelection(QRect(0, 0, 20, 20));
        window.analyzeSelectedRegion();
        QCOMPARE(window.documentCount(), 3);
        QVERIFY2(window.statusBar()->currentMessage().contains("too small"), qPrintable(window.statusBar()->currentMessage()));
        QCOMPARE(outlines(wholeCanvas).size(), std::size_t(2));  // the region and the region of the region
        window.findChild<QTabWidget*>()->tabCloseRequested(1);  // closing a region's tab takes its outline away
        QCOMPARE(window.documentCount(), 2);
        QCOMPARE(outlines(wholeCanvas).size(), std::size_t(1));
        QCOMPARE(outlines(wholeCanvas)[0].rect, QRect(96, 64, 32, 48));
        // Teaching mode re-encodes the region, and the result still says it is of that region.
        window.findChild<TeachingPanel*>()->setQuality(40);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 5, 20000);
        QVERIFY(QString::fromStdString(window.currentResult()->image.path).endsWith("(JPEG q40)"));
        QVERIFY(window.currentResult()->image.region);
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);
    }

    void mainWindowOutlinesTheFlaggedOwnPartsOfARegionComparedAtASmallerSize() {
        // The right 128x128 of a 160x128 picture: no part of its size fits beside it, nor its halves or thirds
        // (32 px are left); its quarters do, dark (three of them, spread over the 32-px margin). Its own bright
        // quarters are outlined.
        WindowOnDarkPicture opened;
        MainWindow& window = opened.window;
        QSignalSpy& done = opened.done;
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        window.currentCanvas()->setSelection(QRect(32, 0, 128, 128));
        window.analyzeSelectedRegion();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 20000);
        const ResultPtr region = window.currentResult();
        QVERIFY(region && region->controls && region->controls->atSmallerSize());
        QCOMPARE(region->controls->parts.size(), std::size_t(3));
        QCOMPARE(region->controls->inside.size(), std::size_t(16));
        QCOMPARE(region->controls->insideFlagged(), 4);  // the bright square's four quarters
        QVERIFY2(window.verdictPanel()->details().contains("compared at 1/4 of its size: 4 of the 16 parts it was cut into and none of "
                                                           "the 3 parts of that size elsewhere are flagged"),
                 qPrintable(window.verdictPanel()->details()));
        auto* wholeCanvas = qobject_cast<ImageCanvas*>(window.findChild<QTabWidget*>()->widget(0));
        QVERIFY(wholeCanvas);
        QVERIFY2(outlines(wholeCanvas).at(0).label.contains("at 1/4 size: 4 of 16 own parts, 0 of 3 controls flagged"),
                 qPrintable(outlines(wholeCanvas).at(0).label));
        int own = 0, controls = 0;
        for (const RegionMark& m : wholeCanvas->regionMarks()) {
            if (!m.control) continue;
            if (m.label.startsWith("part of 32,0 128x128: synthetic")) {
                ++own;
                QVERIFY(QRect(96, 64, 64, 64).contains(m.rect));
            } else {
                QVERIFY2(m.label.startsWith("control of 32,0 128x128: synthetic"), qPrintable(m.label));
                QCOMPARE(m.rect.size(), QSize(32, 32));
                ++controls;
            }
        }
        QCOMPARE(own, 4);
        QCOMPARE(controls, 3);
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);
    }

    void mainWindowAddsARegionToACaseAndOpensItFromThere() {
        QTemporaryDir dir;
        const QString path = writeDarkWithBrightSquare(dir), caseFile = dir.path() + "/case.sqlite";
        AutomationOptions automation;
        automation.model = kModel;
        MainWindow window(automation);
        window.show();
        QSignalSpy done(&window, &MainWindow::documentFinished);
        QSignalSpy added(&window, &MainWindow::addedToCase);
        QVERIFY(!window.addCurrentToCase(caseFile));  // nothing open: says so, adds nothing
        QVERIFY(window.statusBar()->currentMessage().contains("wait for its analysis"));

        window.openRegion(path, ImageRegion{96, 64, 64, 64});
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);
        QVERIFY(window.addCurrentToCase(caseFile));
        QTRY_COMPARE_WITH_TIMEOUT(added.count(), 1, 20000);
        QVERIFY2(added.last().at(1).toString().isEmpty(), qPrintable(added.last().at(1).toString()));
        QVERIFY2(window.statusBar()->currentMessage().contains("1 result (1 for a region of a file)"), qPrintable(window.statusBar()->currentMessage()));
        window.openFiles({path});
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);
        QVERIFY(window.addCurrentToCase(caseFile));
        QTRY_COMPARE_WITH_TIMEOUT(added.count(), 2, 20000);
        {
            const auto store = CaseStore::open(caseFile.toStdString(), false);
            QCOMPARE(store->counts().entries, 2);
            QCOMPARE(store->counts().regions, 1);
            const std::vector<CaseEntry> entries = store->entriesForPath(path.toStdString());
            QCOMPARE(int(entries.size()), 2);
            for (const CaseEntry& e : entries) {
                QCOMPARE(e.label, std::string(e.region ? "synthetic" : "authentic"));
                QCOMPARE(e.controls, std::string(e.region ? "stands out (0 of 3 controls flagged)" : ""));  // all dark
            }
        }
        // Teaching mode's re-encoded copy is not the file: it is not added.
        window.findChild<TeachingPanel*>()->setQuality(40);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 20000);
        QVERIFY(!window.addCurrentToCase(caseFile));

        // The case browser lists the region under the name its tab had, and opens it as a region again.
        window.openCase(caseFile);
        auto* browser = window.findChild<CaseBrowser*>();
        QVERIFY(browser);
        QTRY_COMPARE_WITH_TIMEOUT(browser->rowCount(), 2, 10000);
        const QStringList names{browser->nameAt(0), browser->nameAt(1)};
        QVERIFY2(names.contains("photo.png") && names.contains("photo.png [96,64 64x64]"), qPrintable(names.join(" | ")));
        const int regionRow = int(names.indexOf("photo.png [96,64 64x64]"));
        QCOMPARE(browser->noteAt(regionRow), QString("Against the rest of the picture: stands out (0 of 3 controls flagged)"));
        browser->activateRow(int(names.indexOf("photo.png [96,64 64x64]")));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 4, 20000);
        auto* tabs = window.findChild<QTabWidget*>();
        QCOMPARE(tabs->tabText(tabs->currentIndex()), QString("photo.png [96,64 64x64]"));
        QCOMPARE(window.currentCanvas()->imageSize(), QSize(64, 64));
        const ResultPtr shown = window.currentResult();
        QVERIFY(shown && shown->image.region);
        QCOMPARE(QString::fromStdString(shown->provenance.storedIn), caseFile);
        QVERIFY(window.verdictPanel()->headline().contains("AI-generated"));
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS")) {
            browser->resize(980, 260);
            browser->grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/case-browser-region.png");
            window.grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/stored-region.png");
        }
    }

    void pastedImagesAreSavedAsFilesAndAnalysed() {
        // A browser's "Copy Image": pixels without a file. They become a PNG of their own, kept under the
        // data folder, and are analysed like an opened file.
        QTemporaryDir dir;
        qputenv("XDG_DATA_HOME", QFile::encodeName(dir.path()));
        AutomationOptions automation;
        automation.model = kModel;
        MainWindow window(automation);
        window.show();
        QSignalSpy done(&window, &MainWindow::documentFinished);
        QImage copied(150, 100, QImage::Format_RGB32);
        copied.fill(QColor(245, 245, 245));
        QApplication::clipboard()->setImage(copied);
        window.pasteFromClipboard();
        // The save and the analysis both run off this thread: either may be over by the time the tab shows.
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QCOMPARE(window.documentCount(), 1);
        QVERIFY(window.verdictPanel()->headline().contains("AI-generated"));
        const QString path = QString::fromStdString(window.currentCanvas()->result()->image.path);
        QVERIFY2(path.startsWith(dir.path() + "/synthscope/pasted/pasted-") && path.endsWith(".png"), qPrintable(path));
        const QImage saved(path);
        QCOMPARE(saved.size(), copied.size());
        QCOMPARE(saved.pixelColor(10, 10), QColor(245, 245, 245));
        // Its verdict handed on as text, naming the saved file by its hash.
        window.copyVerdictSummary();
        const QString summary = QApplication::clipboard()->text();
        QVERIFY2(summary.contains("Likely AI-generated: synthetic probability"), qPrintable(summary));
        QVERIFY(summary.contains(path + " (SHA-256 " + QString::fromStdString(window.currentCanvas()->result()->image.sha256)));

        // A file manager's copy is the file itself; nothing is saved for it.
        const QString file = writeImage(dir, "copied-file.png", cv::Scalar(5, 5, 5));
        auto* mime = new QMimeData;
        mime->setUrls({QUrl::fromLocalFile(file)});
        QApplication::clipboard()->setMimeData(mime);
        window.pasteFromClipboard();
        QCOMPARE(window.documentCount(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 20000);
        QCOMPARE(QString::fromStdString(window.currentCanvas()->result()->image.path), file);
        QCOMPARE(QDir(dir.path() + "/synthscope/pasted").entryList(QDir::Files).size(), 1);

        // Text that names no file: nothing opens, the window says why.
        QApplication::clipboard()->setText("https://example.org/photo.jpg");
        window.pasteFromClipboard();
        QCOMPARE(window.documentCount(), 2);
        QVERIFY(window.statusBar()->currentMessage().contains("no image"));
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);
        qunsetenv("XDG_DATA_HOME");
    }

    void mainWindowSaysWhyAFileCouldNotBeReadAndGoesOn() {
        // A HEIC whose decoder crashes (a stand-in for libheif, engine/decoder_process.h): the window says so
        // in each panel, stops waiting for it, and the next file is analysed as usual.
        if (!heifDecodingAvailable()) QSKIP("built without libheif");
        QTemporaryDir dir;
        const QString crashing = dir.path() + "/crashing-decoder";
        QFile script(crashing);
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write("#!/bin/sh\nkill -SEGV $$\n");
        script.close();
        script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QFile heic(dir.path() + "/evidence.heic");
        QVERIFY(heic.open(QIODevice::WriteOnly));
        heic.write(QByteArray("\0\0\0\x18" "ftypheic\0\0\0\0" "mif1heic", 24));
        heic.close();
        qputenv("SYNTHSCOPE_DECODE_HELPER", QFile::encodeName(crashing));

        AutomationOptions automation;
        automation.model = kModel;
        MainWindow window(automation);
        window.show();
        QSignalSpy done(&window, &MainWindow::documentFinished);
        window.openFiles({heic.fileName()});
        QVERIFY(done.wait(20000));
        qunsetenv("SYNTHSCOPE_DECODE_HELPER");
        QCOMPARE(window.verdictPanel()->headline(), QString("Could not analyse this image"));
        QVERIFY2(window.verdictPanel()->details().contains("libheif crashed on it"), qPrintable(window.verdictPanel()->details()));
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);
        auto* forensics = window.findChild<ForensicsPanel*>();
        QVERIFY(forensics);
        QVERIFY2(forensics->metadataSummary().contains("Nothing to examine"), qPrintable(forensics->metadataSummary()));
        QVERIFY(!window.currentCanvas()->hasImage());

        window.openFiles({writeImage(dir, "next.png", cv::Scalar(250, 250, 250), 160, 128)});
        QVERIFY(done.wait(20000));
        QVERIFY(window.verdictPanel()->headline().contains("AI-generated"));
        // Back to the file that failed: the same failure, worded as when it happened.
        auto* tabs = window.findChild<QTabWidget*>();
        QVERIFY(tabs && tabs->count() == 2);
        tabs->setCurrentIndex(0);
        QCOMPARE(window.verdictPanel()->headline(), QString("Could not analyse this image"));
        QVERIFY2(window.verdictPanel()->details().contains("libheif crashed on it"), qPrintable(window.verdictPanel()->details()));
    }

    void mainWindowComparesWithTheLibraryChosenInTheGallery() {
        const QString image = SYNTHSCOPE_SHARED_DATA_DIR "/attribution/disco_diffusion/9bb31d67d686.png";
        if (!QFile::exists(image)) QSKIP("../shared/data not present");
        qunsetenv("SYNTHSCOPE_FINGERPRINTS");
        UserSettings start = UserSettings::load();
        start.fingerprintLibrary.clear();  // the installed library, as a new user has it
        start.save();
        QTemporaryDir dir;
        const QString chosen = dir.path() + "/one fingerprint";  // one of the shipped library's, in a folder of its own
        QVERIFY(QDir().mkpath(chosen));
        for (const char* file : {"vqgan.npy", "vqgan.json"})
            QVERIFY(QFile::copy(QString(SYNTHSCOPE_MODELS_DIR "/fingerprints/") + file, chosen + "/" + file));
        const int installed = QDir(SYNTHSCOPE_MODELS_DIR "/fingerprints").entryList({"*.npy"}, QDir::Files).size();

        AutomationOptions automation;
        automation.model = kModel;
        MainWindow window(automation);
        window.show();
        window.openFiles({image});
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 60000);
        auto* forensics = window.findChild<ForensicsPanel*>();
        QVERIFY(forensics);
        QVERIFY2(forensics->fingerprintSummary().contains(QString("fingerprints (%1 fingerprints)").arg(installed)),
                 qPrintable(forensics->fingerprintSummary()));
        // What the picture, the bars and the colour scale show, for a screen reader.
        const QString canvasSaid = window.currentCanvas()->accessibleDescription();
        QVERIFY2(canvasSaid.startsWith(window.verdictPanel()->headline() + ", synthetic probability ") && canvasSaid.contains("blue 0, red 1"),
                 qPrintable(canvasSaid));
        auto* bars = window.verdictPanel()->findChild<QCustomPlot*>();
        QVERIFY(bars && bars->accessibleName() == "Class probabilities");
        QVERIFY2(QRegularExpression("^Classes.*: \\w+ \\d+%, ").match(bars->accessibleDescription()).hasMatch(), qPrintable(bars->accessibleDescription()));
        auto* legend = window.findChild<HeatmapLegend*>();
        QVERIFY(legend && legend->accessibleDescription() == "synthetic probability: blue 0, red 1; grey: not classified");
        // Without a mouse: the arrow keys step through the patches, reported to the side panel as hovering is.
        ImageCanvas* canvas = window.currentCanvas();
        const ResultPtr analysed = canvas->result();
        QVERIFY(analysed && analysed->patches.size() >= 4);
        QSignalSpy stepped(canvas, &ImageCanvas::patchHovered);
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_Right);
        QCOMPARE(stepped.size(), 1);
        const int first = stepped.last().at(0).toInt();
        QVERIFY(first >= 0 && analysed->patches[std::size_t(first)].inTopK);  // the verdict's own patches first
        QVERIFY2(canvas->accessibleDescription().contains("one of those that decide the verdict"), qPrintable(canvas->accessibleDescription()));
        for (const auto& [there, back] : {std::pair{Qt::Key_Right, Qt::Key_Left}, std::pair{Qt::Key_Left, Qt::Key_Right},
                                          std::pair{Qt::Key_Down, Qt::Key_Up}, std::pair{Qt::Key_Up, Qt::Key_Down}}) {
            const int before = int(stepped.size());
            QTest::keyClick(canvas, there);
            if (int(stepped.size()) == before) continue;  // at the picture's edge that way
            const cv::Rect from = analysed->patches[std::size_t(first)].rect, to = analysed->patches[std::size_t(stepped.last().at(0).toInt())].rect;
            const bool horizontal = there == Qt::Key_Right || there == Qt::Key_Left;
            QVERIFY(horizontal ? from.y == to.y && (there == Qt::Key_Right) == (to.x > from.x)
                               : from.x == to.x && (there == Qt::Key_Down) == (to.y > from.y));  // the next in its row or column
            QTest::keyClick(canvas, back);
            QCOMPARE(stepped.last().at(0).toInt(), first);
        }
        QVERIFY(stepped.size() >= 3);  // it moved at least one way and back

        // The gallery opens on the library in use, and says so; nothing to choose.
        // Opened from the Fingerprints tab, which shows only the closest three.
        QPushButton* all = nullptr;
        for (QPushButton* b : forensics->findChildren<QPushButton*>())
            if (b->text() == "All Fingerprints, or Another Library...") all = b;
        QVERIFY(all);
        all->click();
        auto* gallery = window.findChild<FingerprintGalleryDialog*>();
        QVERIFY(gallery && gallery->isVisible());
        QSignalSpy shown(gallery, &FingerprintGalleryDialog::galleryShown);
        QVERIFY(shown.wait(20000));
        QVERIFY(gallery->showsLibraryInUse());
        QVERIFY2(gallery->header().contains("Images are compared with this library"), qPrintable(gallery->header()));
        // Another library, shown: not yet in use, until Use for Comparisons.
        gallery->showLibrary(chosen);
        QVERIFY(shown.wait(20000));
        QCOMPARE(gallery->cardCount(), 1);
        QVERIFY(!gallery->showsLibraryInUse());
        QVERIFY2(gallery->header().contains("Images are compared with another library"), qPrintable(gallery->header()));
        gallery->useShownLibrary();
        QVERIFY(gallery->showsLibraryInUse());
        QCOMPARE(UserSettings::load().fingerprintLibrary, chosen);  // kept for the next session
        // The open image is compared again, with that library alone.
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 60000);
        QTRY_VERIFY2_WITH_TIMEOUT(forensics->fingerprintSummary().contains(chosen.toHtmlEscaped() + " (1 fingerprints)"),
                                  qPrintable(forensics->fingerprintSummary()), 20000);
        // A new image too.
        window.openFiles({SYNTHSCOPE_SHARED_DATA_DIR "/attribution/ldm/" + QDir(SYNTHSCOPE_SHARED_DATA_DIR "/attribution/ldm").entryList({"*.png"}, QDir::Files).value(0)});
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 60000);
        QVERIFY2(forensics->fingerprintSummary().contains(" (1 fingerprints)"), qPrintable(forensics->fingerprintSummary()));

        // Back to the installed one: kept as "the installed one" (empty), so that a newer install is followed.
        gallery->showLibrary({});
        QVERIFY(shown.wait(20000));
        QVERIFY(!gallery->showsLibraryInUse());
        gallery->useShownLibrary();
        QCOMPARE(UserSettings::load().fingerprintLibrary, QString());
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 60000);
        QTRY_VERIFY2_WITH_TIMEOUT(forensics->fingerprintSummary().contains(QString("fingerprints (%1 fingerprints)").arg(installed)),
                                  qPrintable(forensics->fingerprintSummary()), 20000);
    }

    void mainWindowCombinesTheDetectorAndFingerprintAttributions() {
        // A held-out disco_diffusion image the shipped detector alone attributes to dalle_mini (0.53 against 0.15),
        // and the fingerprints set right.
        const QString image = SYNTHSCOPE_SHARED_DATA_DIR "/attribution/disco_diffusion/9bb31d67d686.png";
        if (!QFile::exists(image)) QSKIP("../shared/data not present");
        qputenv("SYNTHSCOPE_FINGERPRINTS", SYNTHSCOPE_MODELS_DIR "/fingerprints");
        AutomationOptions automation;
        automation.model = SYNTHSCOPE_MODELS_DIR "/baseline/baseline.json";
        MainWindow window(automation);
        window.show();
        window.openFiles({image});
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 60000);
        const QString details = window.verdictPanel()->details();
        QVERIFY2(details.contains("Most likely generator: <b>disco_diffusion</b>") && details.contains("the detector, the generator fingerprints and the image's look combined") &&
                     details.contains("the detector alone says dalle_mini"),
                 qPrintable(details));
        // The look took part; the panel says what it alone would answer exactly when that differs.
        const auto result = window.currentCanvas()->result();
        QVERIFY(result && !result->look.empty());
        const auto lookTop = std::max_element(result->look.begin(), result->look.end(),
                                              [](const auto& a, const auto& b) { return a.second < b.second; });
        QCOMPARE(details.contains("the image's look alone says " + QString::fromStdString(lookTop->first)),
                 lookTop->first != "disco_diffusion");
        // Below it, what each source said of the first candidates: the combined answer's row first, with
        // the detector's share (it alone preferred dalle_mini) and the look's column.
        const QString table = window.verdictPanel()->contributions();
        QVERIFY2(table.contains("How the generator was chosen") && table.contains("look weight") &&
                     table.indexOf("disco_diffusion") < table.indexOf("dalle_mini"),
                 qPrintable(table));
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS"))
            window.grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/combined-attribution.png");
        qunsetenv("SYNTHSCOPE_FINGERPRINTS");
    }

    void mainWindowRunsTheRobustnessCheckWhenAskedAndRemembersIt() {
        QTemporaryDir dir;
        AutomationOptions automation;
        automation.model = kModel;
        MainWindow window(automation);
        window.show();
        QAction* check = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text().contains("Robustness")) check = a;
        QVERIFY(check);
        QVERIFY(check->isCheckable());
        QVERIFY(!check->isChecked());  // off unless asked for: it stays opt-in
        check->setChecked(true);
        QVERIFY(UserSettings::load().robustnessCheck);

        QSignalSpy done(&window, &MainWindow::documentFinished);
        window.openFiles({writeImage(dir, "bright.png", cv::Scalar(250, 250, 250), 160, 128)});
        QVERIFY(done.wait(20000));
        // Bright stays bright in JPEG and rescaled copies: the brightness fixture's verdict holds.
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);  // all done includes the check
        QVERIFY2(window.verdictPanel()->robustness().contains("Robustness check (JPEG 90, JPEG 65 and 0.75x rescale copies): holds (synthetic)"),
                 qPrintable(window.verdictPanel()->robustness()));
        // The answer joins the result, so File > Export Report writes it.
        const ResultPtr result = window.currentResult();
        QVERIFY(result && result->robustness && result->robustness->done());
        QCOMPARE(int(result->robustness->variants.size()), 3);
        ReportExporter exporter;
        QSignalSpy written(&exporter, &ReportExporter::finished);
        exporter.start(result, dir.path() + "/report.html", HeatmapColours::Cividis, {});
        QVERIFY(written.wait(30000));
        QCOMPARE(written.first().at(1).toString(), QString());
        QFile html(dir.path() + "/report.html");
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QString report = QString::fromUtf8(html.readAll());
        QVERIFY(report.contains("After the check:"));
        QVERIFY2(report.contains("per-patch synthetic probability (dark blue 0, yellow 1; white: not classified)"), "the caption follows the colours");
        QVERIFY(report.contains("120 x 96"));  // the 0.75-rescaled copy of the 160 x 128 image
        if (qEnvironmentVariableIsSet("SYNTHSCOPE_TEST_SHOTS"))
            window.grab().save(qEnvironmentVariable("SYNTHSCOPE_TEST_SHOTS") + "/robustness.png");

        check->setChecked(false);  // the setting is remembered: leave it as the other tests expect
        QVERIFY(!UserSettings::load().robustnessCheck);
        window.openFiles({writeImage(dir, "bright2.png", cv::Scalar(240, 240, 240), 160, 128)});
        QVERIFY(done.wait(20000));
        QTRY_VERIFY_WITH_TIMEOUT(window.allDone(), 20000);
        QVERIFY2(window.verdictPanel()->robustness().isEmpty(), qPrintable(window.verdictPanel()->robustness()));
    }
};

QTEST_MAIN(GuiTest)
#include "gui_test.moc"
