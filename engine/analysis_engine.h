#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/analysis_result.h"
#include "engine/case_store.h"
#include "engine/detector.h"
#include "engine/errors.h"
#include "engine/image_analyzer.h"
#include "engine/robustness_check.h"

namespace synthscope {

using JobId = std::uint64_t;

// Events from the engine's worker thread. They are called ON THAT THREAD: a GUI forwards them to its
// own thread (queued signals); a CLI may print directly. Keep handlers short.
class EngineListener {
public:
    virtual ~EngineListener() = default;
    virtual void onModelLoaded(const ModelManifest& manifest, const std::string& device) { (void)manifest; (void)device; }
    virtual void onModelFailed(const std::string& message) { (void)message; }
    virtual void onJobStarted(JobId id, const std::string& path) { (void)id; (void)path; }
    virtual void onJobImageLoaded(JobId id, const std::shared_ptr<const LoadedImage>& image) { (void)id; (void)image; }
    virtual void onJobProgress(JobId id, int patchesDone, int patchesTotal) { (void)id; (void)patchesDone; (void)patchesTotal; }
    virtual void onJobVerdict(JobId id, const AnalysisResult& partial) { (void)id; (void)partial; }
    virtual void onJobPatches(JobId id, const AnalysisResult& partial) { (void)id; (void)partial; }
    virtual void onJobFinished(JobId id, const AnalysisResult& result) { (void)id; (void)result; }
    virtual void onJobFailed(JobId id, const std::string& path, ErrorKind kind, const std::string& message) {
        (void)id; (void)path; (void)kind; (void)message;
    }
    virtual void onJobCancelled(JobId id, const std::string& path) { (void)id; (void)path; }
    // For an analysis queued with robustness copies: the robustness check of its result, right after its
    // onJobFinished, so that every such analysis that finishes gets exactly one call (a result read from
    // a case by openStored is not checked again: it carries its stored check, if any). report.error says
    // why when the check was cancelled or failed. The listener attaches it to the result it keeps
    // (AnalysisResult::robustness); the engine keeps nothing.
    virtual void onJobRobustness(JobId id, const RobustnessReport& report) { (void)id; (void)report; }
    // An addToCase job is done: error is empty when the result was stored, and counts are then the case's.
    virtual void onAddedToCase(JobId id, const std::string& caseFile, const std::string& error, const CaseCounts& counts) {
        (void)id; (void)caseFile; (void)error; (void)counts;
    }
};

// The background engine: one worker thread, a FIFO queue of jobs (model loads and analyses), progress
// and incremental results through an EngineListener, and cancellation that takes effect before the
// next batch of patches. Destroying it cancels what is queued or running and joins the thread; results
// queued to be added to a case (addToCase) are still written first, and cancelAll() leaves them queued.
class AnalysisEngine {
public:
    // Background: the worker runs below the creating process's main thread in the OS scheduler
    // (thread_priority.h), as a GUI wants; Normal: as the caller (CLI, tests).
    enum class WorkerPriority { Normal, Background };
    // The listener must outlive the engine.
    explicit AnalysisEngine(EngineListener* listener, WorkerPriority priority = WorkerPriority::Normal);
    ~AnalysisEngine();
    AnalysisEngine(const AnalysisEngine&) = delete;
    AnalysisEngine& operator=(const AnalysisEngine&) = delete;

    // Queued like any job, so the caller never waits for a model to load.
    JobId loadModel(const ModelManifest& manifest, const DetectorOptions& options);
    // Uses an already opened detector (the CLI opens it up front to report errors before any work).
    void setDetector(std::shared_ptr<Detector> detector);
    // The degraded copies every analysis queued from now on is checked against after it finishes (the
    // robustness check, verdict only, on the worker: the detector is never used by two threads); empty,
    // the default, for no check.
    void setRobustnessCopies(std::vector<Degradation> copies);

    // With a region, that region of the file only (ImageAnalyzer::analyzeRegion).
    JobId analyzeFile(const std::string& path, const AnalysisSettings& settings,
                      const std::optional<ImageRegion>& region = std::nullopt);
    JobId analyzeImage(std::shared_ptr<const LoadedImage> image, const AnalysisSettings& settings);
    // A case's stored result for path (File > Open Case): the image is loaded (for display and the
    // forensic signals) and, when its bytes are still those the case analysed (same sha256), the result
    // stored under key is delivered as the job's result: no detector runs, and it is what the case and
    // its report say. When the file has changed or the case holds no such result, the image is analysed
    // again with the current detector and the result carries a warning saying so.
    // With a region (a region's entry of the case), the image shown is that region of the file, and it is
    // what is analysed again when the stored result cannot be used.
    JobId openStored(const std::string& path, const std::string& caseFile, const CacheKey& key, const AnalysisSettings& settings,
                     const std::optional<ImageRegion>& region = std::nullopt);
    // Stores a finished result (the workstation's File > Add to Case) in caseFile, created when missing,
    // under caseKeyOf(current detector, settings, result): its whole file or its region. The file is
    // hashed again first: a file changed since, or an image that is no file (a teaching copy), is refused.
    // Queued like any job, so the detector is never read by two threads; onAddedToCase reports.
    JobId addToCase(const std::string& caseFile, std::shared_ptr<const AnalysisResult> result, const AnalysisSettings& settings);

    void cancel(JobId id);  // a queued job is dropped, a running one stops before its next batch
    void cancelAll();
    void waitUntilIdle();   // blocks until the queue is empty and nothing runs (CLI, tests)
    std::size_t queuedJobs() const;

private:
    struct Job;
    void run();
    void execute(const Job& job);
    LoadOptions cancellableLoad(const Job& job) const;
    // The detector's analysis of job.path (or of image, when given); warning is added to the result.
    void analyse(const Job& job, std::shared_ptr<const LoadedImage> image, const std::string& warning);
    void storeInCase(const Job& job);
    void checkRobustness(const Job& job, const std::shared_ptr<const LoadedImage>& image, const AnalysisResult& result,
                         const std::shared_ptr<Detector>& detector);
    JobId enqueue(Job job);

    EngineListener* listener_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<Job> queue_;
    JobId nextId_ = 1;
    JobId running_ = 0;
    std::atomic<bool> cancelRunning_{false};
    bool stopping_ = false;
    std::shared_ptr<Detector> detector_;  // touched only by the worker, or under mutex_ via setDetector
    std::vector<Degradation> robustnessCopies_;  // under mutex_; copied into each job as it is queued
    std::thread worker_;
};

}  // namespace synthscope
