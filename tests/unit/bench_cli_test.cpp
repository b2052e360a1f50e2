// `synthscope bench` on a tiny image with a tiny model: the table and the JSON carry every figure, and
// the engine picks the same top-k patches as the Python recipe (no timing is asserted).
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

CliRun bench(const QStringList& args) { return runCli(QStringList{"bench"} + args); }

QJsonObject readJson(const QString& path) {
    QFile f(path);
    EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
    return QJsonDocument::fromJson(f.readAll()).object();
}

// A 100x70 image with texture, so the GLCM ranking is not a tie.
cv::Mat texturedImage() {
    cv::Mat rgb(70, 100, CV_8UC3);
    cv::RNG rng(5);
    rng.fill(rgb, cv::RNG::UNIFORM, 0, 256);
    rgb(cv::Rect(0, 0, 50, 35)) /= 4;  // a flatter corner
    return rgb;
}

bool pythonReferenceAvailable() {
    QProcess p;
    p.start("/usr/bin/python3", {"-c", "import torch, skimage, PIL, numpy"});
    return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

const QString kModel = QString::fromStdString(testData("brightness_detector.json"));

}  // namespace

TEST(BenchCli, PrintsTheTableAndWritesEveryFigure) {
    QTemporaryDir dir;
    const QString image = dir.path() + "/tiny.png";
    writeRgb(image.toStdString(), texturedImage());
    const CliRun run = bench({"--model", kModel, "--device", "cpu", "--threads", "1", "--precision", "fp32,bf16", "--optimize",
                           "off,on", "--repeat", "2", "--json", dir.path() + "/bench.json", image});
    ASSERT_EQ(run.exitCode, 0) << run.err.toStdString();
    for (const char* column : {"decode", "select", "top-k", "verdict", "full", "patch/s", "img/s", "RSS MB"})
        EXPECT_TRUE(run.out.contains(column)) << column << "\n" << run.out.toStdString();
    EXPECT_TRUE(run.out.contains("engine fp32 as loaded"));
    EXPECT_TRUE(run.out.contains("engine fp32 optimised"));
    EXPECT_TRUE(run.out.contains("load average"));

    const QJsonObject json = readJson(dir.path() + "/bench.json");
    EXPECT_EQ(json["format"].toString(), "synthscope-bench/1");
    EXPECT_EQ(json["repeat"].toInt(), 2);
    EXPECT_FALSE(json["machine"].toObject()["cpu"].toString().isEmpty());
    EXPECT_GE(json["machine"].toObject()["cpus"].toInt(), 1);
    EXPECT_EQ(json["model"].toObject()["name"].toString(), "brightness_detector");
    EXPECT_TRUE(json["reference"].isNull());
    const QJsonArray engine = json["engine"].toArray();
    ASSERT_EQ(engine.size(), 4) << "2 precisions x 2 optimisation settings";
    for (const QJsonValue& v : engine) {
        const QJsonObject c = v.toObject();
        EXPECT_EQ(c["device"].toString(), "cpu");
        EXPECT_EQ(c["threads"].toInt(), 1);
        EXPECT_EQ(c["batch_size"].toInt(), 4) << "the manifest's";
        EXPECT_TRUE(c["precision"].toString() == "fp32" || c["precision"].toString() == "bf16");
        const QJsonArray results = c["results"].toArray();
        ASSERT_EQ(results.size(), 1);
        const QJsonObject r = results[0].toObject();
        EXPECT_EQ(r["width"].toInt(), 100);
        EXPECT_EQ(r["height"].toInt(), 70);
        EXPECT_EQ(r["patches"].toInt(), 12) << "ceil(100/32) x ceil(70/32)";
        EXPECT_GT(r["first_verdict_s"].toDouble(), 0.0);
        EXPECT_GE(r["full_s"].toDouble(), r["first_verdict_s"].toDouble());
        EXPECT_GT(r["patches_per_s"].toDouble(), 0.0);
        EXPECT_GT(r["peak_rss_mb"].toDouble(), 10.0);
        EXPECT_EQ(r["runs_full_s"].toArray().size(), 2);
        EXPECT_EQ(r["top_k"].toArray().size(), 3) << "the manifest's verdict_top_k";
    }
    EXPECT_EQ(engine[1].toObject()["optimization"].toString(), "as loaded");
    EXPECT_EQ(engine[2].toObject()["optimization"].toString(), "frozen, optimised for inference");
    const QJsonArray comparison = json["comparison"].toArray();
    ASSERT_EQ(comparison.size(), 4);
    for (int i = 1; i < 4; ++i) {
        const QJsonObject c = comparison[i].toObject();
        EXPECT_LT(c["max_probability_diff_vs_first"].toDouble(), 2e-2);
        EXPECT_TRUE(c["same_verdict_as_first"].toBool());
    }
    const QJsonArray agreement = json["agreement"].toArray();
    ASSERT_EQ(agreement.size(), 3) << "each configuration against the first";
    for (const QJsonValue& v : agreement) {
        EXPECT_EQ(v.toObject()["images"].toInt(), 1);
        EXPECT_EQ(v.toObject()["same_verdict"].toInt(), 1);
        EXPECT_LT(v.toObject()["max_probability_diff"].toDouble(), 2e-2);
    }
    EXPECT_TRUE(run.out.contains("same verdict 1/1")) << run.out.toStdString();
}

