#include <gtest/gtest.h>

#include <algorithm>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // Exiv2 0.27's std::auto_ptr
#include <exiv2/exiv2.hpp>

#include "engine/analysis_engine.h"
#include "engine/batch_analysis.h"
#include "engine/case_store.h"
#include "engine/errors.h"
#include "engine/evidence.h"
#include "engine/image_analyzer.h"
#include "engine/image_region.h"
#include "engine/result_json.h"
#include "report/evidence_report.h"
#include "report/verdict_summary.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// 128x96, dark, with one bright 32x32 square at (64, 32): "synthetic" for the brightness fixture model
// (p = sigmoid(12 * (mean - 0.5)), 32-px patches, top-3). The whole picture's verdict rests on its three
// highest-contrast patches, which are dark (ties keep grid order), so only the square's region is synthetic.
cv::Mat darkWithBrightSquare() {
    cv::Mat rgb(96, 128, CV_8UC3, cv::Scalar(10, 10, 10));
    rgb(cv::Rect(64, 32, 32, 32)).setTo(cv::Scalar(250, 250, 250));
    return rgb;
}

std::string writeTemp(const QTemporaryDir& dir, const std::string& name, const cv::Mat& rgb) {
    const std::string path = dir.path().toStdString() + "/" + name;
    writeRgb(path, rgb);
    return path;
}

}  // namespace

TEST(ImageRegion, ParsesXYWidthHeightAndRefusesWhatIsNotARegion) {
    const ImageRegion r = parseImageRegion("120,80,400,300");
    EXPECT_EQ(r.x, 120);
    EXPECT_EQ(r.y, 80);
    EXPECT_EQ(r.width, 400);
    EXPECT_EQ(r.height, 300);
    EXPECT_EQ(r.describe(), "region 120,80 400x300");
    for (const char* bad : {"", "1,2,3", "1,2,3,4,5", "a,b,c,d", "10,10,400,300px", "-1,0,64,64", "0,0,16,64", "0,0,64,31",
                            "0,0,99999999999,64", "2147483647,0,64,64"}) {
        try {
            parseImageRegion(bad);
            ADD_FAILURE() << "accepted \"" << bad << "\"";
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_FALSE(std::string(e.what()).empty());
        }
    }
}

TEST(ImageRegion, CropKeepsTheFileAndTheWholePictureAndComposes) {
    LoadedImage whole;
    whole.path = "/evidence/photo.png";
    whole.sha256 = std::string(64, 'a');
    whole.bytes = {1, 2, 3};
    whole.rgb = darkWithBrightSquare();

    const LoadedImage square = cropToRegion(whole, {64, 32, 32, 32});
    ASSERT_TRUE(square.region);
    EXPECT_EQ(square.region->describe(), "region 64,32 32x32 of 128x96");
    EXPECT_EQ(square.width(), 32);
    EXPECT_EQ(square.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(250, 250, 250));
    EXPECT_TRUE(square.rgb.isContinuous());
    EXPECT_EQ(square.path, whole.path);
    EXPECT_EQ(square.sha256, whole.sha256);
    EXPECT_EQ(square.bytes, whole.bytes);
    EXPECT_EQ(square.wholeRgb.data, whole.rgb.data) << "the whole picture is shared, not copied";

    // A region of a region is a region of the whole picture.
    const LoadedImage wider = cropToRegion(whole, {48, 16, 80, 64});
    const LoadedImage inner = cropToRegion(wider, {16, 16, 32, 32});
    ASSERT_TRUE(inner.region);
    EXPECT_EQ(*inner.region, (ImageRegion{64, 32, 32, 32, 128, 96}));
    EXPECT_EQ(cv::norm(inner.rgb, square.rgb, cv::NORM_INF), 0);
    EXPECT_EQ(inner.wholeRgb.data, whole.rgb.data);

    for (const ImageRegion& outside : {ImageRegion{100, 0, 64, 64}, ImageRegion{0, 40, 64, 64}, ImageRegion{-1, 0, 64, 64},
                                        ImageRegion{0, 0, 20, 64}}) {
        try {
            cropToRegion(whole, outside);
            ADD_FAILURE() << "cropped " << outside.describe();
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find("photo.png"), std::string::npos) << e.what();
        }
    }
}

