#include "engine/analysis_engine.h"

#include <algorithm>

#include "engine/batch_analysis.h"
#include "engine/sha256.h"
#include "engine/thread_priority.h"

namespace synthscope {

struct AnalysisEngine::Job {
    enum class Kind { LoadModel, AnalyzeFile, AnalyzeImage, OpenStored, AddToCase } kind = Kind::AnalyzeFile;
    JobId id = 0;
    std::string path;
    std::shared_ptr<const LoadedImage> image;
    AnalysisSettings settings;
    ModelManifest manifest;
    DetectorOptions options;
    std::string caseFile;  // OpenStored, AddToCase
    CacheKey key;          // OpenStored
    std::shared_ptr<const AnalysisResult> result;  // AddToCase
    std::optional<ImageRegion> region;  // AnalyzeFile, OpenStored: that region of the file only
    std::vector<Degradation> robustnessCopies;  // the robustness check after the analysis (none when empty)
};

namespace {

// Forwards one analysis's progress to the listener, tagged with its job id.
class JobObserver : public AnalysisObserver {
public:
    JobObserver(EngineListener* l, JobId id) : listener_(l), id_(id) {}
    void onImageLoaded(const std::shared_ptr<const LoadedImage>& image) override {
        image_ = image;  // kept for the robustness check
        listener_->onJobImageLoaded(id_, image);
    }
    const std::shared_ptr<const LoadedImage>& image() const { return image_; }
    void onProgress(int done, int total) override { listener_->onJobProgress(id_, done, total); }
    void onVerdict(const AnalysisResult& r) override { listener_->onJobVerdict(id_, r); }
    void onPatches(const AnalysisResult& r) override { listener_->onJobPatches(id_, r); }

private:
    EngineListener* listener_;
    JobId id_;
    std::shared_ptr<const LoadedImage> image_;
};

}  // namespace

AnalysisEngine::AnalysisEngine(EngineListener* listener, WorkerPriority priority) : listener_(listener) {
    static EngineListener silent;
    if (!listener_) listener_ = &silent;
    worker_ = std::thread([this, priority] {
        // Before any work, so that the threads the analysis starts from here (LibTorch's OpenMP workers) inherit it.
        if (priority == WorkerPriority::Background) lowerCurrentThreadPriority();
        run();
    });
}

AnalysisEngine::~AnalysisEngine() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        // What was asked to go into a case is still written (milliseconds each); everything else is dropped.
        queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [](const Job& j) { return j.kind != Job::Kind::AddToCase; }),
                     queue_.end());
        cancelRunning_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

JobId AnalysisEngine::enqueue(Job job) {
    std::lock_guard<std::mutex> lock(mutex_);
    job.id = nextId_++;
    if (job.kind != Job::Kind::LoadModel) job.robustnessCopies = robustnessCopies_;
    const JobId id = job.id;
    queue_.push_back(std::move(job));
    wake_.notify_one();
    return id;
}

JobId AnalysisEngine::loadModel(const ModelManifest& manifest, const DetectorOptions& options) {
    Job job;
    job.kind = Job::Kind::LoadModel;
    job.manifest = manifest;
    job.options = options;
    job.path = manifest.manifestPath;
    return enqueue(std::move(job));
}

void AnalysisEngine::setDetector(std::shared_ptr<Detector> detector) {
    std::lock_guard<std::mutex> lock(mutex_);
    detector_ = std::move(detector);
}

void AnalysisEngine::setRobustnessCopies(std::vector<Degradation> copies) {
    std::lock_guard<std::mutex> lock(mutex_);
    robustnessCopies_ = std::move(copies);
}

JobId AnalysisEngine::analyzeFile(const std::string& path, const AnalysisSettings& settings,
                                  const std::optional<ImageRegion>& region) {
    Job job;
    job.kind = Job::Kind::AnalyzeFile;
    job.path = path;
    job.settings = settings;
    job.region = region;
    return enqueue(std::move(job));
}

JobId AnalysisEngine::analyzeImage(std::shared_ptr<const LoadedImage> image, const AnalysisSettings& settings) {
    Job job;
    job.kind = Job::Kind::AnalyzeImage;
    job.path = image ? image->path : std::string();
    job.image = std::move(image);
    job.settings = settings;
    return enqueue(std::move(job));
}

