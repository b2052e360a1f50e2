// The case store, resumable batch analysis and the evidence report's content (in process).
#include <gtest/gtest.h>

#include <map>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <sqlite3.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // Exiv2 0.27's std::auto_ptr
#include <exiv2/exiv2.hpp>

#include "engine/batch_analysis.h"
#include "engine/case_store.h"
#include "engine/errors.h"
#include "engine/evidence.h"
#include "engine/fingerprint.h"
#include "engine/model_registry.h"
#include "engine/result_json.h"
#include "engine/robustness_check.h"
#include "report/evidence_report.h"
#include "report/verdict_summary.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

std::string tmpPath(const QTemporaryDir& dir, const char* name) { return (dir.path() + "/" + name).toStdString(); }

// Three small images: bright (synthetic for the fixture model), dark (authentic), and a textured one.
std::vector<std::string> writeImages(const QTemporaryDir& dir) {
    const std::string bright = tmpPath(dir, "bright.png"), dark = tmpPath(dir, "dark.png"), noise = tmpPath(dir, "noise.png");
    writeRgb(bright, cv::Mat(64, 96, CV_8UC3, cv::Scalar(240, 240, 240)));
    writeRgb(dark, cv::Mat(64, 64, CV_8UC3, cv::Scalar(10, 10, 10)));
    cv::Mat n(80, 80, CV_8UC3);
    cv::randu(n, 0, 255);
    writeRgb(noise, n);
    return {bright, dark, noise};
}

struct CountingObserver : BatchObserver {
    int started = 0, analysed = 0, failed = 0, plannedCached = -1, plannedToAnalyse = -1;
    void onPlanned(int cached, int toAnalyse) override {
        plannedCached = cached;
        plannedToAnalyse = toAnalyse;
    }
    void onStarted(const std::string&) override { ++started; }
    void onAnalysed(const AnalysisResult&) override { ++analysed; }
    void onFailed(const std::string&, ErrorKind, const std::string&) override { ++failed; }
};

}  // namespace

TEST(CaseStore, StoresAndReadsBackAResultExactly) {
    QTemporaryDir dir;
    const std::vector<std::string> images = writeImages(dir);
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    const AnalysisResult original = analyzer.analyze(images[0]);
    const CacheKey key{original.image.sha256, original.provenance.modelSha256, cacheSettingsKey(analyzer.detector(), analyzer.settings())};
    {
        auto store = CaseStore::open(tmpPath(dir, "case.sqlite"));
        EXPECT_FALSE(store->hasResult(key));
        store->addResult(key, original);
        store->addFailure("/no/such.png", "bad_input", "missing");
    }
    auto store = CaseStore::open(tmpPath(dir, "case.sqlite"), false);
    ASSERT_TRUE(store->hasResult(key));
    const std::optional<AnalysisResult> back = store->result(key);
    ASSERT_TRUE(back.has_value());
    // Every field, every patch: the JSON of the stored result equals the original's.
    EXPECT_EQ(QJsonDocument(toJson(*back)).toJson(), QJsonDocument(toJson(original)).toJson());
    EXPECT_EQ(back->patches.size(), original.patches.size());
    EXPECT_EQ(back->verdict.label, original.verdict.label);
    // Where a shown result came from travels with it (a report of a stored result says so); a result
    // computed by its run carries no such field.
    EXPECT_FALSE(toJson(original)["provenance"].toObject().contains("stored_in"));
    AnalysisResult shown = *back;
    shown.provenance.storedIn = "/cases/a.sqlite";
    EXPECT_EQ(resultFromJson(toJson(shown)).provenance.storedIn, "/cases/a.sqlite");

    std::vector<CaseEntry> entries;
    store->forEachEntry([&](const CaseEntry& e) { entries.push_back(e); });
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].path, original.image.path);
    EXPECT_EQ(entries[0].label, "synthetic");
    EXPECT_NEAR(entries[0].syntheticProbability, original.verdict.syntheticProbability, 1e-12);
    EXPECT_FALSE(entries[0].analysedAt.empty());
    const CaseCounts counts = store->counts();
    EXPECT_EQ(counts.entries, 1);
    EXPECT_EQ(counts.synthetic, 1);
    EXPECT_EQ(counts.failures, 1);

    // The same bytes under another name: one result, two entries.
    store->addPath("/elsewhere/copy.png", original.image.sha256);
    EXPECT_EQ(store->counts().entries, 2);
    EXPECT_EQ(store->counts().results, 1);
    EXPECT_EQ(store->entriesForPath("/elsewhere/copy.png").size(), 1u);
}

