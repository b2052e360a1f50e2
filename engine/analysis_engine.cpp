#include "engine/analysis_engine.h"

namespace synthscope {

struct AnalysisEngine::Job {
    enum class Kind { LoadModel, AnalyzeFile, AnalyzeImage } kind = Kind::AnalyzeFile;
    JobId id = 0;
    std::string path;
    std::shared_ptr<const LoadedImage> image;
    AnalysisSettings settings;
    ModelManifest manifest;
    DetectorOptions options;
};

namespace {

// Forwards one analysis's progress to the listener, tagged with its job id.
class JobObserver : public AnalysisObserver {
public:
    JobObserver(EngineListener* l, JobId id) : listener_(l), id_(id) {}
    void onImageLoaded(const std::shared_ptr<const LoadedImage>& image) override { listener_->onJobImageLoaded(id_, image); }
    void onProgress(int done, int total) override { listener_->onJobProgress(id_, done, total); }
    void onVerdict(const AnalysisResult& r) override { listener_->onJobVerdict(id_, r); }
    void onPatches(const AnalysisResult& r) override { listener_->onJobPatches(id_, r); }

private:
    EngineListener* listener_;
    JobId id_;
};

}  // namespace

AnalysisEngine::AnalysisEngine(EngineListener* listener) : listener_(listener) {
    static EngineListener silent;
    if (!listener_) listener_ = &silent;
    worker_ = std::thread([this] { run(); });
}

AnalysisEngine::~AnalysisEngine() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        queue_.clear();
        cancelRunning_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

JobId AnalysisEngine::enqueue(Job job) {
    std::lock_guard<std::mutex> lock(mutex_);
    job.id = nextId_++;
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

JobId AnalysisEngine::analyzeFile(const std::string& path, const AnalysisSettings& settings) {
    Job job;
    job.kind = Job::Kind::AnalyzeFile;
    job.path = path;
    job.settings = settings;
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
        dropped.swap(queue_);
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
            if (stopping_) return;
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

    std::shared_ptr<Detector> detector;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        detector = detector_;
    }
    listener_->onJobStarted(job.id, job.path);
    if (!detector) {
        // Still show the picture: a viewer is useful before any model is installed.
        try {
            if (job.kind == Job::Kind::AnalyzeFile)
                listener_->onJobImageLoaded(job.id, std::make_shared<const LoadedImage>(loadImage(job.path)));
        } catch (const std::exception&) {
        }
        listener_->onJobFailed(job.id, job.path, ErrorKind::Model, "no detector model is loaded");
        return;
    }
    if (job.kind == Job::Kind::AnalyzeImage && !job.image) {
        listener_->onJobFailed(job.id, job.path, ErrorKind::BadInput, "no image given");
        return;
    }
    try {
        const ImageAnalyzer analyzer(detector, job.settings);
        JobObserver observer(listener_, job.id);
        if (job.kind == Job::Kind::AnalyzeImage) observer.onImageLoaded(job.image);
        AnalysisResult result = job.kind == Job::Kind::AnalyzeFile
                                    ? analyzer.analyze(job.path, &observer, &cancelRunning_)
                                    : analyzer.analyze(*job.image, &observer, &cancelRunning_);
        listener_->onJobFinished(job.id, result);
    } catch (const EngineError& e) {
        if (e.kind() == ErrorKind::Cancelled) listener_->onJobCancelled(job.id, job.path);
        else listener_->onJobFailed(job.id, job.path, e.kind(), e.what());
    } catch (const std::bad_alloc&) {
        listener_->onJobFailed(job.id, job.path, ErrorKind::BadInput, job.path + ": not enough memory to analyse this image");
    } catch (const std::exception& e) {
        listener_->onJobFailed(job.id, job.path, ErrorKind::Internal, std::string("internal error: ") + e.what());
    }
}

}  // namespace synthscope