TEST(ImageRegion, TheRegionsVerdictRestsOnItsOwnPatchesOnly) {
    QTemporaryDir dir;
    const std::string path = writeTemp(dir, "picture.png", darkWithBrightSquare());
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});

    const AnalysisResult whole = analyzer.analyze(path);
    EXPECT_EQ(whole.verdict.label, VerdictLabel::Authentic) << "the square is not among the whole picture's deciding patches";
    EXPECT_FALSE(whole.image.region);
    EXPECT_TRUE(whole.record) << "a whole file's analysis reads its record";

    const AnalysisResult square = analyzer.analyzeRegion(path, {64, 32, 32, 32});
    EXPECT_EQ(square.verdict.label, VerdictLabel::Synthetic);
    ASSERT_TRUE(square.image.region);
    EXPECT_EQ(*square.image.region, (ImageRegion{64, 32, 32, 32, 128, 96}));
    EXPECT_EQ(square.image.width, 32);
    EXPECT_EQ(square.image.sha256, whole.image.sha256) << "the file analysed is the same";
    EXPECT_EQ(square.patches.size(), 1u);
    // The record is read, but what it says of the whole picture is not set beside the region's verdict
    // (only where an EXIF thumbnail differs: recordBesideRegion, ThumbnailCheck tests).
    ASSERT_TRUE(square.record);
    EXPECT_TRUE(square.record->empty());

    const AnalysisResult darkPart = analyzer.analyzeRegion(path, {0, 0, 64, 96});
    EXPECT_EQ(darkPart.verdict.label, VerdictLabel::Authentic);

    // The region survives the JSON a case stores and the CLI writes.
    const AnalysisResult back = resultFromJson(toJson(square));
    ASSERT_TRUE(back.image.region);
    EXPECT_EQ(*back.image.region, *square.image.region);
    EXPECT_FALSE(resultFromJson(toJson(whole)).image.region);

    // The summary a user pastes says which part was analysed.
    EXPECT_TRUE(report::verdictSummary(square).contains("128 x 96 PNG); analysed: the region 64,32 32x32 of 128x96 only"))
        << report::verdictSummary(square).toStdString();

    EXPECT_THROW(analyzer.analyzeRegion(path, {100, 0, 64, 64}), EngineError);
}

TEST(ImageRegion, ARegionUnderHalfAPatchIsRefusedAndOneUnderAPatchIsPadded) {
    QTemporaryDir dir;
    const std::string path = writeTemp(dir, "picture.png", darkWithBrightSquare());
    ModelManifest manifest = fixtureManifest("brightness_detector");
    manifest.inputSize = 80;  // the fixture averages brightness, so any patch size works
    DetectorOptions options;
    options.device = "cpu";
    const ImageAnalyzer analyzer(Detector::open(manifest, options), {});
    try {
        analyzer.analyzeRegion(path, {64, 32, 39, 64});
        ADD_FAILURE() << "a 39-px wide region was analysed with 80-px patches";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_NE(std::string(e.what()).find("select at least 40x40 pixels"), std::string::npos) << e.what();
    }
    const AnalysisResult padded = analyzer.analyzeRegion(path, {64, 32, 40, 64});
    EXPECT_TRUE(padded.image.padded);
    EXPECT_EQ(padded.image.width, 40);
    // The whole picture is never refused for its size: the rule is the region's.
    cv::Mat small(48, 48, CV_8UC3, cv::Scalar(10, 10, 10));
    EXPECT_TRUE(analyzer.analyze(writeTemp(dir, "small.png", small)).image.padded);
}