TEST(CaseStore, NamesTheGeneratorTheWorkstationNames) {
    // The case table's "likely generator" is the result's likelyGenerator(): the combination with the
    // fingerprints when the analysis made one, else the detector's own ranking.
    QTemporaryDir dir;
    const std::vector<std::string> images = writeImages(dir);
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    AnalysisResult detectorOnly = analyzer.analyze(images[0]);
    detectorOnly.verdict.attribution = {{"vqgan", 0.7}, {"ldm", 0.3}};
    AnalysisResult combined = analyzer.analyze(images[1]);
    combined.verdict.attribution = detectorOnly.verdict.attribution;
    CombinedAttribution combination;
    combination.ranking = {{"ldm", 0.8}, {"vqgan", 0.2}};
    combination.weight = 0.6;
    combination.detectorTop = "vqgan";
    combined.verdict.combinedAttribution = combination;
    auto store = CaseStore::open(tmpPath(dir, "case.sqlite"));
    const std::string settings = cacheSettingsKey(analyzer.detector(), analyzer.settings());
    store->addResult({detectorOnly.image.sha256, detectorOnly.provenance.modelSha256, settings}, detectorOnly);
    store->addResult({combined.image.sha256, combined.provenance.modelSha256, settings}, combined);
    std::map<std::string, std::pair<std::string, double>> named;
    store->forEachEntry([&](const CaseEntry& e) { named[e.path] = {e.topGenerator, e.topGeneratorProbability}; });
    EXPECT_EQ(named[detectorOnly.image.path].first, "vqgan");
    EXPECT_DOUBLE_EQ(named[detectorOnly.image.path].second, 0.7);
    EXPECT_EQ(named[combined.image.path].first, "ldm");
    EXPECT_DOUBLE_EQ(named[combined.image.path].second, 0.8);
}

TEST(CaseStore, SaysWhenTheLikelyGeneratorIsAClassWithoutAName) {
    // other_diffusion stands for no named generator: the case table must say "no name" as the verdict
    // panel does, without reading each stored result; the flag is a column of its own.
    QTemporaryDir dir;
    const std::vector<std::string> images = writeImages(dir);
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    AnalysisResult unnamed = analyzer.analyze(images[0]);
    CombinedAttribution combination;
    combination.ranking = {{"other_diffusion", 0.55}, {"ldm", 0.45}};
    combination.unnamed = {"other_diffusion"};
    unnamed.verdict.combinedAttribution = combination;
    ASSERT_TRUE(unnamed.likelyGeneratorIsUnnamed());
    AnalysisResult named = analyzer.analyze(images[1]);
    combination.ranking = {{"ldm", 0.6}, {"other_diffusion", 0.4}};
    named.verdict.combinedAttribution = combination;
    const std::string file = tmpPath(dir, "case.sqlite");
    const std::string settings = cacheSettingsKey(analyzer.detector(), analyzer.settings());
    {
        auto store = CaseStore::open(file);
        store->addResult({unnamed.image.sha256, unnamed.provenance.modelSha256, settings}, unnamed);
        store->addResult({named.image.sha256, named.provenance.modelSha256, settings}, named);
    }
    std::map<std::string, bool> flag;
    CaseStore::open(file, false)->forEachEntry([&](const CaseEntry& e) { flag[e.path] = e.topGeneratorUnnamed; });
    EXPECT_TRUE(flag.at(unnamed.image.path));
    EXPECT_FALSE(flag.at(named.image.path));

    // A case written before the column existed opens; its rows read as named (not known otherwise).
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "ALTER TABLE results DROP COLUMN top_generator_unnamed", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    flag.clear();
    CaseStore::open(file, false)->forEachEntry([&](const CaseEntry& e) { flag[e.path] = e.topGeneratorUnnamed; });
    EXPECT_EQ(flag.size(), 2u);
    EXPECT_FALSE(flag.at(unnamed.image.path));
}

