#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "engine/analysis_result.h"
#include "engine/detector.h"
#include "engine/fingerprint_match.h"
#include "engine/image_loader.h"

namespace synthscope {

constexpr int kDefaultRegionControls = 4;
constexpr int kMaxRegionControls = 16;

// Settings of one analysis; zero means "what the model's manifest says".
struct AnalysisSettings {
    int stride = 0;
    int topK = 0;
    bool fullHeatmap = true;  // false: classify only the top-k patches (verdict only, fastest)
    // false: no combined attribution (and so no look model): for copies whose verdict alone is read
    // (the robustness check).
    bool attribution = true;
    // For a region: how many parts of its size elsewhere in the picture are analysed with it, verdict only,
    // as controls (region_controls.h); 0 for none. Unused for a whole image.
    int regionControls = kDefaultRegionControls;
    LoadOptions load;
};

// The settings for an image whose verdict alone is read (the robustness check's copies, a region's control
// parts): no full heatmap, no combined attribution, no control parts of its own; stride and top-k kept.
AnalysisSettings verdictOnly(AnalysisSettings settings);

// Receives a result as it grows. Called on the thread that runs the analysis.
class AnalysisObserver {
public:
    virtual ~AnalysisObserver() = default;
    // The decoded image, as soon as it is loaded (a viewer shows it while the analysis runs).
    virtual void onImageLoaded(const std::shared_ptr<const LoadedImage>& image) { (void)image; }
    virtual void onProgress(int patchesDone, int patchesTotal) { (void)patchesDone; (void)patchesTotal; }
    // The verdict from the top-k patches, before the rest of the heatmap.
    virtual void onVerdict(const AnalysisResult& partial) { (void)partial; }
    // More patches classified (after each batch).
    virtual void onPatches(const AnalysisResult& partial) { (void)partial; }
};

// One image, start to finish: load, patch grid, GLCM contrast, top-k verdict, then the other patches
// batch by batch for the heatmap. Checks `cancel` before every batch and throws EngineError(Cancelled).
class ImageAnalyzer {
public:
    ImageAnalyzer(std::shared_ptr<Detector> detector, AnalysisSettings settings);

    AnalysisResult analyze(const std::string& path, AnalysisObserver* observer = nullptr,
                           const std::atomic<bool>* cancel = nullptr) const;
    // One region of the file (image_region.h): loaded, cropped, analysed like a whole image. The result's
    // image.region says which; it has no record notes (the record is the whole file's).
    AnalysisResult analyzeRegion(const std::string& path, const ImageRegion& region, AnalysisObserver* observer = nullptr,
                                 const std::atomic<bool>* cancel = nullptr) const;
    // For images already in memory (the GUI's re-encoded copies, tests).
    AnalysisResult analyze(const LoadedImage& image, AnalysisObserver* observer = nullptr,
                           const std::atomic<bool>* cancel = nullptr) const;

    const Detector& detector() const { return *detector_; }
    const AnalysisSettings& settings() const { return settings_; }

private:
    void classifyBatch(const cv::Mat& rgb, AnalysisResult& result, const std::vector<std::size_t>& indices) const;
    // fingerprintTerms: the calibration's fingerprint terms for this image (fingerprintTermsFrom).
    Verdict makeVerdict(const AnalysisResult& result, const std::vector<Verdict::FingerprintTermValue>& fingerprintTerms) const;
    // The image's correlation with the fingerprints of the calibration's library, when the model uses them
    // (fingerprint terms in its verdict, or attribution.fingerprint_weight); nullopt when it does not.
    // Throws EngineError(BadInput) for an image too small to correlate.
    std::optional<FingerprintAttribution> fingerprintEvidenceFor(const cv::Mat& rgb) const;
    // The calibration's fingerprint terms from that evidence. Throws EngineError(Model) when the library
    // lacks a fingerprint a term names.
    std::vector<Verdict::FingerprintTermValue> fingerprintTermsFrom(const FingerprintAttribution& fp) const;
    // The look model's log-probabilities for the whole image, its weight and its file's sha256 into
    // `result`, when the model has one. Throws EngineError(Model) when it cannot be loaded.
    void addLook(const cv::Mat& rgb, AnalysisResult& result) const;
    Provenance makeProvenance(int topK) const;
    // A file, or one region of it: loaded (and cropped), analysed, and for a whole file its record read.
    AnalysisResult analyzeFile(const std::string& path, const std::optional<ImageRegion>& region, AnalysisObserver* observer,
                               const std::atomic<bool>* cancel) const;

    std::shared_ptr<Detector> detector_;
    AnalysisSettings settings_;
};

}  // namespace synthscope