TEST(ImageRegion, TheEnginesJobAndTheReportsEvidenceUseTheRegion) {
    QTemporaryDir dir;
    const std::string path = writeTemp(dir, "picture.png", darkWithBrightSquare());
    struct Listener : EngineListener {
        std::vector<AnalysisResult> results;
        std::vector<std::string> failures;
        std::shared_ptr<const LoadedImage> shown;
        void onJobImageLoaded(JobId, const std::shared_ptr<const LoadedImage>& image) override { shown = image; }
        void onJobFinished(JobId, const AnalysisResult& r) override { results.push_back(r); }
        void onJobFailed(JobId, const std::string&, ErrorKind, const std::string& m) override { failures.push_back(m); }
    } listener;
    {
        AnalysisEngine engine(&listener);
        engine.setDetector(fixtureDetector("brightness_detector"));
        engine.analyzeFile(path, {}, ImageRegion{64, 32, 32, 32});
        engine.analyzeFile(path, {}, ImageRegion{120, 0, 64, 64});  // outside: a clear error, nothing else lost
        engine.waitUntilIdle();
    }
    ASSERT_EQ(listener.results.size(), 1u);
    EXPECT_EQ(listener.results[0].verdict.label, VerdictLabel::Synthetic);
    ASSERT_TRUE(listener.shown);
    EXPECT_EQ(listener.shown->width(), 32) << "the viewer is given the region it shows";
    ASSERT_EQ(listener.failures.size(), 1u);
    EXPECT_NE(listener.failures[0].find("does not lie inside the 128x96 image"), std::string::npos) << listener.failures[0];

    // The report reads the file again and looks at the same region; the metadata stay the whole file's.
    const ImageEvidence ev = gatherEvidence(listener.results[0], "analysed for this test", {});
    EXPECT_TRUE(ev.fileMatches);
    EXPECT_EQ(ev.imageRgb.cols, 32);
    EXPECT_EQ(ev.imageRgb.at<cv::Vec3b>(5, 5), cv::Vec3b(250, 250, 250));
    bool regionCheck = false;
    for (const CheckRecord& c : ev.checks)
        regionCheck |= c.name == "Region" && c.status == CheckRecord::Status::Done && c.detail.find("64,32 32x32") != std::string::npos;
    EXPECT_TRUE(regionCheck);
    EXPECT_TRUE(ev.metadata);
    // The whole picture with the region outlined in gold, for the reader who sees only the crop.
    ASSERT_EQ(ev.regionContextRgb.size(), cv::Size(128, 96));
    EXPECT_EQ(ev.regionContextRgb.at<cv::Vec3b>(32, 80), cv::Vec3b(255, 215, 0)) << "on the outline's top edge";
    EXPECT_EQ(ev.regionContextRgb.at<cv::Vec3b>(48, 80), cv::Vec3b(250, 250, 250)) << "inside it, the picture";
}