TEST(CaseStore, KeepsWhatTheFilesRecordSaysBesideEachVerdict) {
    // A bright JPEG (synthetic for the fixture model) with a camera's record, batched into a case: the
    // analysis reads the record, and the case keeps the note with the result and in its own column.
    QTemporaryDir dir;
    const std::string camera = tmpPath(dir, "camera.jpg");
    writeBytes(camera, withExiv2(encodeRgb(".jpg", cv::Mat(64, 64, CV_8UC3, cv::Scalar(250, 250, 250))), [](Exiv2::Image& image) {
                   image.exifData()["Exif.Image.Make"] = "FUJIFILM";
                   image.exifData()["Exif.Image.Model"] = "X-T3";
                   image.exifData()["Exif.Photo.DateTimeOriginal"] = "2022:07:14 19:02:11";
               }));
    const std::string plain = writeImages(dir)[0];
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    const std::string file = tmpPath(dir, "case.sqlite");
    {
        auto store = CaseStore::open(file);
        BatchAnalysis(*store, analyzer).run({camera, plain});
    }
    auto store = CaseStore::open(file, false);
    std::map<std::string, CaseEntry> entries;
    store->forEachEntry([&](const CaseEntry& e) { entries[e.path] = e; });
    ASSERT_EQ(entries.size(), 2u);
    ASSERT_EQ(entries[camera].label, "synthetic");
    ASSERT_EQ(entries[camera].recordNotes.size(), 1u);
    EXPECT_TRUE(entries[camera].recordNotes[0].againstVerdict);
    EXPECT_NE(entries[camera].recordNotes[0].text.find("FUJIFILM X-T3, taken 2022:07:14 19:02:11"), std::string::npos);
    EXPECT_TRUE(entries[plain].recordNotes.empty());
    const std::optional<AnalysisResult> stored = store->result(entries[camera].key);
    ASSERT_TRUE(stored && stored->record);
    EXPECT_EQ(stored->record->size(), 1u) << "the stored result carries it too (a case's report and the workstation read it)";
    EXPECT_TRUE(store->result(entries[plain].key)->record.has_value()) << "read, with nothing to say";
}

TEST(CaseStore, RefusesAFileThatIsNotACase) {
    QTemporaryDir dir;
    writeBytes(tmpPath(dir, "junk.sqlite"), std::vector<std::uint8_t>(4096, 'x'));
    try {
        CaseStore::open(tmpPath(dir, "junk.sqlite"));
        FAIL() << "a junk file opened as a case";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    }
    EXPECT_THROW(CaseStore::open(tmpPath(dir, "missing.sqlite"), false), EngineError);
}

