#include <gtest/gtest.h>

#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <thread>
#include <mutex>

#include "engine/analysis_engine.h"
#include "engine/heif_decoder.h"
#include "engine/thread_priority.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// Records engine events (they arrive on the worker thread).
struct Events : EngineListener {
    std::mutex mutex;
    std::vector<JobId> finished, cancelledJobs, verdicts;
    std::vector<std::pair<JobId, ErrorKind>> failed;
    std::vector<std::string> finishedPaths;
    std::vector<AnalysisResult> results;
    int imagesLoaded = 0, verdictEvents = 0;
    std::string modelLoaded, modelFailed;
    AnalysisEngine* engine = nullptr;
    JobId cancelAtVerdict = 0;

    void onModelLoaded(const ModelManifest& m, const std::string&) override { std::lock_guard<std::mutex> l(mutex); modelLoaded = m.name; }
    void onModelFailed(const std::string& message) override { std::lock_guard<std::mutex> l(mutex); modelFailed = message; }
    void onJobImageLoaded(JobId, const std::shared_ptr<const LoadedImage>&) override { std::lock_guard<std::mutex> l(mutex); ++imagesLoaded; }
    void onJobVerdict(JobId id, const AnalysisResult&) override {
        {
            std::lock_guard<std::mutex> l(mutex);
            verdicts.push_back(id);
        }
        if (id == cancelAtVerdict) engine->cancel(id);  // from the worker thread itself
    }
    void onJobFinished(JobId id, const AnalysisResult& r) override {
        std::lock_guard<std::mutex> l(mutex);
        finished.push_back(id);
        finishedPaths.push_back(r.image.path);
        results.push_back(r);
    }
    void onJobFailed(JobId id, const std::string&, ErrorKind kind, const std::string&) override {
        std::lock_guard<std::mutex> l(mutex);
        failed.emplace_back(id, kind);
    }
    void onJobCancelled(JobId id, const std::string&) override { std::lock_guard<std::mutex> l(mutex); cancelledJobs.push_back(id); }
    // (job, what came just before it: the last finished job) for each robustness report, and its content.
    std::vector<std::pair<JobId, JobId>> robustness;
    std::vector<RobustnessReport> robustnessReports;
    void onJobRobustness(JobId id, const RobustnessReport& report) override {
        std::lock_guard<std::mutex> l(mutex);
        robustness.emplace_back(id, finished.empty() ? 0 : finished.back());
        robustnessReports.push_back(report);
    }
};

std::string writeNoise(const QTemporaryDir& dir, const std::string& name, int size) {
    cv::Mat rgb(size, size, CV_8UC3);
    cv::randu(rgb, 0, 256);
    const std::string path = dir.path().toStdString() + "/" + name;
    writeRgb(path, rgb);
    return path;
}

}  // namespace

TEST(ThreadPriority, LowersOnlyTheCallingThreadAndWhatItStartsAndOnlyOnce) {
#ifndef __linux__
    GTEST_SKIP() << "thread priorities are set on Linux only";
#endif
    const int main = currentThreadNice();
    int lowered = -100, again = -100, child = -100;
    std::thread([&] {
        EXPECT_TRUE(lowerCurrentThreadPriority());
        lowered = currentThreadNice();
        EXPECT_TRUE(lowerCurrentThreadPriority());
        again = currentThreadNice();
        std::thread([&] { child = currentThreadNice(); }).join();  // LibTorch's workers are started like this
    }).join();
    EXPECT_EQ(lowered, std::min(19, main + kBackgroundNiceOffset));
    EXPECT_EQ(again, lowered) << "relative to the main thread, not to itself: calling twice changes nothing";
    EXPECT_EQ(child, lowered) << "a thread started afterwards inherits it";
    EXPECT_EQ(currentThreadNice(), main) << "the calling thread only";
}