TEST(ImageRegion, CliAnalyzesTheRegionOfEachImageAndRefusesABadOne) {
    QTemporaryDir dir;
    const QString path = QString::fromStdString(writeTemp(dir, "picture.png", darkWithBrightSquare()));
    const QString model = QString::fromStdString(testData("brightness_detector.json"));
    const CliRun run = runCli({"analyze", "--model", model, "--device", "cpu", path, "--region", "64,32,32,32", "--json",
                               dir.path() + "/out.json", "--heatmap-dir", dir.path() + "/heat"});
    ASSERT_EQ(run.exitCode, 0) << run.err.toStdString();
    EXPECT_TRUE(run.out.contains(QRegularExpression("^SYNTHETIC .*picture\\.png \\[region 64,32 32x32 of 128x96\\]  \\[32x32, 1 patches",
                                                    QRegularExpression::MultilineOption)))
        << run.out.toStdString();
    QFile f(dir.path() + "/out.json");
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QJsonObject image = QJsonDocument::fromJson(f.readAll())["results"][0]["image"].toObject();
    EXPECT_EQ(image["region"].toObject()["x"].toInt(), 64);
    EXPECT_EQ(image["region"].toObject()["source_width"].toInt(), 128);
    EXPECT_EQ(image["width"].toInt(), 32);
    // The overlay is of the region: 32x32, bright.
    const QStringList overlays = QDir(dir.path() + "/heat").entryList({"*region-64-32-32x32.overlay.png"}, QDir::Files);
    ASSERT_EQ(overlays.size(), 1) << QDir(dir.path() + "/heat").entryList().join(", ").toStdString();
    const LoadedImage overlay = loadImage((dir.path() + "/heat/" + overlays[0]).toStdString());
    EXPECT_EQ(overlay.width(), 32);

    // The evidence report of one region, from the command line.
    const CliRun report = runCli({"report", path, "--model", model, "--device", "cpu", "--region", "64,32,32,32", "--html",
                                  dir.path() + "/region.html"});
    ASSERT_EQ(report.exitCode, 0) << report.err.toStdString();
    QFile html(dir.path() + "/region.html");
    ASSERT_TRUE(html.open(QIODevice::ReadOnly));
    EXPECT_TRUE(QString::fromUtf8(html.readAll()).contains("analysed the <b>region 64,32 32x32 of 128x96</b> only"));

    const CliRun bad = runCli({"analyze", "--model", model, "--device", "cpu", path, "--region", "64,32,32"});
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_TRUE(bad.err.contains("X,Y,WIDTH,HEIGHT")) << bad.err.toStdString();
    const CliRun outside = runCli({"analyze", "--model", model, "--device", "cpu", path, "--region", "100,0,64,64"});
    EXPECT_EQ(outside.exitCode, 2);
    EXPECT_TRUE(outside.err.contains("does not lie inside")) << outside.err.toStdString();
}

TEST(ImageRegion, TheReportNamesTheRegionAndKeepsTheRecordOutOfItsVerdict) {
    // A bright camera JPEG: "synthetic" for the fixture model, with a camera's record.
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/camera.jpg";
    writeBytes(path, withExiv2(encodeRgb(".jpg", cv::Mat(96, 128, CV_8UC3, cv::Scalar(250, 250, 250))), [](Exiv2::Image& image) {
                   image.exifData()["Exif.Image.Make"] = "NIKON CORPORATION";
                   image.exifData()["Exif.Image.Model"] = "NIKON D750";
                   image.exifData()["Exif.Photo.DateTimeOriginal"] = "2020:02:29 08:15:00";
               }));
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});

    AnalysisResult whole = analyzer.analyze(path);
    ASSERT_EQ(whole.verdict.label, VerdictLabel::Synthetic);
    const QString wholeHtml = report::imageReport(gatherEvidence(whole, "test", {})).html;
    EXPECT_TRUE(wholeHtml.contains("The file's record points the other way:")) << wholeHtml.toStdString();
    // The report shows the notes the analysis made (what the workstation and the case showed), not notes of its own.
    whole.record = std::vector<RecordNote>{{true, "a note the analysis made"}};
    const QString storedHtml = report::imageReport(gatherEvidence(whole, "test", {})).html;
    EXPECT_TRUE(storedHtml.contains("a note the analysis made"));
    EXPECT_FALSE(storedHtml.contains("NIKON D750, taken")) << "no second opinion computed by the report";

    const AnalysisResult region = analyzer.analyzeRegion(path, {32, 32, 64, 48});
    ASSERT_EQ(region.verdict.label, VerdictLabel::Synthetic);
    const QString html = report::imageReport(gatherEvidence(region, "test", {})).html;
    EXPECT_TRUE(html.contains("region 32,32 64x48 of 128x96")) << html.toStdString();
    EXPECT_TRUE(html.contains("analysed the <b>region 32,32 64x48 of 128x96</b> only"));
    EXPECT_TRUE(html.contains("Where the region 32,32 64x48 of 128x96 lies in the whole picture"));
    EXPECT_FALSE(html.contains("The file's record points the other way:")) << "a region's verdict is not contradicted by the file's record";
    EXPECT_TRUE(html.contains("NIKON")) << "the whole file's metadata are still in the report";
}

