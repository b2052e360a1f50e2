#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include "tests/unit/test_support.h"

using namespace synthscope::test;

namespace {

struct CliRun {
    int exitCode = -1;
    QString out, err;
};

CliRun runCli(const QStringList& args) {
    QProcess p;
    p.start(SYNTHSCOPE_CLI, args);
    EXPECT_TRUE(p.waitForFinished(240000));
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

QJsonObject readJson(const QString& path) {
    QFile f(path);
    EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &error);
    EXPECT_EQ(error.error, QJsonParseError::NoError) << error.errorString().toStdString();
    return doc.object();
}

const QString kModel = QString::fromStdString(testData("brightness_detector.json"));

}  // namespace

TEST(Cli, AnalyzesAFolderWritesJsonAndHeatmapsAndFlagsBadFiles) {
    QTemporaryDir dir;
    const QString images = dir.path() + "/images";
    QDir().mkpath(images + "/nested");
    writeRgb((images + "/bright.png").toStdString(), cv::Mat(64, 64, CV_8UC3, cv::Scalar(250, 250, 250)));
    writeRgb((images + "/nested/dark.jpg").toStdString(), cv::Mat(70, 90, CV_8UC3, cv::Scalar(5, 5, 5)));
    writeBytes((images + "/broken.png").toStdString(), {0x89, 'P', 'N', 'G', 1, 2, 3});

    const CliRun run = runCli({"analyze", "--model", kModel, "--device", "cpu", images, "--json", dir.path() + "/out.json",
                            "--heatmap-dir", dir.path() + "/heat"});
    EXPECT_EQ(run.exitCode, 2) << "one input was bad: " << run.err.toStdString();
    EXPECT_TRUE(run.out.contains("SYNTHETIC")) << run.out.toStdString();
    EXPECT_TRUE(run.out.contains("AUTHENTIC")) << run.out.toStdString();
    EXPECT_TRUE(run.err.contains("broken.png"));

    const QJsonObject json = readJson(dir.path() + "/out.json");
    EXPECT_EQ(json["format"].toString(), "synthscope-analysis/1");
    EXPECT_EQ(json["summary"].toObject()["analysed"].toInt(), 2);
    EXPECT_EQ(json["summary"].toObject()["failed"].toInt(), 1);
    const QJsonArray results = json["results"].toArray();
    ASSERT_EQ(results.size(), 2);
    const QJsonObject first = results[0].toObject();
    EXPECT_EQ(first["verdict"].toObject()["label"].toString(), "synthetic");
    EXPECT_EQ(first["image"].toObject()["sha256"].toString().size(), 64);
    EXPECT_EQ(first["provenance"].toObject()["model"].toObject()["name"].toString(), "brightness_detector");
    EXPECT_EQ(first["patches"].toArray().size(), 4);
    EXPECT_EQ(json["errors"].toArray().size(), 1);
    EXPECT_EQ(QDir(dir.path() + "/heat").entryList(QDir::Files).size(), 4) << "heatmap + overlay per image";
}

TEST(Cli, ExitCodesAndHelp) {
    EXPECT_EQ(runCli({}).exitCode, 2);
    const CliRun help = runCli({"analyze", "--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_TRUE(help.out.contains("--heatmap-dir"));
    EXPECT_EQ(runCli({"analyze", "--no-such-option", "x"}).exitCode, 2);
    EXPECT_EQ(runCli({"analyze", "--model", kModel, "/nonexistent/folder"}).exitCode, 2);
    const CliRun noModel = runCli({"analyze", "--model", "/nonexistent/model.json", "x.png"});
    EXPECT_EQ(noModel.exitCode, 3);
    EXPECT_TRUE(noModel.err.contains("no such file")) << noModel.err.toStdString();
    EXPECT_EQ(runCli({"frobnicate"}).exitCode, 2);
}

TEST(Cli, RunsOverTheDifSampleSet) {
    if (!sharedDataPresent()) GTEST_SKIP() << "../shared/data not present";
    QTemporaryDir dir;
    const CliRun run = runCli({"analyze", "--model", kModel, "--device", "cpu", QString::fromStdString(sharedData("dif/sd14")),
                            "--json", dir.path() + "/sd14.json", "--verdict-only"});
    EXPECT_EQ(run.exitCode, 0) << run.err.toStdString();
    const QJsonObject json = readJson(dir.path() + "/sd14.json");
    EXPECT_EQ(json["summary"].toObject()["analysed"].toInt(), 20);
    EXPECT_EQ(json["results"].toArray().size(), 20);
}