TEST(BatchAnalysis, ReRunReusesTheCacheAndNewSettingsOrBytesAreAnalysedAgain) {
    QTemporaryDir dir;
    std::vector<std::string> images = writeImages(dir);
    images.push_back(tmpPath(dir, "missing.png"));
    auto store = CaseStore::open(tmpPath(dir, "case.sqlite"));
    const auto detector = fixtureDetector("brightness_detector");
    const ImageAnalyzer analyzer(detector, {});

    CountingObserver first;
    const BatchSummary s1 = BatchAnalysis(*store, analyzer).run(images, &first);
    EXPECT_EQ(s1.analysed, 3);
    EXPECT_EQ(s1.cached, 0);
    EXPECT_EQ(s1.failed, 1);
    EXPECT_EQ(first.started, 3);
    EXPECT_EQ(store->counts().results, 3);
    EXPECT_EQ(store->counts().failures, 1);

    CountingObserver second;
    const BatchSummary s2 = BatchAnalysis(*store, analyzer).run(images, &second);
    EXPECT_EQ(s2.analysed, 0);
    EXPECT_EQ(s2.cached, 3);
    EXPECT_EQ(second.started, 0) << "nothing may be analysed again";
    EXPECT_EQ(second.plannedCached, 3);
    EXPECT_EQ(second.plannedToAnalyse, 0);

    // Other settings are another cache key.
    AnalysisSettings verdictOnly;
    verdictOnly.fullHeatmap = false;
    const ImageAnalyzer other(detector, verdictOnly);
    EXPECT_NE(cacheSettingsKey(*detector, verdictOnly), cacheSettingsKey(*detector, {}));
    // A calibration changes the verdict, not the weights: it is part of the key too.
    ModelManifest calibrated = fixtureManifest("brightness_detector");
    calibrated.calibration.enabled = true;
    calibrated.calibration.slope = 2.0;
    DetectorOptions cpu;
    cpu.device = "cpu";
    EXPECT_NE(cacheSettingsKey(*Detector::open(calibrated, cpu), {}), cacheSettingsKey(*detector, {}));
    // So is the combined attribution (a result without it names another generator), but only where the
    // model makes one: it needs the calibration's fingerprint library and a weight.
    ModelManifest combining = calibrated;
    combining.fingerprintWeight = 0.6;
    EXPECT_EQ(cacheSettingsKey(*Detector::open(combining, cpu), {}), cacheSettingsKey(*Detector::open(calibrated, cpu), {}));
    combining.calibration.fingerprintLibrary = SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/fingerprints";
    EXPECT_NE(cacheSettingsKey(*Detector::open(combining, cpu), {}), cacheSettingsKey(*Detector::open(calibrated, cpu), {}));
    const std::string withShippedLibrary = cacheSettingsKey(*Detector::open(combining, cpu), {});
    ModelManifest offset = combining;
    offset.unnamedOffset = -1.0;
    EXPECT_NE(cacheSettingsKey(*Detector::open(offset, cpu), {}), withShippedLibrary);
    // The library counts by content, not by path: a copy gives the same key, a changed sidecar another.
    QTemporaryDir libraryCopy;
    for (const QFileInfo& f : QDir(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/fingerprints").entryInfoList({"*.npy", "*.json"}, QDir::Files))
        ASSERT_TRUE(QFile::copy(f.absoluteFilePath(), libraryCopy.filePath(f.fileName())));
    combining.calibration.fingerprintLibrary = libraryCopy.path().toStdString();
    EXPECT_EQ(cacheSettingsKey(*Detector::open(combining, cpu), {}), withShippedLibrary);
    {
        QFile sidecar(libraryCopy.filePath("ldm.json"));
        ASSERT_TRUE(sidecar.open(QIODevice::Append));
        sidecar.write("\n");
    }
    EXPECT_NE(cacheSettingsKey(*Detector::open(combining, cpu), {}), withShippedLibrary);
    EXPECT_EQ(BatchAnalysis(*store, other).run(images).analysed, 3);
    EXPECT_EQ(store->counts().results, 6);

    // Changed bytes under the same name are analysed again.
    writeRgb(images[1], cv::Mat(64, 64, CV_8UC3, cv::Scalar(20, 20, 20)));
    const BatchSummary s4 = BatchAnalysis(*store, analyzer).run(images);
    EXPECT_EQ(s4.analysed, 1);
    EXPECT_EQ(s4.cached, 2);

    // A cancelled batch stops before the next file.
    std::atomic<bool> cancel{true};
    const BatchSummary s5 = BatchAnalysis(*store, other).run({tmpPath(dir, "bright.png")}, nullptr, &cancel);
    EXPECT_TRUE(s5.cancelled);
    EXPECT_EQ(s5.analysed, 0);
}

TEST(BatchAnalysis, TheRobustnessCheckIsStoredWithEachResultAndIsPartOfTheCacheKey) {
    QTemporaryDir dir;
    const std::vector<std::string> images = writeImages(dir);
    auto store = CaseStore::open(tmpPath(dir, "case.sqlite"));
    const auto detector = fixtureDetector("brightness_detector");
    const ImageAnalyzer analyzer(detector, {});
    const RobustnessCheck check(detector, {}, {Degradation::jpeg(90), Degradation::contrastOf(0.5)});

    EXPECT_EQ(BatchAnalysis(*store, analyzer, &check).run(images).analysed, 3);
    int checked = 0;
    store->forEachEntry([&](const CaseEntry& e) {
        const std::optional<AnalysisResult> r = store->result(e.key);
        ASSERT_TRUE(r && r->robustness) << e.path;
        EXPECT_TRUE(r->robustness->done()) << r->robustness->error;
        EXPECT_EQ(r->robustness->copies, (std::vector<std::string>{"jpeg90", "contrast0.5"}));
        EXPECT_EQ(r->robustness->variants.size(), 2u);
        EXPECT_EQ(e.robustness, verdictLabelName(r->robustness->label)) << "the summary column follows the stored report";
        ++checked;
    });
    EXPECT_EQ(checked, 3);
    // The bright image is synthetic for this model; at half the contrast about its own mean it stays as
    // bright, so the check holds. (The fixture's verdict is the mean brightness.)
    const std::vector<CaseEntry> bright = store->entriesForPath(images[0]);
    ASSERT_EQ(bright.size(), 1u);
    EXPECT_EQ(bright[0].label, "synthetic");
    EXPECT_EQ(bright[0].robustness, "synthetic");

    // Without the check it is another key (a checked result says more); with it again, all is cached.
    EXPECT_NE(cacheSettingsKey(*detector, {}, check.degradations()), cacheSettingsKey(*detector, {}));
    EXPECT_EQ(BatchAnalysis(*store, analyzer).run(images).analysed, 3);
    EXPECT_EQ(store->entriesForPath(images[0]).size(), 2u);
    EXPECT_EQ(BatchAnalysis(*store, analyzer, &check).run(images).cached, 3);
    for (const CaseEntry& e : store->entriesForPath(images[1]))
        if (e.key.settings == cacheSettingsKey(*detector, {})) EXPECT_EQ(e.robustness, "") << "not checked";

    // A check that cannot be done is stored as such; the verdict stands.
    const RobustnessCheck impossible(detector, {}, {Degradation::rescale(0.01)});
    auto other = CaseStore::open(tmpPath(dir, "other.sqlite"));
    EXPECT_EQ(BatchAnalysis(*other, analyzer, &impossible).run({images[1]}).analysed, 1);
    const std::vector<CaseEntry> dark = other->entriesForPath(images[1]);
    ASSERT_EQ(dark.size(), 1u);
    EXPECT_EQ(dark[0].robustness, "not done");
    const std::optional<AnalysisResult> r = other->result(dark[0].key);
    ASSERT_TRUE(r && r->robustness);
    EXPECT_NE(r->robustness->error.find("too small"), std::string::npos) << r->robustness->error;
    EXPECT_EQ(r->verdict.label, VerdictLabel::Authentic);
}

TEST(CaseStore, OpensACaseWrittenBeforeTheRobustnessRegionAndControlsColumns) {
    QTemporaryDir dir;
    const std::string file = tmpPath(dir, "old.sqlite");
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    const AnalysisResult result = analyzer.analyze(writeImages(dir)[0]);
    const CacheKey key{result.image.sha256, result.provenance.modelSha256, "old settings"};
    CaseStore::open(file)->addResult(key, result);
    {  // as a case of an earlier version: no robustness column
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db, "ALTER TABLE results DROP COLUMN robustness", nullptr, nullptr, nullptr), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db, "ALTER TABLE results DROP COLUMN region", nullptr, nullptr, nullptr), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db, "ALTER TABLE results DROP COLUMN controls", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    auto store = CaseStore::open(file, false);
    std::vector<CaseEntry> entries;
    store->forEachEntry([&](const CaseEntry& e) { entries.push_back(e); });
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].robustness, "");
    EXPECT_FALSE(entries[0].region) << "a result of a case from before regions is of the whole file";
    EXPECT_EQ(entries[0].controls, "");
    EXPECT_EQ(entries[0].label, "synthetic");
    ASSERT_TRUE(store->result(key).has_value());
}