TEST(ImageRegion, ACaseKeepsARegionsResultBesideTheWholeFilesAndReportsItApart) {
    QTemporaryDir dir;
    const std::string path = writeTemp(dir, "picture.png", darkWithBrightSquare());
    const auto detector = fixtureDetector("brightness_detector");
    const ImageAnalyzer analyzer(detector, {});
    auto store = CaseStore::open(dir.path().toStdString() + "/case.sqlite");
    const ImageRegion square{64, 32, 32, 32};

    EXPECT_EQ(BatchAnalysis(*store, analyzer).run({path}).analysed, 1);
    const BatchSummary regionRun = BatchAnalysis(*store, analyzer, nullptr, square).run({path});
    EXPECT_EQ(regionRun.analysed, 1) << "a region is not the whole file's cached result";
    EXPECT_EQ(BatchAnalysis(*store, analyzer, nullptr, square).run({path}).cached, 1) << "nor analysed twice";
    EXPECT_EQ(BatchAnalysis(*store, analyzer, nullptr, ImageRegion{0, 0, 64, 64}).run({path}).analysed, 1) << "another region is another key";
    EXPECT_NE(cacheSettingsKey(*detector, {}, {}, square), cacheSettingsKey(*detector, {}));
    EXPECT_EQ(cacheSettingsKey(*detector, {}, {}, std::nullopt), cacheSettingsKey(*detector, {})) << "whole files' keys unchanged";

    const CaseCounts counts = store->counts();
    EXPECT_EQ(counts.entries, 3);
    EXPECT_EQ(counts.regions, 2);
    EXPECT_EQ(counts.synthetic, 1);  // the bright square alone
    std::vector<CaseEntry> entries;
    store->forEachEntry([&](const CaseEntry& e) { entries.push_back(e); });
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_FALSE(entries[0].region) << "the whole file's row comes first";
    EXPECT_EQ(entries[0].label, "authentic");
    EXPECT_EQ(entries[0].width, 128);
    const auto squareEntry = std::find_if(entries.begin(), entries.end(), [](const CaseEntry& e) { return e.region && e.region->x == 64; });
    ASSERT_NE(squareEntry, entries.end());
    EXPECT_EQ(*squareEntry->region, (ImageRegion{64, 32, 32, 32, 128, 96}));
    EXPECT_EQ(squareEntry->label, "synthetic");
    EXPECT_EQ(squareEntry->width, 32);
    const std::optional<AnalysisResult> stored = store->result(squareEntry->key);
    ASSERT_TRUE(stored && stored->image.region);
    EXPECT_EQ(stored->image.region->describe(), "region 64,32 32x32 of 128x96");

    // The case report names the region in its row and in its detail; the region is no setting of the model.
    AnalysisResult detail = *stored;
    detail.image.path = squareEntry->path;
    const QString html = report::caseReport(*store, {gatherEvidence(detail, "test", {})}).html;
    EXPECT_TRUE(html.contains("<i>region 64,32 32x32 of 128x96 only</i>")) << html.toStdString();
    EXPECT_TRUE(html.contains("picture.png [region 64,32 32x32 of 128x96]")) << "the detail's heading";
    EXPECT_TRUE(html.contains("3 distinct results; 2 of them of a region of a file only"));
    EXPECT_FALSE(html.contains("<b>region</b>")) << "the settings table does not list the region as a setting";
    EXPECT_EQ(html.count("*</td>"), 1) << "only the detailed region is starred, not the whole file's row";
}

