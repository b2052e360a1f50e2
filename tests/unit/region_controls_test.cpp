#include <gtest/gtest.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "engine/batch_analysis.h"
#include "engine/case_store.h"
#include "engine/errors.h"
#include "engine/evidence.h"
#include "engine/image_analyzer.h"
#include "engine/region_controls.h"
#include "engine/result_json.h"
#include "report/evidence_report.h"
#include "report/verdict_summary.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

bool overlap(const ImageRegion& a, const ImageRegion& b) {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// Every place: the region's size (or the one given), inside the picture, apart from the region and from each other.
void expectApartAndInside(const ImageRegion& region, const std::vector<ImageRegion>& places, int width = 0, int height = 0) {
    for (std::size_t i = 0; i < places.size(); ++i) {
        const ImageRegion& p = places[i];
        EXPECT_EQ(p.width, width ? width : region.width);
        EXPECT_EQ(p.height, height ? height : region.height);
        EXPECT_GE(p.x, 0);
        EXPECT_GE(p.y, 0);
        EXPECT_LE(p.x + p.width, region.sourceWidth);
        EXPECT_LE(p.y + p.height, region.sourceHeight);
        EXPECT_FALSE(overlap(p, region)) << p.describe();
        for (std::size_t j = 0; j < i; ++j) EXPECT_FALSE(overlap(p, places[j])) << p.describe() << " and " << places[j].describe();
    }
}

// A region's verdict: flagged ones at 0.9, as the flagged parts of the tests below (so not above them).
Verdict V(VerdictLabel label, double p = -1) {
    Verdict v;
    v.label = label;
    v.syntheticProbability = p >= 0 ? p : label == VerdictLabel::Synthetic ? 0.9 : label == VerdictLabel::Authentic ? 0.1 : 0.5;
    return v;
}

// 128x96, dark, with a bright 32x32 square at (64, 32): the brightness fixture model (p = sigmoid(12 *
// (mean - 0.5)), 32-px patches, top-3) calls the square synthetic and every dark part authentic.
cv::Mat darkWithBrightSquare() {
    cv::Mat rgb(96, 128, CV_8UC3, cv::Scalar(10, 10, 10));
    rgb(cv::Rect(64, 32, 32, 32)).setTo(cv::Scalar(250, 250, 250));
    return rgb;
}

}  // namespace

TEST(RegionControls, PlacesAreApartFromTheRegionAndEachOtherAndSpreadOverThePicture) {
    const ImageRegion centre{1000, 1000, 512, 512, 3264, 2448};
    const std::vector<ImageRegion> places = controlPlacesFor(centre, 4);
    ASSERT_EQ(places.size(), 4u);
    expectApartAndInside(centre, places);
    // The first is the farthest from the region: the picture's far corner.
    EXPECT_EQ(places[0], (ImageRegion{3264 - 512, 0, 512, 512, 3264, 2448}));
    EXPECT_EQ(controlPlacesFor(centre, 4), places) << "deterministic";
    EXPECT_EQ(controlPlacesFor(centre, 2), std::vector<ImageRegion>(places.begin(), places.begin() + 2));
    EXPECT_TRUE(controlPlacesFor(centre, 0).empty());

    // A tight fit is found: a 224-px square at (241, 48) of a 481x321 photo leaves room for one part only,
    // flush with the region's left side or the picture's.
    const ImageRegion right{241, 48, 224, 224, 481, 321};
    const std::vector<ImageRegion> one = controlPlacesFor(right, 4);
    ASSERT_EQ(one.size(), 1u);
    expectApartAndInside(right, one);
    EXPECT_LE(one[0].x, 241 - 224);

    // No room: a region over most of the picture.
    EXPECT_TRUE(controlPlacesFor({10, 10, 300, 200, 481, 321}, 4).empty());
    EXPECT_TRUE(controlPlacesFor({0, 0, 481, 321, 481, 321}, 4).empty());

    // A small region of a very large picture: still quick (a bounded grid) and still apart.
    const ImageRegion small{9000, 6000, 32, 32, 20000, 12500};
    const std::vector<ImageRegion> far = controlPlacesFor(small, 8);
    ASSERT_EQ(far.size(), 8u);
    expectApartAndInside(small, far);
}

