// The real `synthscope batch` and `synthscope report` processes: a batch killed midway loses no finished
// result and resumes; reports render their sections into a PDF.
#include <gtest/gtest.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>

#include <map>
#include <set>

#include <opencv2/imgcodecs.hpp>

#include "engine/case_store.h"
#include "engine/sha256.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

const QString kBaseline = QStringLiteral(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json");
const QString kFixture = QString::fromStdString(testData("brightness_detector.json"));

// The paths of the per-image lines ("LABEL  p=0.12 ±0.03  PATH  [WxH, ...]"), printed after each commit.
std::set<std::string> printedPaths(const QString& out) {
    std::set<std::string> paths;
    static const QRegularExpression line(R"(^\S+\s+p=\S+ ±\S+\s+(.+?)  \[)", QRegularExpression::MultilineOption);
    for (auto it = line.globalMatch(out); it.hasNext();) paths.insert(it.next().captured(1).toStdString());
    return paths;
}

std::map<std::string, std::string> storedEntries(const std::string& caseFile) {
    std::map<std::string, std::string> entries;  // path -> analysed_at
    CaseStore::open(caseFile, false)->forEachEntry([&](const CaseEntry& e) { entries[e.path] = e.analysedAt; });
    return entries;
}

}  // namespace

TEST(CaseCli, KilledBatchLosesNothingFinishedAndResumes) {
    if (!sharedDataPresent()) GTEST_SKIP() << "../shared/data not present";
    QTemporaryDir dir;
    const QString caseFile = dir.path() + "/case.sqlite";
    // 40 images of 512x512 (DIF's SD 1.4 and Midjourney sets) with the shipped baseline: a few seconds of work.
    const QStringList inputs{QString::fromStdString(sharedData("dif/sd14")), QString::fromStdString(sharedData("dif/mj"))};
    const QStringList args = QStringList{"batch", "--case", caseFile, "--model", kBaseline, "--device", "cpu"} + inputs;
    const int total = 40;

    // Run 1: killed with SIGKILL (no chance to clean up) once some results are committed.
    QProcess first;
    first.start(SYNTHSCOPE_CLI, args);
    ASSERT_TRUE(first.waitForStarted());
    QElapsedTimer timer;
    timer.start();
    QString out1;
    while (printedPaths(out1).size() < 5 && timer.elapsed() < 120000 && first.state() == QProcess::Running) {
        first.waitForReadyRead(100);
        out1 += QString::fromUtf8(first.readAllStandardOutput());
    }
    ASSERT_EQ(first.state(), QProcess::Running) << "the batch finished before it could be killed: " << out1.toStdString();
    first.kill();  // SIGKILL
    first.waitForFinished();
    out1 += QString::fromUtf8(first.readAllStandardOutput());
    const std::set<std::string> finished = printedPaths(out1);
    ASSERT_GE(finished.size(), 5u);
    ASSERT_LT(int(finished.size()), total);

    // Every result printed (printed only after its commit) survived the kill.
    const std::map<std::string, std::string> afterKill = storedEntries(caseFile.toStdString());
    for (const std::string& path : finished) EXPECT_TRUE(afterKill.count(path)) << path << " lost by the kill";
    EXPECT_LT(int(afterKill.size()), total);

    // Run 2: resumes, analyses only the rest, keeps the earlier results as they were.
    const CliRun second = runCli(args);
    ASSERT_EQ(second.exitCode, 0) << second.err.toStdString();
    EXPECT_TRUE(second.err.contains(QString("%1 already in the case, %2 to analyse").arg(afterKill.size()).arg(total - int(afterKill.size()))))
        << second.err.toStdString();
    const std::set<std::string> analysedAgain = printedPaths(second.out);
    EXPECT_EQ(int(analysedAgain.size()), total - int(afterKill.size()));
    for (const auto& [path, at] : afterKill) EXPECT_FALSE(analysedAgain.count(path)) << path << " analysed twice";
    const std::map<std::string, std::string> afterResume = storedEntries(caseFile.toStdString());
    EXPECT_EQ(int(afterResume.size()), total);
    for (const auto& [path, at] : afterKill) EXPECT_EQ(afterResume.at(path), at) << "the first run's result was replaced";

    // Run 3: everything from the cache.
    const CliRun third = runCli(args);
    ASSERT_EQ(third.exitCode, 0) << third.err.toStdString();
    EXPECT_TRUE(third.err.contains(QString("%1 already in the case, 0 to analyse").arg(total))) << third.err.toStdString();
    EXPECT_TRUE(printedPaths(third.out).empty());
    EXPECT_EQ(storedEntries(caseFile.toStdString()), afterResume);
}