TEST(ImageRegion, AShownResultJoinsACaseOnlyUnderTheModelAndSettingsThatMadeIt) {
    QTemporaryDir dir;
    const std::string path = writeTemp(dir, "picture.png", darkWithBrightSquare());
    const auto detector = fixtureDetector("brightness_detector");
    const ImageRegion square{64, 32, 32, 32};
    const AnalysisResult region = ImageAnalyzer(detector, {}).analyzeRegion(path, square);

    // The key is the one a batch of the same region uses: the case serves it to a later batch.
    const CacheKey key = caseKeyOf(*detector, {}, region);
    EXPECT_EQ(key.imageSha256, region.image.sha256);
    EXPECT_EQ(key.settings, cacheSettingsKey(*detector, {}, {}, square));
    auto store = CaseStore::open(dir.path().toStdString() + "/case.sqlite");
    store->addResult(key, region);
    EXPECT_EQ(BatchAnalysis(*store, ImageAnalyzer(detector, {}), nullptr, square).run({path}).cached, 1);

    // Settings changed since the result was made: refused, saying why.
    AnalysisSettings otherStride;
    otherStride.stride = 16;
    try {
        caseKeyOf(*detector, otherStride, region);
        ADD_FAILURE() << "a result made with another stride was accepted";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_NE(std::string(e.what()).find("settings"), std::string::npos) << e.what();
    }
    AnalysisSettings verdictOnly;
    verdictOnly.fullHeatmap = false;
    EXPECT_THROW(caseKeyOf(*detector, verdictOnly, region), EngineError);
    // Another model: refused; the same weights under another manifest too (its calibration may differ).
    ModelManifest renamed = fixtureManifest("brightness_detector");
    renamed.version = "2.0";
    DetectorOptions cpu;
    cpu.device = "cpu";
    EXPECT_THROW(caseKeyOf(*Detector::open(renamed, cpu), {}, region), EngineError);
    // A checked result is keyed with its check's copies.
    AnalysisResult checked = region;
    checked.robustness = RobustnessReport{};
    checked.robustness->copies = {"jpeg90", "rescale0.75"};
    EXPECT_EQ(caseKeyOf(*detector, {}, checked).settings,
              cacheSettingsKey(*detector, {}, {Degradation::jpeg(90), Degradation::rescale(0.75)}, square));

    // The engine's job: stored when the file is unchanged, refused when it has changed since.
    struct Listener : EngineListener {
        std::vector<std::string> errors;
        CaseCounts counts;
        void onAddedToCase(JobId, const std::string&, const std::string& error, const CaseCounts& c) override {
            errors.push_back(error);
            counts = c;
        }
    } listener;
    const std::string other = dir.path().toStdString() + "/other.sqlite";
    const AnalysisResult whole = ImageAnalyzer(detector, {}).analyze(path);
    {
        AnalysisEngine engine(&listener);
        engine.setDetector(detector);
        engine.addToCase(other, std::make_shared<const AnalysisResult>(whole), {});
        engine.addToCase(other, std::make_shared<const AnalysisResult>(region), {});
        engine.waitUntilIdle();
        ASSERT_EQ(listener.errors.size(), 2u);
        EXPECT_EQ(listener.errors[0], "");
        EXPECT_EQ(listener.errors[1], "");
        EXPECT_EQ(listener.counts.entries, 2);
        EXPECT_EQ(listener.counts.regions, 1);
        writeRgb(path, cv::Mat(96, 128, CV_8UC3, cv::Scalar(200, 10, 10)));
        engine.addToCase(other, std::make_shared<const AnalysisResult>(whole), {});
        engine.waitUntilIdle();
    }
    ASSERT_EQ(listener.errors.size(), 3u);
    EXPECT_NE(listener.errors[2].find("has changed since it was analysed"), std::string::npos) << listener.errors[2];
    EXPECT_EQ(CaseStore::open(other, false)->counts().entries, 2) << "nothing stored for a changed file";

    // Closing the workstation drops the analyses still queued, not a result on its way into a case.
    const AnalysisResult changed = ImageAnalyzer(detector, {}).analyze(path);
    const std::string last = dir.path().toStdString() + "/last.sqlite";
    {
        AnalysisEngine engine(&listener);
        engine.setDetector(detector);
        for (int i = 0; i < 3; ++i) engine.analyzeFile(path, {});
        engine.addToCase(last, std::make_shared<const AnalysisResult>(changed), {});
        engine.cancelAll();
        for (int i = 0; i < 3; ++i) engine.analyzeFile(path, {});
        engine.addToCase(last, std::make_shared<const AnalysisResult>(changed), {});
    }  // destroyed with work queued
    ASSERT_EQ(listener.errors.size(), 5u);
    EXPECT_EQ(listener.errors[3], "");
    EXPECT_EQ(listener.errors[4], "");
    EXPECT_EQ(CaseStore::open(last, false)->counts().entries, 1);
}

