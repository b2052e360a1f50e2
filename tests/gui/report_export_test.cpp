// File > Export Report's worker: writes the open image's report off the GUI thread and says when it is done.
#include <QFile>
#include <map>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include "engine/image_analyzer.h"
#include "engine/model_manifest.h"
#include "report/evidence_report.h"
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

    // Filler paragraphs push a heading, a picture with its caption, and a heading over a table down the first
    // page one line at a time. Somewhere in the sweep each lands where it still fits but what follows it
    // does not (a heading is taller than a filler line); QTextDocument alone then ends the page with it.
    void keepsHeadingsAndFiguresWithWhatFollows() {
        const QString picture(QChar::ObjectReplacementCharacter);
        const std::vector<std::pair<QString, QString>> together = {
            {"Section heading", "first line of the section"}, {picture, "caption of the picture"}, {"Table heading", "first row"}};
        std::map<QString, int> carriedOver;  // how often each first block was printed on the second page
        for (int lines = 30; lines <= 110; ++lines) {
            report::ReportDocument document;
            document.title = "pagination";
            for (int i = 0; i < lines; ++i) document.html += QString("<p>filler line %1</p>\n").arg(i);
            document.html += "<h2>Section heading</h2>\n<p>first line of the section</p>\n"
                             "<p><img src=\"report-image:picture\" width=\"300\" height=\"160\"></p>\n<p>caption of the picture</p>\n"
                             "<h2>Table heading</h2>\n<table border=\"1\"><tr><th>column</th></tr><tr><td>first row</td></tr>"
                             "<tr><td>second row</td></tr></table>\n";
            document.images.push_back({"picture", cv::Mat(160, 300, CV_8UC3, cv::Scalar(30, 120, 200))});
            std::map<QString, int> page;
            for (const report::PrintedBlock& b : report::pdfBlocks(document)) page[b.text.trimmed()] = b.page;
            for (const auto& [first, second] : together) {
                QVERIFY2(page.count(first) && page.count(second), qPrintable(first));
                QVERIFY2(page[first] == page[second], qPrintable(QString("%1 filler lines: \"%2\" on page %3, \"%4\" on page %5")
                                                                  .arg(lines).arg(first).arg(page[first] + 1).arg(second).arg(page[second] + 1)));
                if (page[first] > 0) ++carriedOver[first];
            }
        }
        // The sweep did carry each across the page end.
        for (const auto& [first, second] : together) QVERIFY2(carriedOver[first] > 0, qPrintable(first));
    }
};

QTEST_MAIN(ReportExportTest)
#include "report_export_test.moc"