TEST(CaseCli, ExportsAndPdfReportsShowTheirSections) {
    const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
    if (pdftotext.isEmpty()) GTEST_SKIP() << "pdftotext (poppler-utils, packaging/install-deps.sh) not installed";
    QTemporaryDir dir;
    const QString images = dir.path() + "/images";
    QDir().mkpath(images);
    writeRgb((images + "/bright.png").toStdString(), cv::Mat(64, 96, CV_8UC3, cv::Scalar(240, 240, 240)));
    cv::Mat noise(80, 80, CV_8UC3);
    cv::randu(noise, 0, 255);
    writeRgb((images + "/noise,\"odd\".jpg").toStdString(), noise, {cv::IMWRITE_JPEG_QUALITY, 85});
    const QString caseFile = dir.path() + "/case.sqlite";
    const CliRun batch = runCli({"batch", "--case", caseFile, "--model", kFixture, "--device", "cpu", images});
    ASSERT_EQ(batch.exitCode, 0) << batch.err.toStdString();

    // CSV and JSON of the whole case.
    const CliRun exports = runCli({"report", "--case", caseFile, "--csv", dir.path() + "/case.csv", "--json", dir.path() + "/case.json"});
    ASSERT_EQ(exports.exitCode, 0) << exports.err.toStdString();
    // Each file written is named with its SHA-256, for the record of what was handed on.
    for (const char* name : {"/case.csv", "/case.json"}) {
        const std::string sha = synthscope::sha256OfFile((dir.path() + name).toStdString());
        EXPECT_TRUE(exports.err.contains(QString("Wrote %1%2 (SHA-256 %3)").arg(dir.path(), name, QString::fromStdString(sha))))
            << exports.err.toStdString();
    }
    QFile csv(dir.path() + "/case.csv");
    ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 3);
    EXPECT_TRUE(lines[0].startsWith("path,image_sha256,label,synthetic_probability"));
    EXPECT_TRUE(lines[1].contains("bright.png") && lines[1].contains(",synthetic,"));
    EXPECT_TRUE(lines[2].startsWith('"') && lines[2].contains("/noise,\"\"odd\"\".jpg\",")) << "CSV quoting: " << lines[2].toStdString();
    QFile json(dir.path() + "/case.json");
    ASSERT_TRUE(json.open(QIODevice::ReadOnly));
    QJsonParseError error{};
    const QJsonObject root = QJsonDocument::fromJson(json.readAll(), &error).object();
    ASSERT_EQ(error.error, QJsonParseError::NoError) << error.errorString().toStdString();
    EXPECT_EQ(root["format"].toString(), "synthscope-case-export/1");
    EXPECT_EQ(root["entries"].toArray().size(), 2);
    EXPECT_EQ(root["summary"].toObject()["synthetic"].toInt(), 1);

    auto pdfText = [&](const QString& pdf) {
        QProcess p;
        p.start(pdftotext, {"-layout", pdf, "-"});
        EXPECT_TRUE(p.waitForFinished(60000));
        // NFKC: the PDF's typographic ligatures ("ﬁ") back to letters.
        return QString::fromUtf8(p.readAllStandardOutput()).normalized(QString::NormalizationForm_KC);
    };
    // One image of the case, with no fingerprint library: the report must say the check did not run. (The
    // folder's name has no hyphen, where a table cell could break the line.)
    const QString one = dir.path() + "/one.pdf";
    QProcess report;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("SYNTHSCOPE_FINGERPRINTS", dir.path() + "/missinglibrary");
    report.setProcessEnvironment(env);
    report.start(SYNTHSCOPE_CLI, {"report", "--case", caseFile, "--image", images + "/noise,\"odd\".jpg", "--pdf", one});
    ASSERT_TRUE(report.waitForFinished(120000));
    ASSERT_EQ(report.exitCode(), 0) << report.readAllStandardError().toStdString();
    const QString text = pdfText(one);
    for (const char* section : {"SynthScope evidence report", "What this report can and cannot show", "Image and heatmap",
                                "Detector probabilities", "Noise spectrum", "Generator fingerprints", "JPEG history and metadata",
                                "File, model and settings", "What was and was not checked", "brightness_detector",
                                "estimated quality", "not run", "missinglibrary"})
        EXPECT_TRUE(text.contains(section)) << "missing in the PDF: " << section;

    // The whole case, both images detailed.
    const QString whole = dir.path() + "/case.pdf";
    const CliRun caseReport = runCli({"report", "--case", caseFile, "--pdf", whole, "--html", dir.path() + "/case.html", "--details", "2"});
    ASSERT_EQ(caseReport.exitCode, 0) << caseReport.err.toStdString();
    const QString caseText = pdfText(whole);
    for (const char* section : {"SynthScope case report", "Summary", "Models and settings", "Images", "Detail 1:", "Detail 2:"})
        EXPECT_TRUE(caseText.contains(section)) << "missing in the case PDF: " << section;
    EXPECT_GT(QFileInfo(dir.path() + "/case.html").size(), 1000);
}