TEST(EvidenceReport, VerdictSummaryIsPlainTextAHandOnCanTrace) {
    QTemporaryDir dir;
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    AnalysisResult r = analyzer.analyze(writeImages(dir)[0]);
    r.verdict.attribution = {{"ldm", 0.7}, {"vqgan", 0.3}};
    r.record = std::vector<RecordNote>{{true, "The detector calls it synthetic, but the file carries a camera's record."}};
    r.warnings = {"the image is small"};
    const QStringList lines = report::verdictSummary(r).split('\n', Qt::SkipEmptyParts);
    ASSERT_GE(lines.size(), 7);
    EXPECT_TRUE(lines[0].startsWith("SynthScope ")) << lines[0].toStdString();
    EXPECT_TRUE(lines[1].startsWith(QString("Likely AI-generated: synthetic probability %1%").arg(qRound(r.verdict.syntheticProbability * 100))))
        << lines[1].toStdString();
    EXPECT_TRUE(lines.contains("Most likely generator: ldm (70%)")) << lines.join('\n').toStdString();
    EXPECT_TRUE(lines.contains("Warning: the image is small"));
    EXPECT_TRUE(lines.contains("The file's record points the other way: The detector calls it synthetic, but the file carries a camera's record."));
    EXPECT_TRUE(lines.filter("File: " + QString::fromStdString(r.image.path) + " (SHA-256 " + QString::fromStdString(r.image.sha256)).size() == 1)
        << "the full hash, so that the file can be found again";
    EXPECT_EQ(lines.filter(QString::fromStdString(r.provenance.modelSha256)).size(), 1);
    EXPECT_EQ(lines.last(), QString(detectorCaveat()));
    EXPECT_FALSE(report::verdictSummary(r).contains('<')) << "plain text, no markup";

    r.verdict.label = VerdictLabel::Authentic;
    EXPECT_FALSE(report::verdictSummary(r).contains("Most likely generator")) << "no generator named for an authentic verdict";
}

