#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/analysis_result.h"
#include "engine/attribution_fusion.h"
#include "engine/ela.h"
#include "engine/fingerprint.h"
#include "engine/fingerprint_match.h"
#include "engine/heatmap.h"
#include "engine/image_loader.h"
#include "engine/jpeg_analysis.h"
#include "engine/metadata.h"
#include "engine/spectrum.h"

namespace synthscope {

// One line of a report's "what was and was not checked": a report lists every check, and says plainly
// when one did not run or failed, so that it never claims more than was done.
struct CheckRecord {
    enum class Status { Done, NotApplicable, NotRun, Failed };
    std::string name;
    Status status = Status::NotRun;
    std::string detail;  // what it found, or why it did not run
};
const char* checkStatusName(CheckRecord::Status status);  // "done", "not applicable", "not run", "failed"

struct EvidenceOptions {
    // Generator fingerprints to correlate the image with; null: the fingerprint check is reported as not run.
    std::shared_ptr<const FingerprintLibrary> fingerprints;
    std::string fingerprintLibraryWhyNone;  // when fingerprints is null: why (shown in the report)
    LoadOptions load;
    int displaySide = 900;  // longest side of the pictures kept for the report
    HeatmapColours heatmapColours = HeatmapColours::Turbo;  // of the heatmap overlay
};

// Everything a report says about one image beyond the detector's result: the file checked against the
// hash that was analysed, the pictures (image, heatmap overlay, spectrum, error levels), the fingerprint
// ranking, the JPEG history and the metadata, and the list of checks with their status. Computed from the file
// again at report time (nothing but the detector's result comes from a case).
struct ImageEvidence {
    AnalysisResult detection;       // the detector's result (from a case or analysed just now)
    std::string detectionSource;    // "case FILE (analysed at ...)" or "analysed for this report"
    std::string generatedAt;        // ISO 8601 UTC
    std::string fileSha256Now;      // of the file as read for this report; empty when it could not be read
    bool fileMatches = false;       // equal to detection.image.sha256
    std::string fileError;
    cv::Mat imageRgb, overlayRgb;   // CV_8UC3 RGB, at most displaySide; empty when the file could not be read
    HeatmapColours heatmapColours = HeatmapColours::Turbo;  // the overlay's, for its caption
    cv::Mat regionContextRgb;       // for a region's result: the whole picture with the region outlined, smaller
    std::optional<Spectrum> spectrum;
    cv::Mat spectrumRgb;
    int spectrumCrop = 0;
    std::optional<FingerprintAttribution> fingerprints;
    std::string fingerprintLibrary;
    // The detector's attribution and the fingerprints together, when the model asks for it (attribution_fusion.h).
    std::optional<CombinedAttribution> combinedAttribution;
    std::optional<JpegAnalysis> jpeg;
    std::optional<MetadataReport> metadata;
    cv::Mat thumbnailRgb;           // the EXIF thumbnail turned as the image is (thumbnail_check.h); empty when none
    std::optional<ElaResult> ela;   // its picture (ela->ela) scaled down to at most displaySide
    std::vector<CheckRecord> checks;
    std::vector<std::string> notChecked;  // what no part of SynthScope checks (always listed)
};

// Re-reads detection.image.path and runs the report's checks. Never throws for a bad or missing file: it
// becomes a failed check. Throws EngineError(Cancelled) when *cancel turns true between checks.
ImageEvidence gatherEvidence(const AnalysisResult& detection, const std::string& detectionSource,
                             const EvidenceOptions& options, const std::atomic<bool>* cancel = nullptr);

// What a detector can and cannot prove, in plain words (the same text in every report).
const char* detectorCaveat();

}  // namespace synthscope