TEST(RegionControls, ARegionTooLargeForAControlIsComparedAtASmallerSize) {
    // A centred 1024-px square of a 1920x1080 photo: no square of its size fits beside it, nor a half
    // (448 px to each side); thirds (341 px) do, six of them, so its nine thirds are compared with four.
    const ImageRegion centre{448, 28, 1024, 1024, 1920, 1080};
    ASSERT_TRUE(controlPlacesFor(centre, 4).empty());
    const ControlLayout layout = controlLayoutFor(centre, 4, 192);
    ASSERT_EQ(layout.places.size(), 4u);
    ASSERT_EQ(layout.inside.size(), 9u);
    EXPECT_EQ(layout.partsToAnalyse(), 13);
    const ImageRegion third{0, 0, 341, 341, 1920, 1080};
    expectApartAndInside(centre, layout.places, 341, 341);
    for (std::size_t i = 0; i < layout.inside.size(); ++i) {
        const ImageRegion& p = layout.inside[i];
        EXPECT_EQ(std::make_pair(p.width, p.height), std::make_pair(third.width, third.height));
        EXPECT_TRUE(p.x >= centre.x && p.y >= centre.y && p.x + p.width <= centre.x + centre.width &&
                    p.y + p.height <= centre.y + centre.height) << p.describe();
        for (std::size_t j = 0; j < i; ++j) EXPECT_FALSE(overlap(p, layout.inside[j]));
    }
    EXPECT_EQ(layout.inside.front().x, centre.x);
    EXPECT_EQ(layout.inside.back().x, centre.x + 2 * 341);

    // With room at the region's size, nothing changes: no inside parts.
    const ControlLayout roomy = controlLayoutFor({1000, 1000, 512, 512, 3264, 2448}, 4, 192);
    EXPECT_EQ(roomy.places, controlPlacesFor({1000, 1000, 512, 512, 3264, 2448}, 4));
    EXPECT_TRUE(roomy.inside.empty());
    // Never smaller than the model's patch: with 400-px patches only halves may be tried, and they do not fit.
    EXPECT_EQ(controlLayoutFor(centre, 4, 400).partsToAnalyse(), 0);
    // A 1024 square in 1280x1024 has 128-px margins, too narrow for a part of a 192-px model: none.
    EXPECT_EQ(controlLayoutFor({128, 0, 1024, 1024, 1280, 1024}, 4, 192).partsToAnalyse(), 0);
    // Fewer places than asked at every size: the size that gives the most. A 600-px square at the left of
    // 900x600: two halves fit in the 300-px margin, three thirds.
    const ControlLayout most = controlLayoutFor({0, 0, 600, 600, 900, 600}, 4, 192);
    EXPECT_EQ(most.places.size(), 3u);
    EXPECT_EQ(most.inside.size(), 9u);
    expectApartAndInside({0, 0, 600, 600, 900, 600}, most.places, 200, 200);
    EXPECT_EQ(controlLayoutFor({0, 0, 600, 600, 900, 600}, 4, 250).places.size(), 2u) << "thirds are smaller than a 250-px patch";
}

