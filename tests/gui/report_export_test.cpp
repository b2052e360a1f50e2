// File > Export Report's worker: writes the open image's report off the GUI thread and says when it is done.
#include <QFile>
#include <map>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QProcess>
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

    // Filler paragraphs push a heading, a picture with its caption, a heading over a table and a heading over
    // a picture down the pages one line at a time. Somewhere in the sweep each lands where it still fits but
    // what follows it does not (a heading is taller than a filler line); QTextDocument alone then ends the
    // page with it. Where things were printed is read back from the PDF with poppler: pdftotext's pages
    // (form feeds between them) for the text, pdfimages for the pictures (told apart by their sizes).
    void keepsHeadingsAndFiguresWithWhatFollows() {
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext"), pdfimages = QStandardPaths::findExecutable("pdfimages");
        if (pdftotext.isEmpty() || pdfimages.isEmpty()) QSKIP("poppler-utils (packaging/install-deps.sh) is not installed");
        auto run = [](const QString& program, const QStringList& arguments) {
            QProcess p;
            p.start(program, arguments);
            // NFKC: the PDF's typographic ligatures ("\ufb01") back to letters.
            return p.waitForFinished(30000) ? QString::fromUtf8(p.readAllStandardOutput()).normalized(QString::NormalizationForm_KC) : QString();
        };
        const std::vector<std::pair<QString, QString>> together = {{"Section heading", "first line of the section"},
                                                                   {"picture 300x160", "caption of the picture"},
                                                                   {"Table heading", "first row"},
                                                                   {"Picture heading", "picture 240x240"}};
        std::map<QString, int> carriedOver;  // how often each first item was printed after page 1
        QTemporaryDir dir;
        const QString pdf = dir.path() + "/sweep.pdf";
        
        for (int lines = 30; lines <= 110; ++lines) {
            report::ReportDocument document;
            document.title = "pagination";
            for (int i = 0; i < lines; ++i) document.html += QString("<p>filler line %1</p>\n").arg(i);
            document.html += "<h2>Section heading</h2>\n<p>first line of the section</p>\n"
                             "<p><img src=\"report-image:wide\" width=\"300\" height=\"160\"></p>\n<p>caption of the picture</p>\n"
                             "<h2>Table heading</h2>\n<table border=\"1\"><tr><th>column</th></tr><tr><td>first row</td></tr>"
                             "<tr><td>second row</td></tr></table>\n"
                             "<h2>Picture heading</h2>\n<p><img src=\"report-image:square\" width=\"300\" height=\"300\"></p>\n";
            document.images.push_back({"wide", cv::Mat(160, 300, CV_8UC3, cv::Scalar(30, 120, 200))});
            document.images.push_back({"square", cv::Mat(240, 240, CV_8UC3, cv::Scalar(200, 60, 30))});
            std::string error;
            QVERIFY2(report::writePdf(document, pdf, error), error.c_str());

            std::map<QString, int> page;  // 1-based, as poppler counts
            const QStringList pages = run(pdftotext, {"-layout", pdf, "-"}).split('\f');
            for (int p = 0; p < pages.size(); ++p)
                for (const QString& line : pages[p].split('\n'))
                    if (!line.trimmed().isEmpty()) page.emplace(line.trimmed(), p + 1);
            // "page num type width height ...", after two header lines.
            for (const QString& line : run(pdfimages, {"-list", pdf}).split('\n').mid(2)) {
                const QStringList f = line.simplified().split(' ');
                if (f.size() > 4) page[QString("picture %1x%2").arg(f[3], f[4])] = f[0].toInt();
            }
            for (const auto& [first, second] : together) {
                QVERIFY2(page.count(first) && page.count(second), qPrintable(QString("%1 filler lines: %2 or %3 not found").arg(lines).arg(first, second)));
                QVERIFY2(page[first] == page[second], qPrintable(QString("%1 filler lines: \"%2\" on page %3, \"%4\" on page %5")
                                                                  .arg(lines).arg(first).arg(page[first]).arg(second).arg(page[second])));
                if (page[first] > 1) ++carriedOver[first];
            }
        }
        // The sweep did carry each across a page end.
        for (const auto& [first, second] : together) QVERIFY2(carriedOver[first] > 0, qPrintable(first));
    }

    // A table longer than a page (a case of many images) repeats its header row on every page it covers,
    // so a reader of page 7 still knows which column is which. The reports mark header rows as <thead>.
    void repeatsATablesHeaderOnEveryPage() {
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
        if (pdftotext.isEmpty()) QSKIP("poppler-utils (packaging/install-deps.sh) is not installed");
        report::ReportDocument document;
        document.title = "long table";
        QString rows = "<thead><tr><th>image column</th><th>verdict column</th></tr></thead>\n";
        for (int i = 0; i < 300; ++i) rows += QString("<tr><td>image %1</td><td>authentic</td></tr>\n").arg(i);
        document.html = "<h2>Images</h2>\n<table border=\"1\">" + rows + "</table>\n";
        QTemporaryDir dir;
        const QString pdf = dir.path() + "/long.pdf";
        std::string error;
        QVERIFY2(report::writePdf(document, pdf, error), error.c_str());
        QProcess p;
        p.start(pdftotext, {"-layout", pdf, "-"});
        QVERIFY(p.waitForFinished(30000));
        const QStringList pages = QString::fromUtf8(p.readAllStandardOutput()).split('\f', Qt::SkipEmptyParts);
        int withRows = 0;
        for (int i = 0; i < pages.size(); ++i) {
            if (!pages[i].contains("image ")) continue;
            ++withRows;
            QVERIFY2(pages[i].contains("image column") && pages[i].contains("verdict column"), qPrintable(QString("page %1 has no header").arg(i + 1)));
        }
        QVERIFY2(withRows >= 3, qPrintable(QString("%1 pages of rows").arg(withRows)));
        QVERIFY(pages.join("").contains("image 299"));
    }
};

QTEST_MAIN(ReportExportTest)
#include "report_export_test.moc"