TEST(CaseCli, BatchAndReportsCarryTheRobustnessCheck) {
    QTemporaryDir dir;
    const QString images = dir.path() + "/images";
    QDir().mkpath(images);
    writeRgb((images + "/bright.png").toStdString(), cv::Mat(64, 96, CV_8UC3, cv::Scalar(240, 240, 240)));
    const QString caseFile = dir.path() + "/case.sqlite";
    const CliRun batch = runCli({"batch", "--case", caseFile, "--model", kFixture, "--device", "cpu",
                                 "--robustness-copies", "jpeg90,contrast0.5", images});
    ASSERT_EQ(batch.exitCode, 0) << batch.err.toStdString();
    EXPECT_TRUE(batch.out.contains("  robustness: synthetic. The verdict is the same on every degraded copy (2).")) << batch.out.toStdString();

    const CliRun exports = runCli({"report", "--case", caseFile, "--csv", dir.path() + "/case.csv", "--html", dir.path() + "/case.html"});
    ASSERT_EQ(exports.exitCode, 0) << exports.err.toStdString();
    QFile csv(dir.path() + "/case.csv");
    ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 2);
    EXPECT_TRUE(lines[0].endsWith(",analysed_at,robustness,top_generator_unnamed,record_notes,region,controls")) << lines[0].toStdString();
    EXPECT_TRUE(lines[1].endsWith(",synthetic,false,,,")) << "a PNG without a record: no note; the whole file: no region, no controls; "
                                                         << lines[1].toStdString();
    QFile html(dir.path() + "/case.html");
    ASSERT_TRUE(html.open(QIODevice::ReadOnly));
    const QString caseHtml = QString::fromUtf8(html.readAll());
    EXPECT_TRUE(caseHtml.contains("check: synthetic")) << "the case table's verdict cell";
    EXPECT_TRUE(caseHtml.contains("After the check:")) << "the detailed section";

    // One image outside a case, checked now; a case's results carry their own check instead.
    const CliRun one = runCli({"report", images + "/bright.png", "--model", kFixture, "--device", "cpu", "--robustness",
                               "--html", dir.path() + "/one.html"});
    ASSERT_EQ(one.exitCode, 0) << one.err.toStdString();
    QFile oneHtml(dir.path() + "/one.html");
    ASSERT_TRUE(oneHtml.open(QIODevice::ReadOnly));
    const QString oneText = QString::fromUtf8(oneHtml.readAll());
    for (const char* part : {"JPEG 90, JPEG 65 and 0.75x rescale", "After the check:", "72 x 48"})
        EXPECT_TRUE(oneText.contains(part)) << part;
    const CliRun refused = runCli({"report", "--case", caseFile, "--robustness", "--html", dir.path() + "/x.html"});
    EXPECT_EQ(refused.exitCode, 2);
    EXPECT_TRUE(refused.err.contains("carry the check")) << refused.err.toStdString();
}
