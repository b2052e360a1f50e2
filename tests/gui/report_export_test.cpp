// File > Export Report's worker: writes the open image's report off the GUI thread and says when it is done.
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include "engine/image_analyzer.h"
#include "engine/model_manifest.h"
#include "ui/report_export.h"

using namespace synthscope;

class ReportExportTest : public QObject {
    Q_OBJECT
private slots:
    void writesPdfAndHtmlOffTheGuiThread() {
        QTemporaryDir dir;
        const QString image = dir.path() + "/noise.png";
        cv::Mat noise(96, 96, CV_8UC3);
        cv::randu(noise, 0, 255);
        QVERIFY(cv::imwrite(image.toStdString(), noise));
        DetectorOptions cpu;
        cpu.device = "cpu";
        auto detector = std::shared_ptr<Detector>(Detector::open(loadManifest(SYNTHSCOPE_TEST_DATA_DIR "/brightness_detector.json"), cpu));
        auto result = std::make_shared<const AnalysisResult>(ImageAnalyzer(detector, {}).analyze(image.toStdString()));

        ui::ReportExporter exporter;
        QSignalSpy spy(&exporter, &ui::ReportExporter::finished);
        QThread* workThread = nullptr;
        connect(&exporter, &ui::ReportExporter::finished, this, [&] { workThread = QThread::currentThread(); });
        exporter.start(result, dir.path() + "/report.pdf");
        QVERIFY(spy.wait(120000));
        QCOMPARE(spy.at(0).at(1).toString(), QString());  // no error
        QCOMPARE(workThread, QThread::currentThread());     // delivered on the GUI thread
        QFile pdf(dir.path() + "/report.pdf");
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");

        exporter.start(result, dir.path() + "/report.html");
        QVERIFY(spy.wait(120000));
        QFile html(dir.path() + "/report.html");
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray text = html.readAll();
        QVERIFY(text.contains("What was and was not checked"));
        QVERIFY(text.contains(QByteArray::fromStdString(result->image.sha256)));

        exporter.start(result, dir.path() + "/no/such/folder/report.pdf");  // an error is reported, not thrown
        QVERIFY(spy.wait(120000));
        QVERIFY(!spy.last().at(1).toString().isEmpty());
    }
};

QTEST_MAIN(ReportExportTest)
#include "report_export_test.moc"