TEST(EvidenceReport, ListsWhatRanAndWhatDidNot) {
    QTemporaryDir dir;
    const std::vector<std::string> images = writeImages(dir);
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    const AnalysisResult result = analyzer.analyze(images[2]);

    EvidenceOptions options;
    options.fingerprintLibraryWhyNone = "no library in this test";
    const ImageEvidence ev = gatherEvidence(result, "analysed for this test", options);
    EXPECT_TRUE(ev.fileMatches);
    EXPECT_FALSE(ev.overlayRgb.empty());
    auto status = [&](const std::string& prefix) {
        for (const CheckRecord& c : ev.checks)
            if (c.name.rfind(prefix, 0) == 0) return std::string(checkStatusName(c.status));
        return std::string("missing");
    };
    EXPECT_EQ(status("AI-generation detector"), "done");
    EXPECT_EQ(status("File integrity"), "done");
    EXPECT_EQ(status("Noise spectrum"), "done");
    EXPECT_EQ(status("Generator fingerprints"), "not run") << "no library: the report must not claim the check";
    EXPECT_EQ(status("JPEG history"), "not applicable") << "a PNG";
    EXPECT_EQ(status("Metadata"), "done");
    EXPECT_EQ(status("Error level analysis"), "done");
    EXPECT_EQ(status("Robustness check"), "not run") << "not asked for with this analysis";
    ASSERT_TRUE(ev.ela.has_value());
    EXPECT_EQ(ev.ela->quality, 90);
    EXPECT_GT(ev.ela->mean, 0.0) << "random noise changes when recompressed";
    EXPECT_EQ(ev.ela->ela.size(), ev.imageRgb.size());
    EXPECT_TRUE(ev.spectrum.has_value());
    EXPECT_FALSE(ev.fingerprints.has_value());

    const report::ReportDocument doc = report::imageReport(ev);
    for (const char* section : {"What this report can and cannot show", "Image and heatmap", "Detector probabilities",
                                "Noise spectrum", "Generator fingerprints", "JPEG history and metadata", "Error level analysis",
                                "amplified", "File, model and settings",
                                "What was and was not checked", "no library in this test", "brightness_detector"})
        EXPECT_TRUE(doc.html.contains(section)) << section;
    EXPECT_TRUE(doc.html.contains(QString::fromStdString(result.image.sha256)));
    EXPECT_EQ(doc.images.size(), 5u) << "image, overlay, its colour scale, spectrum, error levels";
    // The overlay's colour scale is drawn under it, in the overlay's colours, for a printed report's reader.
    const auto ramp = std::find_if(doc.images.begin(), doc.images.end(), [](const auto& i) { return i.first.endsWith("ramp"); });
    ASSERT_NE(ramp, doc.images.end());
    EXPECT_TRUE(doc.html.contains("report-image:" + ramp->first));
    const cv::Vec3b low = ramp->second.at<cv::Vec3b>(6, 0), high = ramp->second.at<cv::Vec3b>(6, 255);
    EXPECT_GT(high[0], high[2]) << "turbo ends in red";
    EXPECT_GT(low[2], low[0]) << "and starts in blue";

    // With the robustness check: its answer, each copy's verdict, and a done check.
    AnalysisResult checkedResult = result;
    checkedResult.robustness = RobustnessCheck(fixtureDetector("brightness_detector"), {}, {Degradation::jpeg(65), Degradation::rescale(0.5)})
                                   .check(loadImage(images[2]), result.verdict);
    const ImageEvidence checked = gatherEvidence(checkedResult, "analysed for this test", options);
    const auto robustness = std::find_if(checked.checks.begin(), checked.checks.end(),
                                         [](const CheckRecord& c) { return c.name.rfind("Robustness check", 0) == 0; });
    ASSERT_NE(robustness, checked.checks.end());
    EXPECT_EQ(robustness->status, CheckRecord::Status::Done);
    EXPECT_NE(robustness->name.find("JPEG 65 and 0.5x rescale"), std::string::npos) << robustness->name;
    EXPECT_NE(robustness->detail.find(checkedResult.robustness->explanation), std::string::npos) << robustness->detail;
    const QString html = report::imageReport(checked).html;
    for (const char* part : {"After the check:", "the image as analysed", "JPEG 65", "0.5x rescale", "40 x 40"})
        EXPECT_TRUE(html.contains(part)) << part;

    // The file changed after the analysis: the report says so and runs no signal on the other bytes.
    writeRgb(images[2], cv::Mat(80, 80, CV_8UC3, cv::Scalar(1, 2, 3)));
    const ImageEvidence changed = gatherEvidence(result, "analysed for this test", options);
    EXPECT_FALSE(changed.fileMatches);
    EXPECT_FALSE(changed.spectrum.has_value());
    EXPECT_FALSE(changed.ela.has_value());
    EXPECT_TRUE(report::imageReport(changed).html.contains("DIFFERENT"));
}