TEST(AnalysisEngine, ABackgroundEngineWorksBelowTheThreadThatMadeIt) {
#ifndef __linux__
    GTEST_SKIP() << "thread priorities are set on Linux only";
#endif
    struct NiceOfWorker : EngineListener {
        std::atomic<int> nice{-100};
        void onJobFailed(JobId, const std::string&, ErrorKind, const std::string&) override { nice = currentThreadNice(); }
    };
    const int main = currentThreadNice();
    for (const auto priority : {AnalysisEngine::WorkerPriority::Normal, AnalysisEngine::WorkerPriority::Background}) {
        NiceOfWorker listener;
        AnalysisEngine engine(&listener, priority);
        engine.analyzeFile("/nonexistent/image.png", {});  // fails on the worker, which reports it from there
        engine.waitUntilIdle();
        EXPECT_EQ(listener.nice.load(), priority == AnalysisEngine::WorkerPriority::Background ? std::min(19, main + kBackgroundNiceOffset) : main);
    }
    EXPECT_EQ(currentThreadNice(), main);
}

TEST(AnalysisEngine, RunsJobsInOrderAndGoesOnAfterBadInput) {
    QTemporaryDir dir;
    const std::string a = writeNoise(dir, "a.png", 64), b = writeNoise(dir, "b.png", 96);
    const std::string broken = dir.path().toStdString() + "/broken.png";
    writeBytes(broken, {0x89, 'P', 'N', 'G'});
    Events events;
    AnalysisEngine engine(&events);
    engine.setDetector(fixtureDetector("brightness_detector"));
    const JobId ja = engine.analyzeFile(a, {});
    const JobId jbroken = engine.analyzeFile(broken, {});
    const JobId jb = engine.analyzeFile(b, {});
    engine.waitUntilIdle();
    EXPECT_EQ(events.finished, (std::vector<JobId>{ja, jb}));
    EXPECT_EQ(events.finishedPaths, (std::vector<std::string>{a, b}));
    ASSERT_EQ(events.failed.size(), 1u);
    EXPECT_EQ(events.failed[0].first, jbroken);
    EXPECT_EQ(events.failed[0].second, ErrorKind::BadInput);
    EXPECT_EQ(engine.queuedJobs(), 0u);
}

TEST(AnalysisEngine, ChecksRobustnessAfterEachAnalysisQueuedWithCopies) {
    QTemporaryDir dir;
    const std::string a = writeNoise(dir, "a.png", 64), b = writeNoise(dir, "b.png", 96);
    Events events;
    AnalysisEngine engine(&events);
    engine.setDetector(fixtureDetector("brightness_detector"));
    const JobId plain = engine.analyzeFile(a, {});
    engine.setRobustnessCopies({Degradation::jpeg(90), Degradation::contrastOf(0.5)});
    const JobId checked = engine.analyzeFile(b, {});
    cv::Mat grey(64, 64, CV_8UC3, cv::Scalar::all(128));
    const JobId inMemory = engine.analyzeImage(std::make_shared<const LoadedImage>(decodeImage(encodeRgb(".png", grey), "grey.png")), {});
    engine.setRobustnessCopies({});
    const JobId plainAgain = engine.analyzeFile(a, {});
    engine.waitUntilIdle();

    EXPECT_EQ(events.finished, (std::vector<JobId>{plain, checked, inMemory, plainAgain}));
    // One report for each job queued while copies were set, right after its own result.
    ASSERT_EQ(events.robustness, (std::vector<std::pair<JobId, JobId>>{{checked, checked}, {inMemory, inMemory}}));
    for (std::size_t i = 0; i < 2; ++i) {
        const RobustnessReport& report = events.robustnessReports[i];
        EXPECT_TRUE(report.done()) << report.error;
        EXPECT_EQ(report.copies, (std::vector<std::string>{"jpeg90", "contrast0.5"}));
        ASSERT_EQ(report.variants.size(), 2u);
        EXPECT_EQ(report.variants[0].name, "jpeg90");
        EXPECT_EQ(report.variants[1].name, "contrast0.5");
    }
    // A uniform grey image is the same at any contrast and survives JPEG 90: the copies agree.
    EXPECT_TRUE(events.robustnessReports[1].agree);
    EXPECT_EQ(events.robustnessReports[1].label, events.results[2].verdict.label);
}

