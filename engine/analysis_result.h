#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/image_format.h"
#include "engine/image_region.h"

namespace synthscope {

enum class VerdictLabel { Authentic, Inconclusive, Synthetic };
const char* verdictLabelName(VerdictLabel label);
std::string percentText(double p);  // 0.972 -> "97%", for sentences and reports

struct ClassScore {
    std::string name;
    double probability = 0;
};

struct PatchResult {
    cv::Rect rect;            // in image pixels (a padded image's patches may reach past its edge)
    double contrast = 0;      // GLCM contrast, the verdict's selection key
    bool inTopK = false;      // one of the patches that decide the verdict
    std::vector<float> probabilities;  // empty until classified
    double synthetic = 0;              // 1 - p(authentic), set with probabilities
    bool classified() const { return !probabilities.empty(); }
};

// Candidate name -> log-probability, as a look model gives them (look_model.h).
using LookScores = std::vector<std::pair<std::string, double>>;

// The detector's attribution combined with the generator fingerprints' evidence (attribution_fusion.h).
struct CombinedAttribution {
    // Generators (and unnamed classes, by class name), highest first; the probabilities sum to 1.
    std::vector<ClassScore> ranking;
    double weight = 0;
    double unnamedOffset = 0;  // added to the score of each unnamed class (attribution_fusion.h)
    double lookWeight = 0;     // of the look's log-probability; 0: the look did not take part
    double temperature = 1;    // the scores were divided by it before the softmax (1 in results stored before 2026-12-03)
    std::string detectorTop;  // the candidate the detector alone ranks first (by the same class mapping)
    std::vector<std::string> detectorOnly;     // generators without a fingerprint (ranked by the detector alone)
    std::vector<std::string> fingerprintOnly;  // fingerprints of generators the detector has no class for (left out)
    std::vector<std::string> unnamed;          // ranking entries that are classes standing for no named generator
    bool isUnnamed(const std::string& name) const;
    // The first entry of the ranking that names a generator (nullptr when none does).
    const ClassScore* firstNamed() const;
    // What was combined, for the user: "the detector and the generator fingerprints", and "the image's
    // look" when it took part.
    std::string sources() const;