JobId AnalysisEngine::openStored(const std::string& path, const std::string& caseFile, const CacheKey& key,
                                 const AnalysisSettings& settings, const std::optional<ImageRegion>& region) {
    Job job;
    job.kind = Job::Kind::OpenStored;
    job.path = path;
    job.caseFile = caseFile;
    job.key = key;
    job.settings = settings;
    job.region = region;
    return enqueue(std::move(job));
}

JobId AnalysisEngine::addToCase(const std::string& caseFile, std::shared_ptr<const AnalysisResult> result,
                                const AnalysisSettings& settings) {
    Job job;
    job.kind = Job::Kind::AddToCase;
    job.path = result ? result->image.path : std::string();
    job.caseFile = caseFile;
    job.result = std::move(result);
    job.settings = settings;
    return enqueue(std::move(job));
}

void AnalysisEngine::cancel(JobId id) {
    std::string droppedPath;
    bool dropped = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (running_ == id) cancelRunning_ = true;
        for (auto it = queue_.begin(); it != queue_.end(); ++it) {
            if (it->id == id) {
                droppedPath = it->path;
                queue_.erase(it);
                dropped = true;
                break;
            }
        }
        if (queue_.empty() && running_ == 0) idle_.notify_all();
    }
    if (dropped) listener_->onJobCancelled(id, droppedPath);
}

void AnalysisEngine::cancelAll() {
    std::deque<Job> dropped;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        // Analyses are dropped; results on their way into a case are not (a user who adds, then quits).
        std::deque<Job> kept;
        for (Job& j : queue_) (j.kind == Job::Kind::AddToCase ? kept : dropped).push_back(std::move(j));
        queue_.swap(kept);
        if (running_ != 0) cancelRunning_ = true;
        if (running_ == 0) idle_.notify_all();
    }
    for (const Job& job : dropped) listener_->onJobCancelled(job.id, job.path);
}

void AnalysisEngine::waitUntilIdle() {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

std::size_t AnalysisEngine::queuedJobs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size() + (running_ != 0 ? 1 : 0);
}

void AnalysisEngine::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and no case write left
            job = std::move(queue_.front());
            queue_.pop_front();
            running_ = job.id;
            cancelRunning_ = false;
        }
        execute(job);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            running_ = 0;
            if (queue_.empty()) idle_.notify_all();
        }
    }
}

void AnalysisEngine::execute(const Job& job) {
    if (job.kind == Job::Kind::LoadModel) {
        try {
            std::shared_ptr<Detector> detector = Detector::open(job.manifest, job.options);
            const std::string device = detector->deviceName();
            setDetector(std::move(detector));
            listener_->onModelLoaded(job.manifest, device);
        } catch (const std::exception& e) {
            listener_->onModelFailed(e.what());
        }
        return;
    }
    if (job.kind == Job::Kind::AddToCase) {
        storeInCase(job);
        return;
    }

    listener_->onJobStarted(job.id, job.path);
    if (job.kind != Job::Kind::OpenStored) {
        analyse(job, job.image, {});
        return;
    }
    std::shared_ptr<const LoadedImage> image;
    std::string why;
    try {
        LoadedImage loaded = loadImage(job.path, cancellableLoad(job));
        image = std::make_shared<const LoadedImage>(job.region ? cropToRegion(std::move(loaded), *job.region) : std::move(loaded));
        if (image->sha256 != job.key.imageSha256) {
            why = "the file has changed since the case " + job.caseFile + " analysed it: analysed again with the current model";
        } else if (std::optional<AnalysisResult> stored = CaseStore::open(job.caseFile, /*create=*/false)->result(job.key)) {
            stored->provenance.storedIn = job.caseFile;
            listener_->onJobImageLoaded(job.id, image);
            listener_->onJobFinished(job.id, *stored);
            return;
        } else {
            why = "the case " + job.caseFile + " holds no result for this file: analysed again with the current model";
        }
    } catch (const EngineError& e) {
        if (e.kind() == ErrorKind::Cancelled) {  // cancelled while a large HEIF was being decoded
            listener_->onJobCancelled(job.id, job.path);
            return;
        }
        if (!image) {  // the file itself cannot be read: nothing to show or analyse
            listener_->onJobFailed(job.id, job.path, e.kind(), e.what());
            return;
        }
        why = std::string("the case's result could not be read (") + e.what() + "): analysed again with the current model";
    } catch (const std::bad_alloc&) {
        listener_->onJobFailed(job.id, job.path, ErrorKind::BadInput, job.path + ": not enough memory to load this image");
        return;
    }
    analyse(job, image, why);
}