TEST(AnalysisEngine, ACheckThatCannotBeDoneIsReportedWithoutFailingTheJob) {
    QTemporaryDir dir;
    Events events;
    AnalysisEngine engine(&events);
    engine.setDetector(fixtureDetector("brightness_detector"));
    engine.setRobustnessCopies({Degradation::jpeg(90), Degradation::rescale(0.01)});  // 64 px -> under 2x2: refused
    const JobId job = engine.analyzeFile(writeNoise(dir, "a.png", 64), {});
    engine.waitUntilIdle();

    EXPECT_EQ(events.finished, std::vector<JobId>{job});
    EXPECT_TRUE(events.failed.empty());
    ASSERT_EQ(events.robustnessReports.size(), 1u);
    const RobustnessReport& report = events.robustnessReports[0];
    EXPECT_FALSE(report.done());
    EXPECT_NE(report.error.find("too small for rescale0.01"), std::string::npos) << report.error;
    // What was asked for, of which verdict, is still said; no half-done copies are passed on as an answer.
    EXPECT_EQ(report.copies, (std::vector<std::string>{"jpeg90", "rescale0.01"}));
    EXPECT_EQ(report.originalLabel, events.results[0].verdict.label);
    EXPECT_TRUE(report.variants.empty());
    EXPECT_EQ(report.label, VerdictLabel::Inconclusive);
}

TEST(AnalysisEngine, LoadsModelsOnItsThreadAndReportsFailures) {
    QTemporaryDir dir;
    Events events;
    AnalysisEngine engine(&events);
    const JobId before = engine.analyzeFile(writeNoise(dir, "a.png", 64), {});
    engine.waitUntilIdle();
    ASSERT_EQ(events.failed.size(), 1u);
    EXPECT_EQ(events.failed[0], std::make_pair(before, ErrorKind::Model)) << "no model loaded yet";

    ModelManifest broken = fixtureManifest("brightness_detector");
    broken.weightsPath = "/nonexistent.pt";
    engine.loadModel(broken, {});
    engine.waitUntilIdle();
    EXPECT_NE(events.modelFailed.find("missing"), std::string::npos);

    DetectorOptions cpu;
    cpu.device = "cpu";
    engine.loadModel(fixtureManifest("brightness_detector"), cpu);
    const JobId after = engine.analyzeFile(writeNoise(dir, "b.png", 64), {});
    engine.waitUntilIdle();
    EXPECT_EQ(events.modelLoaded, "brightness_detector");
    EXPECT_EQ(events.finished, std::vector<JobId>{after});
}

TEST(AnalysisEngine, CancelsQueuedAndRunningJobs) {
    QTemporaryDir dir;
    const std::string big = writeNoise(dir, "big.png", 640);  // 400 patches, 100 batches
    const std::string small = writeNoise(dir, "small.png", 64);
    Events events;
    AnalysisEngine engine(&events);
    events.engine = &engine;
    engine.setDetector(fixtureDetector("brightness_detector"));
    const JobId running = engine.analyzeFile(big, {});
    events.cancelAtVerdict = running;
    const JobId queued = engine.analyzeFile(small, {});
    const JobId kept = engine.analyzeFile(small, {});
    engine.cancel(queued);
    engine.waitUntilIdle();
    EXPECT_EQ(events.verdicts.front(), running);
    EXPECT_EQ(events.cancelledJobs.size(), 2u);
    EXPECT_NE(std::find(events.cancelledJobs.begin(), events.cancelledJobs.end(), running), events.cancelledJobs.end());
    EXPECT_NE(std::find(events.cancelledJobs.begin(), events.cancelledJobs.end(), queued), events.cancelledJobs.end());
    EXPECT_EQ(events.finished, std::vector<JobId>{kept});
}

