#pragma once
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "engine/case_store.h"
#include "engine/errors.h"
#include "engine/image_analyzer.h"
#include "engine/robustness_check.h"

namespace synthscope {

// The settings that change a result, as canonical text (part of the cache key): patch size, stride and
// top-k as resolved against the model's manifest, full heatmap or not, precision, the inconclusive band,
// the small-image policy, the input normalisation and the verdict's calibration (with its fingerprint
// terms). Device, threads and batch size are left out: they
// change how fast a result comes, not what it is (CPU and CUDA agree to float rounding). The robustness
// check's copies are part of it when there are any (a checked result carries the check's answer), and so
// is the region when one part of the picture was analysed alone ("region": [x, y, width, height], in the
// whole picture's pixels): a region's result is stored beside the whole file's, never in its place. With it
// the number of its control parts ("controls", region_controls.h) when there are any.
std::string cacheSettingsKey(const Detector& detector, const AnalysisSettings& settings,
                             const std::vector<Degradation>& robustnessCopies = {},
                             const std::optional<ImageRegion>& region = std::nullopt);

// The key under which a finished result belongs in a case, when detector and settings made it (the
// workstation's File > Add to Case stores the result it shows instead of analysing again). Checks that
// they did: the same model file, name and version, and the stride, top-k, heatmap and precision the
// result records.
// Throws EngineError(BadInput) saying what differs otherwise: stored under this key, the result would
// be served later as what these settings give, which it is not. The file itself is not read here.
CacheKey caseKeyOf(const Detector& detector, const AnalysisSettings& settings, const AnalysisResult& result);

// Receives a batch's events, on the thread that runs it.
class BatchObserver {
public:
    virtual ~BatchObserver() = default;
    // Before any analysis: how many files are already in the cache and how many are left to analyse.
    virtual void onPlanned(int cached, int toAnalyse) { (void)cached; (void)toAnalyse; }
    virtual void onStarted(const std::string& path) { (void)path; }
    virtual void onPatchProgress(int patchesDone, int patchesTotal) { (void)patchesDone; (void)patchesTotal; }
    // Called after the result is committed to the case: it is safe from a crash from here on.
    virtual void onAnalysed(const AnalysisResult& result) { (void)result; }
    virtual void onFailed(const std::string& path, ErrorKind kind, const std::string& message) {
        (void)path; (void)kind; (void)message;
    }
};

struct BatchSummary {
    int files = 0;
    int cached = 0;    // found in the case, not analysed again
    int analysed = 0;  // analysed and committed by this run
    int failed = 0;
    bool cancelled = false;
    double seconds = 0;
};

// Analyses files into a case, one at a time: each file is hashed (SHA-256 of its bytes) and looked up
// first; a file whose result is cached is only recorded under its path. Each new result is committed
// as soon as it is finished and then dropped, so memory stays flat however many files there are.
// Stops before the next file (or the next batch of patches) when *cancel turns true.
// With a robustness check, each new result is checked before it is committed and carries the answer
// (AnalysisResult::robustness); a check cancelled half-way stores nothing for that file.
// With a region, that rectangle of each file is analysed alone (ImageAnalyzer::analyzeRegion) and stored
// under its own key: meant for one file (`synthscope batch --region`), as a region is a part of one picture.
class BatchAnalysis {
public:
    BatchAnalysis(CaseStore& store, const ImageAnalyzer& analyzer, const RobustnessCheck* robustness = nullptr,
                  std::optional<ImageRegion> region = std::nullopt);
    BatchSummary run(const std::vector<std::string>& files, BatchObserver* observer = nullptr,
                     const std::atomic<bool>* cancel = nullptr);
    const std::string& settingsKey() const { return settingsKey_; }

private:
    CaseStore& store_;
    const ImageAnalyzer& analyzer_;
    const RobustnessCheck* robustness_;
    std::optional<ImageRegion> region_;
    std::string settingsKey_;
};

}  // namespace synthscope
