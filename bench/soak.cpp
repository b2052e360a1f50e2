// Soak (issue 7): thousands of analyses in one process, with a cancellation every few jobs, and the
// resident memory at the start (after a warm-up) and at the end. A leak of even a few kilobytes per
// analysis shows as drift over thousands of them.
// Usage: synthscope_soak IMAGE [COUNT=2000] [MODEL] (the default model when MODEL is not given).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

#include "engine/analysis_engine.h"
#include "engine/model_registry.h"

using namespace synthscope;

namespace {

long residentKb(const char* field) {  // VmRSS (now) or VmHWM (peak) from /proc/self/status
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size() + 1);
    return -1;
}

struct Counter : EngineListener {
    std::mutex mutex;
    std::condition_variable changed;
    int finished = 0, cancelledJobs = 0, failed = 0;
    std::string lastError;
    void count(int& n) {
        std::lock_guard<std::mutex> lock(mutex);
        ++n;
        changed.notify_all();
    }
    void onJobFinished(JobId, const AnalysisResult&) override { count(finished); }
    void onJobCancelled(JobId, const std::string&) override { count(cancelledJobs); }
    void onJobFailed(JobId, const std::string&, ErrorKind, const std::string& message) override {
        lastError = message;
        count(failed);
    }
    int ended() {
        std::lock_guard<std::mutex> lock(mutex);
        return finished + cancelledJobs + failed;
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s IMAGE [COUNT=2000] [MODEL]\n", argv[0]);
        return 2;
    }
    const std::string image = argv[1];
    const int count = argc > 2 ? std::atoi(argv[2]) : 2000;
    const int warmup = std::min(100, count / 10);
    try {
        const ModelManifest manifest = resolveModel(argc > 3 ? argv[3] : "", scanModels(modelSearchPaths()));
        DetectorOptions options;
        options.device = "cpu";
        Counter counter;
        AnalysisEngine engine(&counter);
        engine.setDetector(Detector::open(manifest, options));
        long startKb = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < count; ++i) {
            const JobId id = engine.analyzeFile(image, {});
            // Every 7th job is cancelled while it runs (or before it starts): the cancel path must not leak either.
            if (i % 7 == 3) engine.cancel(id);
            engine.waitUntilIdle();
            if (i + 1 == warmup) startKb = residentKb("VmRSS");
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const long endKb = residentKb("VmRSS");
        std::printf("soak: %d analyses of %s with %s in %.1f s (%d finished, %d cancelled, %d failed)\n", count, image.c_str(),
                    manifest.name.c_str(), seconds, counter.finished, counter.cancelledJobs, counter.failed);
        std::printf("resident memory after %d: %.1f MB; after %d: %.1f MB; drift %+.1f MB (%+.2f kB per analysis); peak %.1f MB\n",
                    warmup, startKb / 1024.0, count, endKb / 1024.0, (endKb - startKb) / 1024.0,
                    double(endKb - startKb) / std::max(1, count - warmup), residentKb("VmHWM") / 1024.0);
        if (counter.failed) std::fprintf(stderr, "last failure: %s\n", counter.lastError.c_str());
        return counter.failed || counter.ended() != count ? 1 : 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "soak: %s\n", e.what());
        return 1;
    }
}
