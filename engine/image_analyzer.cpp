#include "engine/image_analyzer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>

#include <opencv2/core.hpp>

#include "engine/attribution_fusion.h"
#include "engine/errors.h"
#include "engine/fingerprint.h"
#include "engine/fingerprint_match.h"
#include "engine/glcm.h"
#include "engine/look_model.h"
#include "engine/patch_grid.h"
#include "engine/record_beside_verdict.h"
#include "engine/region_controls.h"
#include "engine/version.h"

namespace synthscope {
namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void throwIfCancelled(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw cancelled();
}

std::vector<ClassScore> ranked(std::vector<ClassScore> scores) {
    std::stable_sort(scores.begin(), scores.end(), [](const ClassScore& a, const ClassScore& b) { return a.probability > b.probability; });
    return scores;
}

}  // namespace

ImageAnalyzer::ImageAnalyzer(std::shared_ptr<Detector> detector, AnalysisSettings settings)
    : detector_(std::move(detector)), settings_(settings) {}

AnalysisSettings verdictOnly(AnalysisSettings settings) {
    settings.fullHeatmap = false;
    settings.attribution = false;
    settings.regionControls = 0;
    return settings;
}

AnalysisResult ImageAnalyzer::analyze(const std::string& path, AnalysisObserver* observer,
                                      const std::atomic<bool>* cancel) const {
    return analyzeFile(path, std::nullopt, observer, cancel);
}

AnalysisResult ImageAnalyzer::analyzeRegion(const std::string& path, const ImageRegion& region, AnalysisObserver* observer,
                                            const std::atomic<bool>* cancel) const {
    return analyzeFile(path, region, observer, cancel);
}

AnalysisResult ImageAnalyzer::analyzeFile(const std::string& path, const std::optional<ImageRegion>& region,
                                          AnalysisObserver* observer, const std::atomic<bool>* cancel) const {
    throwIfCancelled(cancel);
    const auto t0 = Clock::now();
    LoadOptions load = settings_.load;
    load.cancel = cancel;  // a large HEIF decodes for seconds
    LoadedImage loaded = loadImage(path, load);
    const auto image = std::make_shared<const LoadedImage>(region ? cropToRegion(std::move(loaded), *region) : std::move(loaded));
    const double loadMs = msSince(t0);
    if (observer) observer->onImageLoaded(image);
    AnalysisResult result = analyze(*image, observer, cancel);
    result.timings.loadMs = loadMs;
    result.timings.totalMs += loadMs;
    // A file has a record of its own (an image analysed in memory has not): read once the label is known.
    // For a region, only what the record says of that part (record_beside_verdict.h).
    const auto tRecord = Clock::now();
    result.record = recordBesideVerdict(result.verdict.label, *image);
    result.timings.recordMs = msSince(tRecord);
    result.timings.totalMs += result.timings.recordMs;
    return result;
}