TEST(AnalysisEngine, ShutdownWithWorkQueuedIsPrompt) {
    QTemporaryDir dir;
    const std::string big = writeNoise(dir, "big.png", 640);
    const auto t0 = std::chrono::steady_clock::now();
    {
        Events events;
        AnalysisEngine engine(&events);
        engine.setDetector(fixtureDetector("brightness_detector"));
        for (int i = 0; i < 50; ++i) engine.analyzeFile(big, {});
    }  // destructor: cancels the running job before its next batch, drops the queue, joins
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(seconds, 20.0) << "50 queued analyses must not all run";
}

// Issue 7: cancellation at arbitrary moments, many times over. Every job must end exactly once
// (finished, failed or cancelled), the engine must go idle, and destroying it mid-batch must be clean
// (the sanitizer build of this suite checks for leaks and races: packaging/sanitize.sh).
TEST(AnalysisEngine, RepeatedCancellationAndShutdownMidBatchLoseNothing) {
    QTemporaryDir dir;
    const std::string big = writeNoise(dir, "big.png", 320);  // 100 patches, 25 batches
    const std::string small = writeNoise(dir, "small.png", 64);
    std::mt19937 random(7);
    std::shared_ptr<Detector> detector = fixtureDetector("brightness_detector");
    for (int round = 0; round < 60; ++round) {
        Events events;
        auto engine = std::make_unique<AnalysisEngine>(&events);
        engine->setDetector(detector);
        std::vector<JobId> jobs;
        for (int i = 0; i < 6; ++i) jobs.push_back(engine->analyzeFile(i % 2 ? small : big, {}));
        std::this_thread::sleep_for(std::chrono::microseconds(random() % 20000));
        if (round % 3 == 2) {
            engine.reset();  // shutdown mid-batch: cancels, drops the queue, joins
            continue;
        }
        if (round % 3 == 0) engine->cancel(jobs[random() % jobs.size()]);
        else engine->cancelAll();
        engine->waitUntilIdle();
        std::lock_guard<std::mutex> l(events.mutex);
        std::map<JobId, int> ends;
        for (JobId id : events.finished) ++ends[id];
        for (JobId id : events.cancelledJobs) ++ends[id];
        for (const auto& f : events.failed) ++ends[f.first];
        for (JobId id : jobs) EXPECT_EQ(ends[id], 1) << "round " << round << ", job " << id << " must end exactly once";
        EXPECT_EQ(ends.size(), jobs.size());
        EXPECT_TRUE(events.failed.empty()) << "cancellation is not a failure";
        EXPECT_EQ(engine->queuedJobs(), 0u);
    }
}