TEST(RegionControls, TheSentenceSaysWhetherTheRegionStandsOut) {
    auto parts = [](std::initializer_list<VerdictLabel> labels) {
        std::vector<ControlPart> out;
        for (VerdictLabel l : labels) out.push_back({ImageRegion{0, 0, 64, 64, 640, 480}, l, l == VerdictLabel::Synthetic ? 0.9 : 0.1});
        return out;
    };
    using L = VerdictLabel;
    const std::string out = RegionControlCheck::explain(V(L::Synthetic), parts({L::Authentic, L::Inconclusive, L::Authentic}));
    EXPECT_NE(out.find("None of the 3 parts of the same size elsewhere in the picture is flagged: the region stands out"),
              std::string::npos) << out;
    const std::string little = RegionControlCheck::explain(V(L::Synthetic), parts({L::Synthetic, L::Authentic, L::Authentic, L::Authentic}));
    EXPECT_NE(little.find("1 of the 4 parts of the same size elsewhere in the picture is flagged too"), std::string::npos) << little;
    EXPECT_NE(little.find("says little about the region on its own"), std::string::npos) << little;
    EXPECT_NE(RegionControlCheck::explain(V(L::Synthetic), parts({L::Synthetic, L::Synthetic})).find("All 2 parts"), std::string::npos);
    // Flagged controls all less strongly than the region: it still ranks first, and stands out.
    const std::string first = RegionControlCheck::explain(V(L::Synthetic, 0.97), parts({L::Synthetic, L::Authentic, L::Authentic, L::Authentic}));
    EXPECT_NE(first.find("1 of the 4 parts of the same size elsewhere in the picture is flagged too, but less strongly than the "
                         "region (90% at most, against the region's 97%): the region stands out"),
              std::string::npos) << first;
    EXPECT_NE(first.find("rank first among these 5 one time in 5 by chance"), std::string::npos) << first;
    EXPECT_NE(little.find("as strongly as the region or more (90% at most, against the region's 90%)"), std::string::npos) << little;
    EXPECT_NE(RegionControlCheck::explain(V(L::Synthetic), parts({L::Authentic})).find("The one part of the same size elsewhere in the "
                                                                                    "picture is not flagged: the region stands out"),
              std::string::npos);
    EXPECT_NE(RegionControlCheck::explain(V(L::Authentic), parts({L::Authentic, L::Authentic})).find("is flagged either"), std::string::npos);
    EXPECT_NE(RegionControlCheck::explain(V(L::Inconclusive), parts({L::Synthetic, L::Authentic})).find("though this region is not"),
              std::string::npos);
    EXPECT_NE(RegionControlCheck::explain(V(L::Synthetic), {}).find("could not be compared"), std::string::npos);

    RegionControls c;
    c.parts = parts({L::Authentic, L::Authentic});
    EXPECT_TRUE(c.standOut(V(L::Synthetic)));
    EXPECT_FALSE(c.standOut(V(L::Inconclusive)));
    c.parts = parts({L::Authentic, L::Synthetic});
    EXPECT_EQ(c.flagged(), 1);
    EXPECT_FALSE(c.standOut(V(L::Synthetic)));
    EXPECT_EQ(c.summary(V(L::Synthetic)), "1 of 2 controls flagged");
    EXPECT_TRUE(c.standOut(V(L::Synthetic, 0.95))) << "above every control";
    EXPECT_EQ(c.summary(V(L::Synthetic, 0.95)), "stands out (1 of 2 controls flagged, below it)");
    c.parts = parts({L::Synthetic, L::Synthetic});
    EXPECT_EQ(c.summary(V(L::Synthetic, 0.95)), "stands out (2 of 2 controls flagged, all below it)");
    c.parts = parts({L::Authentic});
    EXPECT_EQ(c.summary(V(L::Synthetic)), "stands out (0 of 1 control flagged)");
    c.parts.clear();
    EXPECT_FALSE(c.standOut(V(L::Synthetic))) << "with nothing to compare, nothing stands out";
    c.error = "not enough memory to analyse the control parts";
    EXPECT_EQ(c.summary(V(L::Synthetic)), "not done");

    // Compared at a smaller size: the region stands out only when one of its own parts is flagged and
    // none beside it.
    const std::vector<ControlPart> quarters = parts({L::Authentic, L::Synthetic, L::Authentic, L::Authentic});
    const std::string smaller = RegionControlCheck::explain(V(L::Synthetic), parts({L::Authentic, L::Authentic}), quarters);
    EXPECT_NE(smaller.find("compared at 1/2 of its size: 1 of the 4 parts it was cut into and none of the 2 parts of that size "
                           "elsewhere are flagged: the region stands out"),
              std::string::npos) << smaller;
    EXPECT_NE(RegionControlCheck::explain(V(L::Synthetic), parts({L::Synthetic}), quarters).find("says little about the region on its own"),
              std::string::npos);
    EXPECT_NE(RegionControlCheck::explain(V(L::Synthetic), parts({L::Authentic}), parts({L::Authentic, L::Authentic, L::Authentic, L::Authentic}))
                  .find("nothing in the region stands out"),
              std::string::npos);
    RegionControls small;
    small.parts = parts({L::Authentic, L::Authentic});
    small.inside = quarters;
    EXPECT_EQ(small.sizeDivisor(), 2);
    EXPECT_TRUE(small.standOut(V(L::Synthetic)));
    EXPECT_EQ(small.summary(V(L::Synthetic)), "stands out (at 1/2 size: 1 of 4 own parts, 0 of 2 controls flagged)");
    small.inside = parts({L::Authentic, L::Authentic, L::Authentic, L::Authentic});
    EXPECT_FALSE(small.standOut(V(L::Synthetic))) << "none of its own parts flagged: the difference is not in the region";
    EXPECT_EQ(small.summary(V(L::Synthetic)), "at 1/2 size: 0 of 4 own parts, 0 of 2 controls flagged");
    small.inside = quarters;
    small.parts = parts({L::Synthetic, L::Authentic});
    EXPECT_FALSE(small.standOut(V(L::Synthetic, 0.99))) << "at a smaller size, a flagged control is enough not to stand out";
}