AnalysisResult ImageAnalyzer::analyze(const LoadedImage& image, AnalysisObserver* observer,
                                      const std::atomic<bool>* cancel) const {
    const ModelManifest& m = detector_->manifest();
    const int patch = m.inputSize;
    const auto t0 = Clock::now();

    AnalysisResult result;
    ImageInfo& info = result.image;
    info.path = image.path;
    info.sha256 = image.sha256;
    info.fileSize = std::int64_t(image.bytes.size());
    info.format = imageFormatName(image.header.format);
    info.width = image.width();
    info.height = image.height();
    info.bitDepth = image.header.bitDepth;
    info.channels = image.header.channels;
    info.hadAlpha = image.header.hasAlpha;
    info.exifOrientation = image.header.exifOrientation;
    info.region = image.region;

    const std::string beyondValidated = m.validatedOn.warningFor(info.width, info.height);
    if (!beyondValidated.empty()) result.warnings.push_back(beyondValidated);

    // A region under half a patch would be mostly reflection: on 30 held-out photos, 64x64 regions padded
    // to the baseline's 192-px patch were called generated 14 times, 96x96 ones 4 times (README, "Regions").
    const int halfPatch = (patch + 1) / 2;
    if (image.region && (image.width() < halfPatch || image.height() < halfPatch))
        throw badInput(image.path + ": the " + image.region->describe() + " is too small for this model's " +
                       std::to_string(patch) + "-pixel patches: select at least " + std::to_string(halfPatch) + "x" +
                       std::to_string(halfPatch) + " pixels (padding a smaller part by reflection makes patterns the "
                       "model reads as generated)");
    // Images smaller than one patch: pad by reflection (bottom/right, so patch coordinates stay image
    // coordinates) or refuse, as the manifest says. Never resize: that would erase the traces we look for.
    cv::Mat rgb = image.rgb;
    if (rgb.cols < patch || rgb.rows < patch) {
        if (m.smallImage == SmallImagePolicy::Reject)
            throw badInput(image.path + ": " + std::to_string(rgb.cols) + "x" + std::to_string(rgb.rows) +
                           " is smaller than the model's " + std::to_string(patch) + "-pixel patch");
        if (rgb.cols < 2 || rgb.rows < 2) throw badInput(image.path + ": the image is too small to analyse");
        // Reflection needs the border to be smaller than the image; repeat until it reaches a patch.
        while (rgb.cols < patch || rgb.rows < patch) {
            const int bottom = std::min(patch - rgb.rows, rgb.rows - 1), right = std::min(patch - rgb.cols, rgb.cols - 1);
            cv::copyMakeBorder(rgb, rgb, 0, std::max(0, bottom), 0, std::max(0, right), cv::BORDER_REFLECT_101);
        }
        info.padded = true;
        result.warnings.push_back("image smaller than a " + std::to_string(patch) +
                                  "-pixel patch: padded by reflection; the verdict rests on repeated content");
    }

    const int stride = settings_.stride > 0 ? settings_.stride : m.stride;
    const PatchGrid grid = makePatchGrid(rgb.size(), patch, stride);
    result.gridCols = grid.cols;
    result.gridRows = grid.rows;
    const int topK = std::min<int>(settings_.topK > 0 ? settings_.topK : m.verdictTopK, int(grid.size()));
    result.provenance = makeProvenance(topK);
    result.classNames = m.classes;
    result.classGenerators = m.classGenerators;
    result.fingerprintWeight = m.fingerprintWeight;
    result.unnamedOffset = m.unnamedOffset;
    result.attributionTemperature = m.attributionTemperature;
    result.provenance.stride = stride > 0 ? stride : patch;

    // GLCM contrast of every patch (SuSy's selection key for the verdict).
    const auto tContrast = Clock::now();
    const std::vector<double> contrasts = patchContrasts(rgb, grid.rects);
    result.patches.resize(grid.size());
    for (std::size_t i = 0; i < grid.size(); ++i) {
        result.patches[i].rect = grid.rects[i];
        result.patches[i].contrast = contrasts[i];
    }
    std::vector<std::size_t> order(grid.size());
    std::iota(order.begin(), order.end(), 0);
    // Highest contrast first; ties keep grid order so results are reproducible.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return result.patches[a].contrast > result.patches[b].contrast;
    });
    for (int k = 0; k < topK; ++k) result.patches[order[std::size_t(k)]].inTopK = true;
    result.timings.contrastMs = msSince(tContrast);

    // A region's control parts come last; each classifies about top-k patches, and counts so in the progress.
    const bool withControls = image.region && !image.wholeRgb.empty() && settings_.regionControls > 0;
    const ControlLayout controlLayout =
        withControls ? controlLayoutFor(*image.region, settings_.regionControls, m.inputSize) : ControlLayout{};
    const int controlWork = controlLayout.partsToAnalyse() * topK;
    const int total = (settings_.fullHeatmap ? int(grid.size()) : topK) + controlWork;
    const std::size_t batch = std::size_t(std::max(1, detector_->batchSize()));
    int done = 0;
    if (observer) observer->onProgress(0, total);

    // 1. The verdict: top-k patches first, so the user sees it before the heatmap.
    const auto tVerdict = Clock::now();
    // The fingerprints are correlated once, for both the verdict's terms and the combined attribution.
    std::optional<FingerprintAttribution> fingerprints;
    std::vector<Verdict::FingerprintTermValue> fingerprintTerms;
    try {
        fingerprints = fingerprintEvidenceFor(image.rgb);  // the image as it is, never the padded one
        if (fingerprints) fingerprintTerms = fingerprintTermsFrom(*fingerprints);
    } catch (const EngineError& e) {
        result.warnings.push_back(std::string("the fingerprint evidence could not be computed (") + e.what() +
                                  "): the detector's evidence alone decides the verdict and the generator");
        fingerprints.reset();
    }
    for (std::size_t start = 0; start < std::size_t(topK); start += batch) {
        throwIfCancelled(cancel);
        const std::vector<std::size_t> indices(order.begin() + long(start), order.begin() + long(std::min<std::size_t>(topK, start + batch)));
        classifyBatch(rgb, result, indices);
        done += int(indices.size());
        if (observer) observer->onProgress(done, total);
    }
    result.verdict = makeVerdict(result, fingerprintTerms);
    if (fingerprints && settings_.attribution) {
        if (m.combinesAttributionItself()) try {
            addLook(image.rgb, result);  // the whole image as it is, like the fingerprints
        } catch (const EngineError& e) {
            result.warnings.push_back(std::string("the look model could not be used (") + e.what() +
                                      "): the generator is named from the detector and the fingerprints alone");
        }
        result.verdict.combinedAttribution = combineAttribution(result, *fingerprints);
    }
    result.timings.verdictMs = msSince(tVerdict);
    result.heatmapComplete = topK == int(grid.size());
    if (observer) observer->onVerdict(result);

    // 2. The heatmap: the remaining patches, in grid order so it fills in row by row.
    const auto tHeatmap = Clock::now();
    if (settings_.fullHeatmap) {
        std::vector<std::size_t> rest;
        for (std::size_t i = 0; i < grid.size(); ++i)
            if (!result.patches[i].inTopK) rest.push_back(i);
        for (std::size_t start = 0; start < rest.size(); start += batch) {
            throwIfCancelled(cancel);
            const std::vector<std::size_t> indices(rest.begin() + long(start), rest.begin() + long(std::min(rest.size(), start + batch)));
            classifyBatch(rgb, result, indices);
            done += int(indices.size());
            if (observer) {
                observer->onProgress(done, total);
                observer->onPatches(result);
            }
        }
        result.heatmapComplete = true;
    }
    result.timings.heatmapMs = msSince(tHeatmap);

    // 3. For a region: parts of its size elsewhere in the picture, to compare its verdict with (not for
    // a region's re-encoded copy, which has no whole picture beside it).
    if (withControls) {
        const auto tControls = Clock::now();
        auto onPart = [&](int parts) {
            if (observer) observer->onProgress(done + parts * topK, total);
        };
        result.controls = RegionControlCheck(detector_, settings_)
                              .check(image, result.verdict, settings_.regionControls, controlLayout, cancel, onPart);
        result.timings.controlsMs = msSince(tControls);
    }
    result.timings.totalMs = msSince(t0);
    return result;
}

