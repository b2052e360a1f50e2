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
#include "engine/sha256.h"
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
        exporter.start(result, dir.path() + "/report.pdf", HeatmapColours::Turbo, {});
        QVERIFY(spy.wait(120000));
        QCOMPARE(spy.at(0).at(1).toString(), QString());  // no error
        // The written file's SHA-256, for the status bar and the record of what was handed on.
        QCOMPARE(spy.at(0).at(2).toString(), QString::fromStdString(sha256OfFile((dir.path() + "/report.pdf").toStdString())));
        QCOMPARE(workThread, QThread::currentThread());     // delivered on the GUI thread
        QFile pdf(dir.path() + "/report.pdf");
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
        // The archival form evidence is kept in: PDF/A-1b, said in its XMP metadata.
        QVERIFY(pdf.readAll().contains("pdfaid:part=\"1\" pdfaid:conformance=\"B\""));

        exporter.start(result, dir.path() + "/report.html", HeatmapColours::Turbo, {});
        QVERIFY(spy.wait(120000));
        QFile html(dir.path() + "/report.html");
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray text = html.readAll();
        QVERIFY(text.contains("What was and was not checked"));
        QVERIFY(text.contains(QByteArray::fromStdString(result->image.sha256)));
        QVERIFY(text.contains("/models/fingerprints. Score 0"));  // the installed one, found beside the models

        // A library chosen in Analysis > Generator Fingerprints: one fingerprint of the shipped library copied
        // into a folder of its own. The report compares with it and names it.
        const QString chosen = dir.path() + "/chosen library";
        QVERIFY(QDir().mkpath(chosen));
        for (const char* file : {"ldm.npy", "ldm.json"})
            QVERIFY(QFile::copy(QString(SYNTHSCOPE_MODELS_DIR "/fingerprints/") + file, chosen + "/" + file));
        exporter.start(result, dir.path() + "/chosen.html", HeatmapColours::Turbo, chosen);
        QVERIFY(spy.wait(120000));
        QCOMPARE(spy.last().at(1).toString(), QString());
        QFile chosenHtml(dir.path() + "/chosen.html");
        QVERIFY(chosenHtml.open(QIODevice::ReadOnly));
        const QString chosenText = QString::fromUtf8(chosenHtml.readAll());
        QVERIFY2(chosenText.contains("from " + chosen.toHtmlEscaped() + ". Score 0"), "the chosen library is named");
        QVERIFY(chosenText.contains("ldm") && !chosenText.contains("dalle_mini"));
        // Gone since it was chosen: the report is still written, and says why there was no comparison and how to go back.
        exporter.start(result, dir.path() + "/gone.html", HeatmapColours::Turbo, dir.path() + "/moved away");
        QVERIFY(spy.wait(120000));
        QCOMPARE(spy.last().at(1).toString(), QString());
        QFile goneHtml(dir.path() + "/gone.html");
        QVERIFY(goneHtml.open(QIODevice::ReadOnly));
        const QString goneText = QString::fromUtf8(goneHtml.readAll());
        QVERIFY2(goneText.contains("is not a folder") && goneText.contains("chosen in Analysis &gt; Generator Fingerprints"), qPrintable(goneText.left(4000)));

        exporter.start(result, dir.path() + "/no/such/folder/report.pdf", HeatmapColours::Turbo, {});  // an error is reported, not thrown
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

    // QTextDocument breaks a table row or a paragraph wherever the page ends: a check's name on one page and
    // its result on the next, a paragraph's last line alone at the top of a page. Filler lines push a table
    // with a four-line row, a three-line paragraph and a twenty-line one down the pages one line at a time;
    // the row and the short paragraph must never be parted, the long one may be, with two lines or more on
    // each side, and a page that carries the row on shows the table's header above it.
    void keepsTableRowsAndShortParagraphsTogether() {
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
        if (pdftotext.isEmpty()) QSKIP("poppler-utils (packaging/install-deps.sh) is not installed");
        QString longParagraph = "<p>";
        for (int i = 0; i < 20; ++i) longParagraph += QString("%1long paragraph line %2").arg(i ? "<br>" : "").arg(i, 2, 10, QChar('0'));
        longParagraph += "</p>\n";
        int rowCarried = 0, shortCarried = 0, longParted = 0;
        QTemporaryDir dir;
        const QString pdf = dir.path() + "/rows.pdf";
        for (int lines = 30; lines <= 110; ++lines) {
            report::ReportDocument document;
            document.title = "rows";
            for (int i = 0; i < lines; ++i) document.html += QString("<p>filler line %1</p>\n").arg(i);
            document.html += "<table border=\"1\" width=\"100%\"><thead><tr><th>check column</th><th>result column</th></tr></thead>"
                             "<tr><td>first row</td><td>one line</td></tr>"
                             "<tr><td>tall row</td><td>row line a<br>row line b<br>row line c<br>row line d</td></tr>"
                             "<tr><td>last row</td><td>one line</td></tr></table>\n"
                             "<p>short paragraph a<br>short paragraph b<br>short paragraph c</p>\n" +
                             longParagraph;
            std::string error;
            QVERIFY2(report::writePdf(document, pdf, error), error.c_str());
            QProcess p;
            p.start(pdftotext, {"-layout", pdf, "-"});
            QVERIFY(p.waitForFinished(30000));
            // NFKC: the PDF's typographic ligatures ("\ufb01") back to letters.
            const QStringList pages = QString::fromUtf8(p.readAllStandardOutput()).normalized(QString::NormalizationForm_KC).split('\f');
            auto pageOf = [&](const QString& text) {
                for (int i = 0; i < pages.size(); ++i)
                    if (pages[i].contains(text)) return i;
                return -1;
            };
            const QString at = QString("%1 filler lines: ").arg(lines);
            for (const QString& text : {"first row", "row line a", "row line d", "last row", "short paragraph a", "short paragraph c"})
                QVERIFY2(pageOf(text) >= 0, qPrintable(at + text + " not found"));
            QVERIFY2(pageOf("row line a") == pageOf("row line d"), qPrintable(at + "the tall row is parted"));
            QVERIFY2(pages[pageOf("row line a")].contains("check column"), qPrintable(at + "no header above the tall row"));
            QVERIFY2(pageOf("short paragraph a") == pageOf("short paragraph c"), qPrintable(at + "the short paragraph is parted"));
            if (pageOf("row line a") > pageOf("first row")) ++rowCarried;
            if (pageOf("short paragraph a") > pageOf("last row")) ++shortCarried;
            const int first = pageOf("long paragraph line 00"), last = pageOf("long paragraph line 19");
            QVERIFY2(first >= 0 && last >= 0, qPrintable(at + "the long paragraph is not found"));
            if (first != last) {
                ++longParted;
                QVERIFY2(pageOf("long paragraph line 01") == first, qPrintable(at + "one line of the long paragraph left behind"));
                QVERIFY2(pageOf("long paragraph line 18") == last, qPrintable(at + "one line of the long paragraph carried over"));
            }
        }
        // The sweep did carry each across a page end.
        QVERIFY(rowCarried > 0);
        QVERIFY(shortCarried > 0);
        QVERIFY(longParted > 0);
    }

    // A table longer than a page (a case of many images) repeats its header row on every page it covers,
    // so a reader of page 7 still knows which column is which, and no row is parted by a page's end (each is
    // two lines here). The reports mark header rows as <thead>.
    void repeatsATablesHeaderOnEveryPage() {
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
        if (pdftotext.isEmpty()) QSKIP("poppler-utils (packaging/install-deps.sh) is not installed");
        for (const bool withHeader : {true, false}) {  // without one, the first rows themselves move into another table
            report::ReportDocument document;
            document.title = "long table";
            QString rows = withHeader ? "<thead><tr><th>image column</th><th>verdict column</th></tr></thead>\n" : "";
            for (int i = 0; i < 300; ++i) rows += QString("<tr><td>image %1</td><td>authentic<br>its second line %1</td></tr>\n").arg(i);
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
                if (withHeader)
                    QVERIFY2(pages[i].contains("image column") && pages[i].contains("verdict column"), qPrintable(QString("page %1 has no header").arg(i + 1)));
            }
            QVERIFY2(withRows >= 3, qPrintable(QString("%1 pages of rows").arg(withRows)));
            for (int row = 0; row < 300; ++row) {
                const QRegularExpression first(QString("image %1\\b").arg(row)), second(QString("its second line %1\\b").arg(row));
                int firstPage = -1, secondPage = -1;
                for (int i = 0; i < pages.size(); ++i) {
                    if (firstPage < 0 && pages[i].contains(first)) firstPage = i;
                    if (secondPage < 0 && pages[i].contains(second)) secondPage = i;
                }
                QVERIFY2(firstPage >= 0 && firstPage == secondPage, qPrintable(QString("%1 header, row %2: its lines on pages %3 and %4")
                                                                                  .arg(withHeader ? "with a" : "without a").arg(row)
                                                                                  .arg(firstPage + 1).arg(secondPage + 1)));
            }
        }
    }
};

QTEST_MAIN(ReportExportTest)
#include "report_export_test.moc"