TEST(AnalysisEngine, OpensAStoredResultAndAnalysesAgainOnlyWhenTheFileChanged) {
    QTemporaryDir dir;
    const std::string image = writeNoise(dir, "evidence.png", 96);
    const std::string caseFile = dir.path().toStdString() + "/case.sqlite";
    std::shared_ptr<Detector> detector = fixtureDetector("brightness_detector");
    AnalysisResult analysed = ImageAnalyzer(detector, {}).analyze(image);
    // What the case holds differs from what the detector gives, so a re-analysis cannot pass for it.
    AnalysisResult stored = analysed;
    stored.verdict.syntheticProbability = 0.123;
    const CacheKey key{analysed.image.sha256, detector->weightsSha256(), "settings-of-the-batch"};
    CaseStore::open(caseFile)->addResult(key, stored);

    Events events;
    AnalysisEngine engine(&events);
    engine.setDetector(detector);
    const JobId shown = engine.openStored(image, caseFile, key, {});
    engine.waitUntilIdle();
    ASSERT_EQ(events.finished, (std::vector<JobId>{shown}));
    EXPECT_DOUBLE_EQ(events.results[0].verdict.syntheticProbability, 0.123);
    EXPECT_EQ(events.results[0].provenance.storedIn, caseFile);
    EXPECT_EQ(events.results[0].patches.size(), analysed.patches.size());  // the whole stored result, heatmap too
    EXPECT_TRUE(events.results[0].warnings.empty());
    EXPECT_EQ(events.imagesLoaded, 1);  // shown, for the forensic signals too
    EXPECT_EQ(events.verdicts.size(), 0u);  // no detector ran

    // A key the case does not hold (another model): analysed now, and said so.
    CacheKey otherModel = key;
    otherModel.modelSha256 = "another-model";
    engine.openStored(image, caseFile, otherModel, {});
    engine.waitUntilIdle();  // before the file changes under it
    // The file was changed after the case analysed it: analysed now, and said so.
    writeNoise(dir, "evidence.png", 96);
    engine.openStored(image, caseFile, key, {});
    engine.waitUntilIdle();
    ASSERT_EQ(events.results.size(), 3u);
    for (int i : {1, 2}) {
        const AnalysisResult& r = events.results[std::size_t(i)];
        EXPECT_NE(r.verdict.syntheticProbability, 0.123);
        EXPECT_TRUE(r.provenance.storedIn.empty());
        ASSERT_EQ(r.warnings.size(), 1u);
        EXPECT_NE(r.warnings[0].find("analysed again with the current model"), std::string::npos);
    }
    EXPECT_NE(events.results[1].warnings[0].find("holds no result"), std::string::npos);
    EXPECT_NE(events.results[2].warnings[0].find("the file has changed"), std::string::npos);

    // A broken case file or a missing image: a clear failure or a re-analysis, never a crash.
    writeBytes(caseFile, {'n', 'o', 't'});
    CacheKey current = key;
    current.imageSha256 = events.results[2].image.sha256;
    const JobId broken = engine.openStored(image, caseFile, current, {});
    const JobId missing = engine.openStored(dir.path().toStdString() + "/gone.png", caseFile, key, {});
    engine.waitUntilIdle();
    ASSERT_EQ(events.failed.size(), 1u);
    EXPECT_EQ(events.failed[0].first, missing);
    EXPECT_EQ(events.failed[0].second, ErrorKind::BadInput);
    EXPECT_EQ(events.finished.back(), broken);
    ASSERT_EQ(events.results.back().warnings.size(), 1u);
    EXPECT_NE(events.results.back().warnings[0].find("could not be read"), std::string::npos);
}

// A case's large HEIF is decoded in the decoder process for seconds; cancelling the job, or an analysis
// with no model loaded, stops the decoding at once (the stand-in helper would sleep for a minute).
TEST(AnalysisEngine, CancellingAStoredResultOrAViewerLoadStopsTheDecoding) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    QTemporaryDir dir;
    const std::string image = dir.filePath("large.heic").toStdString();
    writeBytes(image, encodeHeif(cv::Mat(64, 64, CV_8UC3, cv::Scalar(90, 140, 200)), false));
    const ScopedEnv env("SYNTHSCOPE_DECODE_HELPER", writeShellScript(dir.path().toStdString(), "slow-helper", "exec sleep 60"));

    for (const bool withModel : {true, false}) {
        Events events;
        AnalysisEngine engine(&events);
        if (withModel) engine.setDetector(fixtureDetector("brightness_detector"));
        const auto start = std::chrono::steady_clock::now();
        const JobId job = withModel ? engine.openStored(image, dir.filePath("case.sqlite").toStdString(), CacheKey{"a", "b", "c"}, {})
                                    : engine.analyzeFile(image, {});
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        engine.cancel(job);
        engine.waitUntilIdle();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_LT(seconds, 10.0) << (withModel ? "stored result" : "no model") << ": not the stand-in's 60 s";
        if (withModel) {
            EXPECT_EQ(events.cancelledJobs, (std::vector<JobId>{job}));
            EXPECT_TRUE(events.failed.empty()) << "a cancellation is not a failure";
        } else {
            ASSERT_EQ(events.failed.size(), 1u);  // still "no detector model is loaded"
            EXPECT_EQ(events.failed[0].second, ErrorKind::Model);
        }
        EXPECT_EQ(events.imagesLoaded, 0);
    }
}