void ImageAnalyzer::classifyBatch(const cv::Mat& rgb, AnalysisResult& result, const std::vector<std::size_t>& indices) const {
    std::vector<cv::Mat> patches;
    patches.reserve(indices.size());
    for (std::size_t i : indices) patches.push_back(rgb(result.patches[i].rect));
    std::vector<ClassProbabilities> probs = detector_->classify(patches);
    const std::size_t authentic = std::size_t(detector_->manifest().authenticIndex);
    for (std::size_t j = 0; j < indices.size(); ++j) {
        PatchResult& p = result.patches[indices[j]];
        p.probabilities = std::move(probs[j]);
        p.synthetic = 1.0 - double(p.probabilities[authentic]);
    }
}

namespace {

// Libraries are read once per process: every analysis of a model with fingerprint terms needs its library.
std::shared_ptr<const FingerprintLibrary> cachedFingerprintLibrary(const std::string& folder) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const FingerprintLibrary>> libraries;
    std::lock_guard<std::mutex> lock(mutex);
    auto& library = libraries[folder];
    if (!library) library = std::make_shared<const FingerprintLibrary>(loadFingerprintLibrary(folder));
    return library;
}

// Look models are loaded once per process and device, like the libraries.
std::shared_ptr<const LookModel> cachedLookModel(const LookSpec& spec, const std::string& device) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const LookModel>> models;
    std::lock_guard<std::mutex> lock(mutex);
    auto& model = models[spec.path + "|" + spec.sha256 + "|" + device];
    if (!model) model = LookModel::open(spec, device);
    return model;
}

}  // namespace

void ImageAnalyzer::addLook(const cv::Mat& rgb, AnalysisResult& result) const {
    const LookSpec& spec = detector_->manifest().look;
    if (!spec.used()) return;
    // On the detector's device: "cuda:0" -> "cuda".
    const std::string device = detector_->deviceName().rfind("cuda", 0) == 0 ? "cuda" : "cpu";
    const std::shared_ptr<const LookModel> model = cachedLookModel(spec, device);
    const std::vector<double> logProbabilities = model->logProbabilities(rgb);
    for (std::size_t i = 0; i < spec.answers.size(); ++i) result.look.push_back({spec.answers[i], logProbabilities[i]});
    result.lookWeight = spec.weight;
    result.lookSha256 = model->weightsSha256();
}

std::optional<FingerprintAttribution> ImageAnalyzer::fingerprintEvidenceFor(const cv::Mat& rgb) const {
    const ModelManifest& m = detector_->manifest();
    const VerdictCalibration& c = m.calibration;
    const bool terms = c.enabled && !c.fingerprintTerms.empty();
    if (c.fingerprintLibrary.empty() || !(terms || m.fingerprintWeight > 0)) return std::nullopt;
    return attributeByFingerprints(rgb, *cachedFingerprintLibrary(c.fingerprintLibrary));
}