TEST(RegionControls, ARegionIsComparedWithThePictureAroundIt) {
    QTemporaryDir dir;
    const std::string dark = dir.path().toStdString() + "/dark.png";
    writeRgb(dark, darkWithBrightSquare());
    const std::string bright = dir.path().toStdString() + "/bright.png";
    writeRgb(bright, cv::Mat(96, 128, CV_8UC3, cv::Scalar(250, 250, 250)));
    const auto detector = fixtureDetector("brightness_detector");
    const ImageAnalyzer analyzer(detector, {});
    const ImageRegion square{64, 32, 32, 32};

    // The bright square of a dark picture stands out: each control part is dark.
    const AnalysisResult pasted = analyzer.analyzeRegion(dark, square);
    ASSERT_EQ(pasted.verdict.label, VerdictLabel::Synthetic);
    ASSERT_TRUE(pasted.controls);
    EXPECT_EQ(pasted.controls->asked, kDefaultRegionControls);
    ASSERT_EQ(pasted.controls->parts.size(), std::size_t(kDefaultRegionControls));
    for (const ControlPart& p : pasted.controls->parts) {
        EXPECT_EQ(p.label, VerdictLabel::Authentic) << p.region.describe();
        EXPECT_EQ(p.region.sourceWidth, 128);
    }
    EXPECT_TRUE(pasted.controls->standOut(pasted.verdict));
    EXPECT_NE(pasted.controls->explanation.find("stands out"), std::string::npos) << pasted.controls->explanation;

    // The same square of a picture bright all over does not: the controls are flagged too.
    const AnalysisResult everywhere = analyzer.analyzeRegion(bright, square);
    ASSERT_EQ(everywhere.verdict.label, VerdictLabel::Synthetic);
    ASSERT_TRUE(everywhere.controls);
    EXPECT_EQ(everywhere.controls->flagged(), kDefaultRegionControls);
    EXPECT_FALSE(everywhere.controls->standOut(everywhere.verdict));
    EXPECT_NE(everywhere.controls->explanation.find("says little about the region"), std::string::npos);

    // The progress counts the control parts (each as the top-k patches it classifies), to the end.
    struct Progress : AnalysisObserver {
        std::vector<std::pair<int, int>> seen;
        void onProgress(int done, int total) override { seen.emplace_back(done, total); }
    } progress;
    analyzer.analyzeRegion(dark, square, &progress);
    ASSERT_FALSE(progress.seen.empty());
    const int total = 1 + kDefaultRegionControls * 1;  // one 32-px patch, top-1 of it, for the region and each part
    EXPECT_EQ(progress.seen.back(), std::make_pair(total, total));
    for (const auto& [done, all] : progress.seen) EXPECT_EQ(all, total);

    // None for a whole picture, none when asked for none, and fewer when fewer fit.
    EXPECT_FALSE(analyzer.analyze(dark).controls);
    AnalysisSettings none;
    none.regionControls = 0;
    EXPECT_FALSE(ImageAnalyzer(detector, none).analyzeRegion(dark, square).controls);
    AnalysisSettings two;
    two.regionControls = 2;
    EXPECT_EQ(ImageAnalyzer(detector, two).analyzeRegion(dark, square).controls->parts.size(), 2u);
    const AnalysisResult wide = analyzer.analyzeRegion(dark, {16, 0, 96, 96});
    ASSERT_TRUE(wide.controls);
    EXPECT_EQ(wide.controls->parts.size(), 0u) << "a 96-px square in the middle of 128x96 leaves no room, nor for its halves or thirds";
    EXPECT_TRUE(wide.controls->inside.empty());
    EXPECT_NE(wide.controls->explanation.find("could not be compared"), std::string::npos);
    EXPECT_EQ(pasted.controls->summary(pasted.verdict), "stands out (0 of 4 controls flagged)");
    EXPECT_EQ(everywhere.controls->summary(everywhere.verdict), "4 of 4 controls flagged");
    EXPECT_EQ(wide.controls->summary(wide.verdict), "no room for a control");

    // A case keeps that summary beside a region's result, in its table and CSV; a whole file has none.
    {
        auto store = CaseStore::open(dir.path().toStdString() + "/case.sqlite");
        const AnalysisResult whole = analyzer.analyze(dark);
        store->addResult(caseKeyOf(*detector, {}, whole), whole);
        store->addResult(caseKeyOf(*detector, {}, pasted), pasted);
        std::vector<CaseEntry> entries;
        store->forEachEntry([&](const CaseEntry& e) { entries.push_back(e); });
        ASSERT_EQ(entries.size(), 2u);
        EXPECT_FALSE(entries[0].region);
        EXPECT_EQ(entries[0].controls, "");
        ASSERT_TRUE(entries[1].region);
        EXPECT_EQ(entries[1].controls, "stands out (0 of 4 controls flagged)");
        EXPECT_TRUE(report::caseReport(*store, {}).html.contains("against the rest of the picture: stands out (0 of 4 controls flagged)"));
    }

    // A cancelled analysis stops in its controls too.
    std::atomic<bool> cancel{true};
    const LoadedImage cropped = cropToRegion(loadImage(dark), square);
    EXPECT_THROW(RegionControlCheck(detector, {}).check(cropped, V(VerdictLabel::Synthetic), 4, controlLayoutFor(*cropped.region, 4, 32), &cancel),
                 EngineError);

    // Kept in the JSON a case stores, and counted in the case's key.
    const AnalysisResult back = resultFromJson(toJson(pasted));
    ASSERT_TRUE(back.controls);
    EXPECT_EQ(back.controls->asked, pasted.controls->asked);
    ASSERT_EQ(back.controls->parts.size(), pasted.controls->parts.size());
    EXPECT_EQ(back.controls->parts[1].region, pasted.controls->parts[1].region);
    EXPECT_EQ(back.controls->parts[1].label, pasted.controls->parts[1].label);
    EXPECT_EQ(back.controls->explanation, pasted.controls->explanation);
    const ImageRegion whole = *pasted.image.region;
    EXPECT_NE(cacheSettingsKey(*detector, {}, {}, whole), cacheSettingsKey(*detector, none, {}, whole));
    EXPECT_EQ(cacheSettingsKey(*detector, {}, {}, std::nullopt), cacheSettingsKey(*detector, none, {}, std::nullopt))
        << "a whole file's key is unchanged";
    EXPECT_EQ(caseKeyOf(*detector, {}, pasted).settings, cacheSettingsKey(*detector, {}, {}, whole));
    EXPECT_EQ(caseKeyOf(*detector, {}, ImageAnalyzer(detector, none).analyzeRegion(dark, square)).settings,
              cacheSettingsKey(*detector, none, {}, whole))
        << "a result keeps the key of the controls it was made with";

    // Said where a user reads it: the summary, and the report with the parts outlined beside the region.
    EXPECT_TRUE(report::verdictSummary(everywhere).contains("Control parts: All 4 parts of the same size"))
        << report::verdictSummary(everywhere).toStdString();
    const ImageEvidence ev = gatherEvidence(pasted, "analysed for this test", {});
    bool listed = false;
    for (const CheckRecord& c : ev.checks)
        listed |= c.name.rfind("Control parts", 0) == 0 && c.status == CheckRecord::Status::Done &&
                  c.detail.find(pasted.controls->parts[0].region.brief()) != std::string::npos;
    EXPECT_TRUE(listed);
    const ImageRegion& first = pasted.controls->parts[0].region;
    EXPECT_EQ(ev.regionContextRgb.at<cv::Vec3b>(first.y + first.height / 2, first.x), cv::Vec3b(80, 170, 255))
        << "the first control's left edge, in blue";
    const QString html = report::imageReport(ev).html;
    EXPECT_TRUE(html.contains("<b>Control parts.</b> None of the 4 parts")) << html.toStdString();
}