void AnalysisEngine::storeInCase(const Job& job) {
    std::string error;
    CaseCounts counts;
    try {
        std::shared_ptr<Detector> detector;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            detector = detector_;
        }
        if (!job.result) throw badInput("no result to add to the case");
        if (!detector) throw EngineError(ErrorKind::Model, "no detector model is loaded");
        const AnalysisResult& r = *job.result;
        const CacheKey key = caseKeyOf(*detector, job.settings, r);
        // The case names the file by its bytes: they must still be the ones analysed.
        if (sha256OfFile(r.image.path) != r.image.sha256)
            throw badInput(r.image.path + " has changed since it was analysed: analyse it again first");
        const std::unique_ptr<CaseStore> store = CaseStore::open(job.caseFile);
        store->addResult(key, r);
        counts = store->counts();
    } catch (const std::exception& e) {
        error = e.what();
    }
    listener_->onAddedToCase(job.id, job.caseFile, error, counts);
}

// The job's load options, stopped by cancel(): a large HEIF decodes for seconds in the decoder process.
LoadOptions AnalysisEngine::cancellableLoad(const Job& job) const {
    LoadOptions load = job.settings.load;
    load.cancel = &cancelRunning_;
    return load;
}

void AnalysisEngine::analyse(const Job& job, std::shared_ptr<const LoadedImage> image, const std::string& warning) {
    std::shared_ptr<Detector> detector;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        detector = detector_;
    }
    if (!detector) {
        // Still show the picture: a viewer is useful before any model is installed.
        try {
            if (!image && job.kind != Job::Kind::AnalyzeImage) {
                LoadedImage loaded = loadImage(job.path, cancellableLoad(job));
                image = std::make_shared<const LoadedImage>(job.region ? cropToRegion(std::move(loaded), *job.region) : std::move(loaded));
            }
            if (image) listener_->onJobImageLoaded(job.id, image);
        } catch (const std::exception&) {
        }
        listener_->onJobFailed(job.id, job.path, ErrorKind::Model, "no detector model is loaded");
        return;
    }
    if (job.kind == Job::Kind::AnalyzeImage && !image) {
        listener_->onJobFailed(job.id, job.path, ErrorKind::BadInput, "no image given");
        return;
    }
    try {
        const ImageAnalyzer analyzer(detector, job.settings);
        JobObserver observer(listener_, job.id);
        if (image) observer.onImageLoaded(image);
        AnalysisResult result = image        ? analyzer.analyze(*image, &observer, &cancelRunning_)
                                : job.region ? analyzer.analyzeRegion(job.path, *job.region, &observer, &cancelRunning_)
                                             : analyzer.analyze(job.path, &observer, &cancelRunning_);
        if (!warning.empty()) result.warnings.push_back(warning);
        listener_->onJobFinished(job.id, result);
        if (!job.robustnessCopies.empty()) checkRobustness(job, observer.image(), result, detector);
    } catch (const EngineError& e) {
        if (e.kind() == ErrorKind::Cancelled) listener_->onJobCancelled(job.id, job.path);
        else listener_->onJobFailed(job.id, job.path, e.kind(), e.what());
    } catch (const std::bad_alloc&) {
        listener_->onJobFailed(job.id, job.path, ErrorKind::BadInput, job.path + ": not enough memory to analyse this image");
    } catch (const std::exception& e) {
        listener_->onJobFailed(job.id, job.path, ErrorKind::Internal, std::string("internal error: ") + e.what());
    }
}

// Its own error handling: the job has already finished, so a check that fails or is cancelled is reported
// through onJobRobustness, never as the job's failure.
void AnalysisEngine::checkRobustness(const Job& job, const std::shared_ptr<const LoadedImage>& image,
                                     const AnalysisResult& result, const std::shared_ptr<Detector>& detector) {
    const RobustnessCheck check(detector, job.settings, job.robustnessCopies);
    RobustnessReport report;
    try {
        report = image ? check.checkOrReport(*image, result.verdict, &cancelRunning_)
                       : check.notDone(result.verdict, "internal error: the decoded image was not kept");
    } catch (const EngineError&) {  // only a cancellation comes out of checkOrReport
        report = check.notDone(result.verdict, "the robustness check was cancelled");
    }
    listener_->onJobRobustness(job.id, report);
}

}  // namespace synthscope