TEST(ImageRegion, TheCliStoresAndReportsARegionOfACase) {
    QTemporaryDir dir;
    const QString path = QString::fromStdString(writeTemp(dir, "picture.png", darkWithBrightSquare()));
    const QString model = QString::fromStdString(testData("brightness_detector.json"));
    const QString caseFile = dir.path() + "/case.sqlite";
    ASSERT_EQ(runCli({"batch", "--model", model, "--device", "cpu", "--case", caseFile, path}).exitCode, 0);
    const CliRun region = runCli({"batch", "--model", model, "--device", "cpu", "--case", caseFile, path, "--region", "64,32,32,32"});
    ASSERT_EQ(region.exitCode, 0) << region.err.toStdString();
    EXPECT_TRUE(region.out.contains("picture.png [region 64,32 32x32 of 128x96]")) << region.out.toStdString();
    EXPECT_TRUE(region.err.contains("The case holds 2 results (1 of them for a region of a file)")) << region.err.toStdString();
    // A region is a part of one picture: a folder is refused before anything is opened.
    const CliRun folder = runCli({"batch", "--model", model, "--device", "cpu", "--case", dir.path() + "/new.sqlite", dir.path(),
                                  "--region", "0,0,64,64"});
    EXPECT_EQ(folder.exitCode, 2);
    EXPECT_TRUE(folder.err.contains("give exactly one image file")) << folder.err.toStdString();
    EXPECT_FALSE(QFile::exists(dir.path() + "/new.sqlite"));

    // The CSV has the region; the report of one image picks the whole file's result or the region's.
    ASSERT_EQ(runCli({"report", "--case", caseFile, "--csv", dir.path() + "/case.csv"}).exitCode, 0);
    QFile csv(dir.path() + "/case.csv");
    ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 3);
    EXPECT_TRUE(lines[0].endsWith(",region,controls"));
    EXPECT_TRUE(lines[1].endsWith(",,")) << "the whole file: no region, no controls";
    EXPECT_TRUE(lines[2].endsWith(",\"64,32,32,32\",stands out (0 of 4 controls flagged)")) << lines[2].toStdString();
    for (const auto& [args, expected] : std::vector<std::pair<QStringList, QString>>{
             {{}, "No sign of AI generation found"}, {{"--region", "64,32,32,32"}, "region 64,32 32x32 of 128x96</b> only"}}) {
        const CliRun report = runCli(QStringList{"report", "--case", caseFile, "--image", path, "--html", dir.path() + "/one.html"} + args);
        // (each report rewrites one.html)
        ASSERT_EQ(report.exitCode, 0) << report.err.toStdString();
        QFile html(dir.path() + "/one.html");
        ASSERT_TRUE(html.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(html.readAll());
        EXPECT_TRUE(text.contains(expected)) << args.join(' ').toStdString();
        EXPECT_EQ(text.contains("analysed the <b>region"), !args.isEmpty());
    }
    const CliRun missing = runCli({"report", "--case", caseFile, "--image", path, "--region", "0,0,64,64", "--html", dir.path() + "/x.html"});
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_TRUE(missing.err.contains("no result in the case for the region 0,0,64,64")) << missing.err.toStdString();
}