TEST(BenchCli, GeneratesTestImagesAndMatchesThePythonReference) {
    QTemporaryDir dir;
    QDir().mkpath(dir.path() + "/photos");
    cv::RNG rng(9);
    for (int i = 0; i < 3; ++i) {
        cv::Mat photo(330, 340, CV_8UC3);
        rng.fill(photo, cv::RNG::UNIFORM, 0, 256);
        writeRgb((dir.path() + "/photos/p" + QString::number(i) + ".jpg").toStdString(), photo);
    }
    QStringList args{"--model", kModel, "--device", "cpu", "--threads", "1", "--repeat", "1", "--megapixels", "0.2",
                     "--source", dir.path() + "/photos", "--keep-images", dir.path() + "/made", "--json", dir.path() + "/b.json"};
    const bool reference = pythonReferenceAvailable();
    if (reference) args << "--reference";
    const CliRun run = bench(args);
    ASSERT_EQ(run.exitCode, 0) << run.err.toStdString();
    EXPECT_TRUE(QFile::exists(dir.path() + "/made/bench-516x387.jpg")) << "0.2 MP at 4:3";
    const QJsonObject json = readJson(dir.path() + "/b.json");
    const QJsonObject r = json["engine"].toArray()[0].toObject()["results"].toArray()[0].toObject();
    EXPECT_EQ(r["width"].toInt(), 516);
    EXPECT_EQ(r["height"].toInt(), 387);
    EXPECT_EQ(r["patches"].toInt(), 17 * 13);
    if (!reference) GTEST_SKIP() << "/usr/bin/python3 lacks torch, scikit-image or PIL: reference not run";

    EXPECT_TRUE(run.out.contains("reference (Python)")) << run.out.toStdString();
    EXPECT_TRUE(run.out.contains("faster")) << run.out.toStdString();
    const QJsonObject ref = json["reference"].toObject();
    EXPECT_EQ(ref["format"].toString(), "synthscope-bench-reference/1");
    const QJsonObject refImage = ref["results"].toArray()[0].toObject();
    EXPECT_EQ(refImage["patches"].toInt(), 17 * 13) << "the same grid";
    EXPECT_GT(refImage["first_verdict_s"].toDouble(), 0.0);
    const QJsonObject cmp = json["comparison"].toArray()[0].toObject();
    EXPECT_TRUE(cmp["top_k_same_as_reference"].toBool()) << "same grey conversion and GLCM as skimage";
    EXPECT_LT(cmp["synthetic_probability_diff_vs_reference"].toDouble(), 1e-4) << "same model, fp32";
    EXPECT_GT(cmp["first_verdict_speedup"].toDouble(), 0.0);
    EXPECT_GT(cmp["patch_throughput_ratio"].toDouble(), 0.0);
}

TEST(BenchCli, RefusesBadOptions) {
    EXPECT_EQ(bench({"--precision", "int4", "--model", kModel, "x.png"}).exitCode, 2);
    EXPECT_EQ(bench({"--optimize", "maybe", "--model", kModel, "x.png"}).exitCode, 2);
    EXPECT_EQ(bench({"--repeat", "0", "--model", kModel, "x.png"}).exitCode, 2);
    EXPECT_EQ(bench({"--model", "/nonexistent/model.json", "x.png"}).exitCode, 3);
    EXPECT_EQ(bench({"--model", kModel, "--device", "cpu", "/nonexistent/image.png"}).exitCode, 2);
    EXPECT_EQ(bench({"--model", kModel, "--source", "/nonexistent/folder"}).exitCode, 2);
}