// The case report names each model and the settings its results were made with, as a reader takes them
// in ("patch: 96; stride: ..."), not as the cache key's JSON.
TEST(EvidenceReport, CaseReportShowsEachModelsSettingsReadably) {
    QTemporaryDir dir;
    const std::vector<std::string> images = writeImages(dir);
    auto store = CaseStore::open(tmpPath(dir, "case.sqlite"));
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    ASSERT_EQ(BatchAnalysis(*store, analyzer).run(images).analysed, int(images.size()));
    const QString html = report::caseReport(*store, {}).html;
    EXPECT_TRUE(html.contains("<b>patch</b>: ")) << html.toStdString();
    EXPECT_TRUE(html.contains("<b>full_heatmap</b>: yes"));
    EXPECT_TRUE(html.contains("<b>band</b>: [")) << "arrays in brackets";
    EXPECT_FALSE(html.contains("&quot;patch&quot;")) << "no raw JSON";
    EXPECT_TRUE(html.contains(QString::fromStdString(analyzer.detector().weightsSha256()))) << "the model's digest in full";
}

TEST(EvidenceReport, FingerprintCheckNamesTheResidualAndAnyFallback) {
    QTemporaryDir dir;
    const std::vector<std::string> images = writeImages(dir);
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    const AnalysisResult result = analyzer.analyze(images[2]);
    auto library = std::make_shared<FingerprintLibrary>();
    cv::Mat pattern(64, 64, CV_32FC3);
    cv::randn(pattern, cv::Scalar::all(0), cv::Scalar::all(1));
    Fingerprint dif{"dif_like", pattern, 0.0, 0.05, ""};  // names no residual, as DIF's
    Fingerprint own{"own", pattern, 0.0, 0.05, "highpass"};
    library->fingerprints = {dif, own};
    library->defaultResidual = ResidualSource(ResidualMethod::NonLocalMeans,
                                              TorchDenoiser::open(loadDenoiserManifest(testData("box3_denoiser.json")), "cpu"));
    library->residualNote = "a note about the denoiser";
    library->folder = "/some/library";
    EvidenceOptions options;
    options.fingerprints = library;
    const ImageEvidence ev = gatherEvidence(result, "analysed for this test", options);
    const auto check = std::find_if(ev.checks.begin(), ev.checks.end(), [](const CheckRecord& c) {
        return c.name.rfind("Generator fingerprints", 0) == 0;
    });
    ASSERT_NE(check, ev.checks.end());
    EXPECT_EQ(check->status, CheckRecord::Status::Done) << check->detail;
    for (const char* part : {"2 fingerprints from /some/library", "denoiser:box3_denoiser", "highpass", "a note about the denoiser"})
        EXPECT_NE(check->detail.find(part), std::string::npos) << part << " in: " << check->detail;
}

