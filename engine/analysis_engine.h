#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/analysis_result.h"
#include "engine/detector.h"
#include "engine/errors.h"
#include "engine/image_analyzer.h"

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
};

// The background engine: one worker thread, a FIFO queue of jobs (model loads and analyses), progress
// and incremental results through an EngineListener, and cancellation that takes effect before the
// next batch of patches. Destroying it cancels what is queued or running and joins the thread.
class AnalysisEngine {
public:
    explicit AnalysisEngine(EngineListener* listener);  // the listener must outlive the engine
    ~AnalysisEngine();
    AnalysisEngine(const AnalysisEngine&) = delete;
    AnalysisEngine& operator=(const AnalysisEngine&) = delete;

    // Queued like any job, so the caller never waits for a model to load.
    JobId loadModel(const ModelManifest& manifest, const DetectorOptions& options);
    // Uses an already opened detector (the CLI opens it up front to report errors before any work).
    void setDetector(std::shared_ptr<Detector> detector);

    JobId analyzeFile(const std::string& path, const AnalysisSettings& settings);
    JobId analyzeImage(std::shared_ptr<const LoadedImage> image, const AnalysisSettings& settings);

    void cancel(JobId id);  // a queued job is dropped, a running one stops before its next batch
    void cancelAll();
    void waitUntilIdle();   // blocks until the queue is empty and nothing runs (CLI, tests)
    std::size_t queuedJobs() const;

private:
    struct Job;
    void run();
    void execute(const Job& job);
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
    std::thread worker_;
};

}  // namespace synthscope