TEST(RegionControls, ARegionWithNoRoomBesideItIsComparedThroughItsOwnParts) {
    // 128x96, dark, its columns 64-95 bright and striped (5-px stripes, so that the contrast ranks them
    // first). The region {32, 0, 64, 96}: no 64x96 part fits beside it, its 32x48 halves do (four, in the
    // dark margins); its own right halves are the bright ones.
    cv::Mat rgb(96, 128, CV_8UC3, cv::Scalar(10, 10, 10));
    for (int x = 64; x < 96; ++x) rgb(cv::Rect(x, 0, 1, 96)).setTo(((x - 64) / 5) % 2 ? cv::Scalar(200, 200, 200) : cv::Scalar(255, 255, 255));
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/striped.png";
    writeRgb(path, rgb);
    const auto detector = fixtureDetector("brightness_detector");
    const ImageRegion region{32, 0, 64, 96};

    struct Progress : AnalysisObserver {
        std::pair<int, int> last;
        void onProgress(int done, int total) override { last = {done, total}; }
    } progress;
    const AnalysisResult r = ImageAnalyzer(detector, {}).analyzeRegion(path, region, &progress);
    ASSERT_EQ(r.verdict.label, VerdictLabel::Synthetic);
    ASSERT_TRUE(r.controls && r.controls->done());
    ASSERT_EQ(r.controls->parts.size(), 4u);
    ASSERT_EQ(r.controls->inside.size(), 4u);
    for (const ControlPart& p : r.controls->parts) {
        EXPECT_EQ(std::make_pair(p.region.width, p.region.height), std::make_pair(32, 48));
        EXPECT_EQ(p.label, VerdictLabel::Authentic) << p.region.describe();
    }
    for (const ControlPart& p : r.controls->inside)
        EXPECT_EQ(p.label, p.region.x == 64 ? VerdictLabel::Synthetic : VerdictLabel::Authentic) << p.region.describe();
    EXPECT_EQ(r.controls->insideFlagged(), 2);
    EXPECT_TRUE(r.controls->standOut(r.verdict));
    EXPECT_EQ(r.controls->summary(r.verdict), "stands out (at 1/2 size: 2 of 4 own parts, 0 of 4 controls flagged)");
    EXPECT_EQ(progress.last.first, progress.last.second) << "the parts are counted in the progress, to the end";

    // Kept in the JSON, with the engine's own answer to "does it stand out".
    const QJsonObject json = toJson(r);
    EXPECT_TRUE(json["region_controls"].toObject()["stands_out"].toBool());
    EXPECT_EQ(json["region_controls"].toObject()["inside_flagged"].toInt(), 2);
    const AnalysisResult back = resultFromJson(json);
    ASSERT_TRUE(back.controls);
    ASSERT_EQ(back.controls->inside.size(), 4u);
    EXPECT_EQ(back.controls->inside[1].region, r.controls->inside[1].region);
    EXPECT_EQ(back.controls->inside[1].label, VerdictLabel::Synthetic);
    EXPECT_EQ(back.controls->summary(back.verdict), r.controls->summary(r.verdict));

    // In the report: the region's own parts listed after the controls, the flagged ones outlined.
    const ImageEvidence ev = gatherEvidence(r, "analysed for this test", {});
    const QString html = report::imageReport(ev).html;
    EXPECT_TRUE(html.contains("compared at 1/2 of its size")) << html.toStdString();
    EXPECT_TRUE(html.contains("the region's part " + QString::fromStdString(r.controls->inside[1].region.brief())));
}