TEST(ImageRegion, ARegionListIsReadWholeAndRefusedWithTheLineOfItsFirstBadRow) {
    QTemporaryDir dir;
    auto write = [&](const QString& name, const QByteArray& text) {
        QFile f(dir.path() + "/" + name);
        EXPECT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(text);
        return (dir.path() + "/" + name).toStdString();
    };
    const std::vector<RegionOfFile> list =
        readRegionList(write("regions.csv", "file,x,y,width,height,note\npicture.png,64,32,32,32,face\n\"/abs/a, b.jpg\",0,0,96,96,\n"));
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].path, dir.path().toStdString() + "/picture.png") << "relative to the list's folder";
    EXPECT_EQ(list[0].region, (ImageRegion{64, 32, 32, 32}));
    EXPECT_EQ(list[0].line, 2);
    EXPECT_EQ(list[1].path, "/abs/a, b.jpg");
    for (const auto& [text, expected] : std::vector<std::pair<QByteArray, std::string>>{
             {"file,x,y,width\na.png,0,0,64\n", "must name the columns file, x, y, width and height"},
             {"file,x,y,width,height\na.png,0,0,64,64\n,0,0,64,64\n", "line 3: empty file name"},
             {"file,x,y,width,height\na.png,0,0,16,64\n", "line 2: the region 0,0,16,64 is too small"},
             {"file,x,y,width,height\na.png,zero,0,64,64\n", "line 2: a region is X,Y,WIDTH,HEIGHT"},
             {"file,x,y,width,height\n", "lists no region"}}) {
        try {
            readRegionList(write("bad.csv", text));
            ADD_FAILURE() << "accepted: " << text.toStdString();
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
        }
    }
}

TEST(ImageRegion, BatchAnalysesTheRegionsAListNamesIntoACase) {
    QTemporaryDir dir;
    writeTemp(dir, "picture.png", darkWithBrightSquare());
    writeTemp(dir, "other.png", cv::Mat(96, 128, CV_8UC3, cv::Scalar(250, 250, 250)));
    const QString model = QString::fromStdString(testData("brightness_detector.json"));
    const QString caseFile = dir.path() + "/case.sqlite", list = dir.path() + "/regions.csv";
    {
        QFile f(list);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("file,x,y,width,height\npicture.png,64,32,32,32\npicture.png,0,0,32,32\nother.png,0,0,64,64\n"
                "picture.png,100,0,64,64\n");  // the last one leaves the picture: that row fails, the others stand
    }
    const QStringList args{"batch", "--model", model, "--device", "cpu", "--case", caseFile, "--regions", list};
    const CliRun run = runCli(args);
    EXPECT_EQ(run.exitCode, 2) << "a row failed";
    EXPECT_TRUE(run.err.contains("4 regions listed")) << run.err.toStdString();
    EXPECT_TRUE(run.err.contains("Done: 4 regions in")) << run.err.toStdString();
    EXPECT_TRUE(run.err.contains("3 analysed now, 0 reused from the case, 1 failed")) << run.err.toStdString();
    EXPECT_TRUE(run.out.contains("picture.png [region 64,32 32x32 of 128x96]")) << run.out.toStdString();
    {
        const auto store = CaseStore::open(caseFile.toStdString(), false);
        EXPECT_EQ(store->counts().entries, 3);
        EXPECT_EQ(store->counts().regions, 3);
        EXPECT_EQ(store->counts().failures, 1);
        std::vector<std::string> labels;
        for (const CaseEntry& e : store->entriesForPath((dir.path() + "/picture.png").toStdString())) labels.push_back(e.label);
        std::sort(labels.begin(), labels.end());
        EXPECT_EQ(labels, (std::vector<std::string>{"authentic", "synthetic"})) << "the dark corner and the bright square";
    }
    // Again: everything that was stored is reused.
    const CliRun again = runCli(args);
    EXPECT_TRUE(again.err.contains("0 analysed now, 3 reused from the case, 1 failed")) << again.err.toStdString();

    // A bad list, or a list beside PATH or --region, is refused before the case is created.
    const QString fresh = dir.path() + "/fresh.sqlite";
    const CliRun bad = runCli({"batch", "--model", model, "--device", "cpu", "--case", fresh, "--regions", dir.path() + "/missing.csv"});
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_TRUE(bad.err.contains("missing.csv cannot be opened")) << bad.err.toStdString();
    const CliRun both = runCli({"batch", "--model", model, "--device", "cpu", "--case", fresh, "--regions", list, dir.path() + "/other.png"});
    EXPECT_EQ(both.exitCode, 2);
    EXPECT_TRUE(both.err.contains("give no PATH and no --region with it")) << both.err.toStdString();
    EXPECT_FALSE(QFile::exists(fresh));
}