    // What each source said of one candidate, so that the user can see why the first one won.
    struct Contribution {
        std::string name;
        double detector = 0;             // the detector's probability, renormalised over the candidates
        std::optional<double> evidence;  // the fingerprint's log-likelihood ratio fake / real; none: no fingerprint
        std::optional<double> look;      // the look's probability; none: the look took no part or has no answer
    };
    std::vector<Contribution> contributions;  // in the order of ranking (empty in results stored before 2026-12-02)
    // The first `rows` candidates as text, for the workstation's table and the evidence report's: candidate,
    // detector, fingerprint evidence, look (empty when it took no part), combined. A missing value is "-".
    // The detector's and the look's own first choices are added, in ranking order, when they rank lower.
    struct ContributionRow {
        std::string name, detector, evidence, look, combined;
    };
    std::vector<ContributionRow> contributionRows(std::size_t rows) const;
};

struct Verdict {
    bool ready = false;
    VerdictLabel label = VerdictLabel::Inconclusive;
    double syntheticProbability = 0;  // the model's calibration applied to the raw mean (= raw when it has none)
    double rawSyntheticProbability = 0; // mean of 1 - p(authentic) over the top-k patches
    bool calibrated = false;            // the manifest's verdict.calibration was applied
    double spread = 0;                // standard deviation of the raw value over the top-k patches
    int patchesUsed = 0;
    double bandLow = 0, bandHigh = 0; // the inconclusive band the label was decided with
    std::vector<ClassScore> classes;     // mean over top-k, highest first
    std::vector<ClassScore> attribution; // generator classes only, renormalised to sum 1, highest first
    // The calibration's fingerprint terms as applied (model_manifest.h: FingerprintTerm): empty when the
    // model has none, or when they could not be computed (then a warning says so).
    struct FingerprintTermValue {
        std::string generators;  // comma-separated
        double evidence = 0;     // log mean likelihood ratio fake / real over their fingerprints
        double weight = 0;
    };
    std::vector<FingerprintTermValue> fingerprintTerms;
    // "stylegan2 +3.10, 7 art generators -0.42": each term's evidence (log likelihood ratio), for the user.
    std::string describeFingerprintTerms() const;
    // The attribution combined with the fingerprints of the model's calibration library, when the model
    // reads one and asks for the combination (its attribution.fingerprint_weight); else empty.
    std::optional<CombinedAttribution> combinedAttribution;
};

// What produced a result, so that it can be traced and reproduced.
struct Provenance {
    std::string softwareVersion;
    std::string modelName, modelVersion, modelSha256;  // sha256 as stated in the manifest (checked at load)
    std::string device, precision;
    int threads = 0, batchSize = 0;
    int patchSize = 0, stride = 0, topK = 0;
    bool fullHeatmap = true;
    std::string smallImagePolicy;
    // The case file this result was read from (AnalysisEngine::openStored); empty when it was computed
    // by the run that delivers it.
    std::string storedIn;
};

struct ImageInfo {
    std::string path, sha256;
    std::int64_t fileSize = 0;
    std::string format;
    int width = 0, height = 0;      // as analysed (after EXIF orientation)
    int bitDepth = 0, channels = 0;
    bool hadAlpha = false;
    int exifOrientation = 1;
    bool padded = false;            // smaller than a patch: padded by reflection to one patch
    // Set when one region of the file was analysed (width and height are then the region's); sha256,
    // fileSize and format stay the file's.
    std::optional<ImageRegion> region;
};

// The robustness check (robustness_check.h): the verdict on degraded copies of the image.
struct RobustnessVariant {
    std::string name;  // Degradation::name(), e.g. "jpeg65"
    int width = 0, height = 0;
    VerdictLabel label = VerdictLabel::Inconclusive;
    double syntheticProbability = 0;
};

struct RobustnessReport {
    std::vector<std::string> copies;  // the copies asked for (Degradation::name()), in order
    VerdictLabel originalLabel = VerdictLabel::Inconclusive;
    double originalProbability = 0;
    std::vector<RobustnessVariant> variants;
    bool agree = true;  // every copy got the original's label
    VerdictLabel label = VerdictLabel::Inconclusive;  // the original's label when they agree, else inconclusive
    std::string explanation;  // one sentence for the user
    // Set when the check was asked for but not done (cancelled, a copy could not be made, out of memory);
    // then nothing above but `copies` and the original's label and probability is meaningful.
    std::string error;
    bool done() const { return error.empty(); }
};

// Parts of the same size as an analysed region, elsewhere in its picture, analysed as the region was
// (verdict only): a region's "Likely AI-generated" means more when the rest of the picture does not look
// generated too (region_controls.h; README, "Regions").
struct ControlPart {
    ImageRegion region;  // in the whole picture's pixels
    VerdictLabel label = VerdictLabel::Inconclusive;
    double syntheticProbability = 0;
};

struct RegionControls {
    int asked = 0;                 // how many parts were asked for
    std::vector<ControlPart> parts;  // those that fit beside the region and each other (maybe fewer, or none)
    // When no part of the region's size fits beside it, the parts above are smaller and these are the
    // region's own parts of that size (region_controls.h, ControlLayout); empty otherwise.
    std::vector<ControlPart> inside;
    std::string explanation;       // one sentence for the user
    // Set when the parts could not be analysed (not enough memory...); the region's verdict stands.
    std::string error;
    bool done() const { return error.empty(); }
    int flagged() const;        // parts beside the region called "Likely AI-generated"
    int insideFlagged() const;  // the region's own parts so called
    double highestBeside() const;  // the highest synthetic probability of the parts beside the region (0 for none)
    bool atSmallerSize() const { return !inside.empty(); }
    // Every part with its number as the reports show it: those beside the region from 1, then its own
    // (own = true).
    void forEachPart(const std::function<void(std::size_t number, const ControlPart& part, bool own)>& visit) const;
    int sizeDivisor() const;  // n when the region was cut into n x n parts, 1 otherwise
    // The region (its verdict given) stands out from the rest of the picture: it is flagged and
    // - compared at its own size, its synthetic probability is above every control's. Were it just another
    //   part of the picture, it would rank first among itself and its N controls 1 time in N+1; a control
    //   that is not flagged is always below a flagged region, so "no control flagged" is the common case.
    // - compared at a smaller size, no control is flagged and at least one of its own parts is, so that
    //   the difference lies in the region.
    bool standOut(const Verdict& region) const;
    // For a table's cell: "stands out (0 of 4 controls flagged)", "stands out (1 of 4 controls flagged, all
    // below it)", "2 of 4 controls flagged", "at 1/3 size: 2 of 9 own parts, 0 of 4 controls flagged", "no
    // room for a control" or "not done".
    std::string summary(const Verdict& region) const;
};

// A sentence about what the file's own record (metadata, EXIF thumbnail) says beside the verdict
// (record_beside_verdict.h).
struct RecordNote {
    bool againstVerdict = false;  // the record points the other way from the verdict
    std::string text;
};

struct Timings {
    double loadMs = 0, contrastMs = 0, verdictMs = 0, heatmapMs = 0;
    double recordMs = 0;  // reading the file's record (metadata, thumbnail) after the analysis
    double totalMs = 0;
    double controlsMs = 0;  // a region's control parts (region_controls.h), within totalMs
};

struct AnalysisResult {
    ImageInfo image;
    Provenance provenance;
    Verdict verdict;
    std::vector<std::string> classNames;  // the model's classes, in the order of PatchResult::probabilities
    // Per class (same order): the generator it stands for, "" for none (ModelManifest::classGenerators),
    // and the weight of the fingerprints' evidence and the unnamed classes' offset when attributions are
    // combined (attribution_fusion.h).
    std::vector<std::string> classGenerators;
    double fingerprintWeight = 0;
    double unnamedOffset = 0;
    double attributionTemperature = 1;  // the manifest's attribution.temperature
    // The look model's log-probability per candidate (look_model.h), in its answers' order, and its weight
    // in the combination; empty and 0 when the model has no look or it could not be computed.
    LookScores look;
    double lookWeight = 0;
    std::string lookSha256;  // of the look model's file
    int gridCols = 0, gridRows = 0;
    std::vector<PatchResult> patches;  // row-major grid
    bool heatmapComplete = false;      // every patch classified
    Timings timings;
    std::vector<std::string> warnings;
    // When the robustness check ran (or was asked for and failed); it never changes `verdict`.
    std::optional<RobustnessReport> robustness;
    // For a region analysed with control parts (AnalysisSettings::regionControls); nullopt otherwise and
    // for results stored before 2026-12-03's fifth session.
    std::optional<RegionControls> controls;
    // What the file's record says beside the verdict, read when a file was analysed (empty: nothing to
    // say); nullopt for an image analysed in memory (a re-encoded copy, `evaluate`) and for results
    // stored before 2026-12-03.
    std::optional<std::vector<RecordNote>> record;

    std::size_t classifiedCount() const;
    // The generator to name to the user: the combined attribution's first when there is one, else the
    // detector's (class names); nullopt when the model names no generator. It may be a class standing for
    // no named generator (the baseline's other_diffusion, "an unnamed diffusion model"): see
    // likelyGeneratorIsUnnamed().
    std::optional<ClassScore> likelyGenerator() const;
    // Whether likelyGenerator() is such a class: "a generator the model has no name for".
    bool likelyGeneratorIsUnnamed() const;
    // The generator a class of this result's model stands for ("" for none); nullptr when the name is
    // not one of its classes (or the result predates the mapping).
    const std::string* generatorOfClass(const std::string& className) const;
    // The verdict's class probabilities in the model's class order (classNames; verdict.classes is ranked).
    std::vector<double> classProbabilities() const;
};

}  // namespace synthscope