TEST(RegionControls, TheCliPrintsAndWritesThemAndTakesControls) {
    QTemporaryDir dir;
    const QString path = dir.path() + "/picture.png";
    writeRgb(path.toStdString(), darkWithBrightSquare());
    const QString model = QString::fromStdString(testData("brightness_detector.json"));
    const CliRun run = runCli({"analyze", "--model", model, "--device", "cpu", path, "--region", "64,32,32,32", "--controls", "3",
                               "--json", dir.path() + "/out.json"});
    ASSERT_EQ(run.exitCode, 0) << run.err.toStdString();
    EXPECT_TRUE(run.out.contains("controls: None of the 3 parts of the same size elsewhere in the picture is flagged: the region "
                                 "stands out"))
        << run.out.toStdString();
    QFile f(dir.path() + "/out.json");
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QJsonObject controls = QJsonDocument::fromJson(f.readAll())["results"][0]["region_controls"].toObject();
    EXPECT_EQ(controls["asked"].toInt(), 3);
    EXPECT_EQ(controls["parts"].toArray().size(), 3);
    EXPECT_EQ(controls["flagged"].toInt(), 0);

    const CliRun none = runCli({"analyze", "--model", model, "--device", "cpu", path, "--region", "64,32,32,32", "--controls", "0"});
    ASSERT_EQ(none.exitCode, 0) << none.err.toStdString();
    EXPECT_FALSE(none.out.contains("controls:")) << none.out.toStdString();
    const CliRun bad = runCli({"analyze", "--model", model, "--device", "cpu", path, "--region", "64,32,32,32", "--controls", "-1"});
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_TRUE(bad.err.contains("--controls must be a whole number from 0 to 16")) << bad.err.toStdString();
}