std::vector<Verdict::FingerprintTermValue> ImageAnalyzer::fingerprintTermsFrom(const FingerprintAttribution& fp) const {
    const VerdictCalibration& c = detector_->manifest().calibration;
    std::vector<Verdict::FingerprintTermValue> out;
    if (!c.enabled || c.fingerprintTerms.empty()) return out;
    for (const FingerprintTerm& term : c.fingerprintTerms) {
        Verdict::FingerprintTermValue value;
        value.weight = term.weight;
        double sum = 0;  // of the likelihood ratios; evidence is their log
        int found = 0;
        for (const std::string& g : term.generators) {
            value.generators += (value.generators.empty() ? "" : ",") + g;
            for (const GeneratorMatch& m : fp.ranking)
                if (m.generator == g) {
                    sum += std::exp(m.evidence);
                    ++found;
                }
        }
        if (found != int(term.generators.size()))
            throw EngineError(ErrorKind::Model, "the fingerprint library " + c.fingerprintLibrary + " lacks a fingerprint the model's "
                                                "calibration names (" + value.generators + ")");
        value.evidence = std::log(sum / found);
        out.push_back(value);
    }
    return out;
}

Verdict ImageAnalyzer::makeVerdict(const AnalysisResult& result, const std::vector<Verdict::FingerprintTermValue>& fingerprintTerms) const {
    const ModelManifest& m = detector_->manifest();
    Verdict v;
    v.bandLow = m.inconclusiveLow;
    v.bandHigh = m.inconclusiveHigh;
    std::vector<double> classSums(m.classes.size(), 0.0);
    std::vector<double> synthetic;
    for (const PatchResult& p : result.patches) {
        if (!p.inTopK || !p.classified()) continue;
        synthetic.push_back(p.synthetic);
        for (std::size_t c = 0; c < classSums.size(); ++c) classSums[c] += p.probabilities[c];
    }
    v.patchesUsed = int(synthetic.size());
    if (synthetic.empty()) return v;
    const double n = double(synthetic.size());
    v.rawSyntheticProbability = std::accumulate(synthetic.begin(), synthetic.end(), 0.0) / n;
    double var = 0;
    for (double s : synthetic) var += (s - v.rawSyntheticProbability) * (s - v.rawSyntheticProbability);
    v.spread = std::sqrt(var / n);
    double fingerprintLogit = 0;
    for (const Verdict::FingerprintTermValue& t : fingerprintTerms) fingerprintLogit += t.weight * t.evidence;
    v.fingerprintTerms = fingerprintTerms;
    v.syntheticProbability = m.calibration.apply(v.rawSyntheticProbability, fingerprintLogit);
    v.calibrated = m.calibration.enabled;
    v.label = v.syntheticProbability > v.bandHigh  ? VerdictLabel::Synthetic
              : v.syntheticProbability < v.bandLow ? VerdictLabel::Authentic
                                                   : VerdictLabel::Inconclusive;
    double generatorTotal = 0;
    for (std::size_t c = 0; c < classSums.size(); ++c) {
        v.classes.push_back({m.classes[c], classSums[c] / n});
        if (int(c) != m.authenticIndex) generatorTotal += classSums[c] / n;
    }
    for (std::size_t c = 0; c < classSums.size(); ++c)
        if (int(c) != m.authenticIndex)
            v.attribution.push_back({m.classes[c], generatorTotal > 0 ? classSums[c] / n / generatorTotal : 0.0});
    v.classes = ranked(std::move(v.classes));
    v.attribution = ranked(std::move(v.attribution));
    v.ready = true;
    return v;
}

Provenance ImageAnalyzer::makeProvenance(int topK) const {
    const ModelManifest& m = detector_->manifest();
    Provenance p;
    p.softwareVersion = SYNTHSCOPE_VERSION;
    p.modelName = m.name;
    p.modelVersion = m.version;
    p.modelSha256 = detector_->weightsSha256();
    p.device = detector_->deviceName();
    p.precision = precisionName(detector_->precision());
    p.threads = detector_->threads();
    p.batchSize = detector_->batchSize();
    p.patchSize = m.inputSize;
    p.topK = topK;
    p.fullHeatmap = settings_.fullHeatmap;
    p.smallImagePolicy = m.smallImage == SmallImagePolicy::Pad ? "pad" : "reject";
    return p;
}

}  // namespace synthscope