TEST(EvidenceReport, CombinesTheDetectorsAttributionWithTheFingerprints) {
    // A held-out disco_diffusion image the shipped detector alone attributes to dalle_mini (0.53 against
    // 0.15), and the fingerprints set right.
    const std::string path = sharedData("attribution/disco_diffusion/9bb31d67d686.png");
    if (!sharedDataPresent()) GTEST_SKIP() << "../shared/data not present";
    const auto detector = std::shared_ptr<Detector>(
        Detector::open(loadManifest(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/baseline/baseline.json"), DetectorOptions{}));
    const AnalysisResult result = ImageAnalyzer(detector, {}).analyze(path);
    ASSERT_EQ(result.verdict.attribution.front().name, "dalle_mini");
    // The analysis combined them already (the model's calibration reads the fingerprints): the report keeps that answer.
    ASSERT_TRUE(result.verdict.combinedAttribution.has_value());
    EXPECT_EQ(result.verdict.combinedAttribution->ranking.front().name, "disco_diffusion");
    EvidenceOptions options;
    const ImageEvidence analysed = gatherEvidence(result, "analysed for this test", options);
    ASSERT_TRUE(analysed.combinedAttribution.has_value()) << "even without a fingerprint library for the report";
    EXPECT_EQ(analysed.combinedAttribution->ranking.front().name, "disco_diffusion");

    // A result without it (stored by an earlier version): the report combines with its own library.
    AnalysisResult stored = result;
    stored.verdict.combinedAttribution.reset();
    options.fingerprints = std::make_shared<FingerprintLibrary>(loadInstalledFingerprints(SYNTHSCOPE_MODELS_SOURCE_DIR_FOR_TESTS "/fingerprints"));
    const ImageEvidence ev = gatherEvidence(stored, "analysed for this test", options);
    ASSERT_TRUE(ev.combinedAttribution.has_value());
    EXPECT_EQ(ev.combinedAttribution->ranking.front().name, "disco_diffusion");
    EXPECT_DOUBLE_EQ(ev.combinedAttribution->weight, detector->manifest().fingerprintWeight) << "the manifest's attribution.fingerprint_weight";
    EXPECT_DOUBLE_EQ(ev.combinedAttribution->lookWeight, detector->manifest().look.weight) << "the result's look joins it again";
    const QString html = report::imageReport(ev).html;
    EXPECT_TRUE(html.contains("Combined with the generator fingerprints")) << "the report says which answer is combined";
    EXPECT_TRUE(html.contains("<b>disco_diffusion ")) << "and gives it first";
    EXPECT_TRUE(html.contains("The image's look took part too")) << "and says the look joined, and what it alone says";
    // What each source said of the first candidates, as a table with the combined answer first.
    EXPECT_TRUE(html.contains("How the generator was chosen")) << "the sources' table";
    const auto& said = ev.combinedAttribution->contributions;
    ASSERT_FALSE(said.empty());
    EXPECT_EQ(said.front().name, "disco_diffusion");
    ASSERT_TRUE(said.front().evidence.has_value()) << "disco_diffusion has a fingerprint";
    const auto rows = ev.combinedAttribution->contributionRows(5);
    EXPECT_TRUE(html.contains("<td>disco_diffusion</td><td>" + QString::fromStdString(rows.front().detector) + "</td><td>" +
                              QString::fromStdString(rows.front().evidence) + "</td>"))
        << "its row: the detector's share and the fingerprint's evidence";
    EXPECT_FALSE(html.contains("ranked by the detector alone")) << "the library has a fingerprint for each of its generators";
    // A library without StyleGAN2's: the report says that generator is ranked by the detector alone.
    auto withoutStyleGan = std::make_shared<FingerprintLibrary>(*options.fingerprints);
    auto& prints = withoutStyleGan->fingerprints;
    prints.erase(std::remove_if(prints.begin(), prints.end(), [](const Fingerprint& f) { return f.name == "stylegan2"; }), prints.end());
    ASSERT_EQ(prints.size(), options.fingerprints->fingerprints.size() - 1);
    options.fingerprints = withoutStyleGan;
    EXPECT_TRUE(report::imageReport(gatherEvidence(stored, "analysed for this test", options)).html.contains(
        "ranked by the detector alone: stylegan2"));

    // Without the mapping (a result stored by a still earlier version) there is nothing to combine.
    AnalysisResult old = stored;
    old.classGenerators.clear();
    EXPECT_FALSE(gatherEvidence(old, "analysed for this test", options).combinedAttribution.has_value());
}
