#include "engine/evidence.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "engine/errors.h"
#include "engine/heatmap.h"
#include "engine/model_registry.h"
#include "engine/robustness_check.h"

namespace synthscope {
namespace {

constexpr int kSpectrumCrop = 512;  // as the workstation's forensic panel: comparable across images, bounded cost
constexpr const char* kElaCheck = "Error level analysis";
constexpr const char* kMetadataCheck = "Metadata (EXIF, XMP, IPTC, PNG text, C2PA, EXIF thumbnail)";

using Status = CheckRecord::Status;

cv::Mat fitInside(const cv::Mat& rgb, int side, double& scale) {
    scale = std::min(1.0, double(side) / std::max(rgb.cols, rgb.rows));
    if (scale >= 1.0) return rgb.clone();
    cv::Mat out;
    cv::resize(rgb, out, cv::Size(std::max(1, int(rgb.cols * scale + 0.5)), std::max(1, int(rgb.rows * scale + 0.5))), 0, 0,
               cv::INTER_AREA);
    return out;
}

void checkCancel(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load()) throw cancelled();
}

// The robustness check ran (or not) with the analysis; the report says which, and what it found.
CheckRecord robustnessCheckRecord(const std::optional<RobustnessReport>& report) {
    if (!report)
        return {"Robustness check (the verdict on JPEG and rescaled copies)", Status::NotRun,
                "not asked for with this analysis (the workstation's Analysis > Robustness Check, or --robustness)"};
    CheckRecord c{"Robustness check (" + describeCopies(report->copies) + " copies)", Status::Done, ""};
    if (!report->done()) {
        c.status = Status::Failed;
        c.detail = report->error;
    } else {
        c.detail = std::string(report->agree ? "holds: " : "") + verdictLabelName(report->label) + " after the check. " +
                   report->explanation;
    }
    return c;
}

// A region of the whole picture in a copy of it scaled by `scale`, at least 2 px a side.
cv::Rect scaledRect(const ImageRegion& g, double scale) {
    return {int(g.x * scale), int(g.y * scale), std::max(2, int(g.width * scale)), std::max(2, int(g.height * scale))};
}

// A region's control parts, numbered in the order of the report's table, in blue beside the region's gold;
// of its own parts (compared at a smaller size), those flagged, numbered after them.
void outlineControlParts(cv::Mat& rgb, const RegionControls& controls, double scale) {
    controls.forEachPart([&](std::size_t number, const ControlPart& part, bool own) {
        if (own && part.label != VerdictLabel::Synthetic) return;
        const cv::Rect r = scaledRect(part.region, scale);
        cv::rectangle(rgb, r, cv::Scalar(0, 0, 0), 4);
        cv::rectangle(rgb, r, cv::Scalar(80, 170, 255), 2);
        const cv::Point at(r.x + 6, r.y + 20);
        cv::putText(rgb, std::to_string(number), at, cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar(0, 0, 0), 4);
        cv::putText(rgb, std::to_string(number), at, cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar(80, 170, 255), 2);
    });
}

CheckRecord controlPartsRecord(const std::optional<RegionControls>& controls) {
    const std::string name = "Control parts (elsewhere in the picture)";
    if (!controls) return {name, Status::NotRun, "not asked for with this analysis (--controls 0, or a result stored before them)"};
    if (!controls->done()) return {name, Status::Failed, controls->error};
    std::string detail = controls->explanation;
    controls->forEachPart([&](std::size_t number, const ControlPart& p, bool own) {
        detail += (number > 1 ? "; " : " ") + std::to_string(number) + ": " + (own ? "the region's part " : "") + p.region.brief() + ", " +
                  verdictLabelName(p.label) + " " + percentText(p.syntheticProbability);
    });
    return {name, Status::Done, detail};
}

}  // namespace

const char* checkStatusName(CheckRecord::Status status) {
    switch (status) {
    case Status::Done: return "done";
    case Status::NotApplicable: return "not applicable";
    case Status::Failed: return "failed";
    case Status::NotRun: break;
    }
    return "not run";
}

const char* detectorCaveat() {
    return "A detector gives evidence, not proof. It reports how much an image resembles the synthetic and the "
           "authentic images its model was trained on; it knows only the generators it was trained on, and editing, "
           "resizing, screenshots or recompression can mislead it in either direction. A high synthetic probability "
           "does not prove that an image was generated, and a low one does not prove that it is an authentic "
           "photograph or that what it shows happened. The probabilities are the model's, calibrated only as far as "
           "its manifest states. Metadata can be stripped or forged: a generator's trace is strong evidence when "
           "present, its absence proves nothing. Weigh these results with the image's source, its context and an "
           "expert's examination before concluding.";
}

ImageEvidence gatherEvidence(const AnalysisResult& detection, const std::string& detectionSource,
                             const EvidenceOptions& options, const std::atomic<bool>* cancel) {
    ImageEvidence ev;
    ev.detection = detection;
    ev.detectionSource = detectionSource;
    ev.generatedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    const AnalysisResult& r = detection;
    const Provenance& p = r.provenance;

    // The detector ran before the report; this records what it did.
    {
        CheckRecord c{"AI-generation detector (" + p.modelName + " " + p.modelVersion + ")", Status::Done, ""};
        c.detail = std::string("verdict ") + verdictLabelName(r.verdict.label) + ", synthetic probability " +
                   percentText(r.verdict.syntheticProbability) +
                   (r.verdict.calibrated ? " (calibrated from the model's raw " + percentText(r.verdict.rawSyntheticProbability) +
                                               (r.verdict.fingerprintTerms.empty() ? std::string()
                                                                                   : " with fingerprint evidence " + r.verdict.describeFingerprintTerms()) +
                                               ")"
                                         : std::string()) +
                   " from the " + std::to_string(r.verdict.patchesUsed) +
                   " highest-contrast patches; " + detectionSource;
        ev.checks.push_back(c);
        CheckRecord h{"Per-patch heatmap", r.heatmapComplete ? Status::Done : Status::NotRun, ""};
        h.detail = r.heatmapComplete ? "all " + std::to_string(r.patches.size()) + " patches classified"
                                     : std::to_string(r.classifiedCount()) + " of " + std::to_string(r.patches.size()) +
                                           " patches classified (verdict-only analysis): the heatmap is partial";
        ev.checks.push_back(h);
        ev.checks.push_back(robustnessCheckRecord(r.robustness));
    }

    // The file again: is it still the one that was analysed?
    LoadedImage image;
    bool loaded = false;
    try {
        image = loadImage(r.image.path, options.load);
        loaded = true;
        ev.fileSha256Now = image.sha256;
        ev.fileMatches = image.sha256 == r.image.sha256;
    } catch (const std::exception& e) {
        ev.fileError = e.what();
    }
    ev.checks.push_back({"File integrity (SHA-256 of the file now against the one analysed)",
                         !loaded ? Status::Failed : ev.fileMatches ? Status::Done : Status::Failed,
                         !loaded ? "the file could not be read: " + ev.fileError
                         : ev.fileMatches ? "identical: " + ev.fileSha256Now
                                          : "DIFFERENT: the file changed since it was analysed (now " + ev.fileSha256Now + ")"});
    const std::string noFile = "not run: the file could not be read";
    if (!loaded || !ev.fileMatches) {
        // Signals of a different file would not describe what the detector analysed.
        const std::string why = !loaded ? noFile : "not run: the file is not the one analysed";
        for (const char* name : {"Noise spectrum (up-sampling peaks)", "Generator fingerprints (DIF correlation)",
                                 "JPEG history (tables, quality, double compression)", kMetadataCheck,
                                 kElaCheck})
            ev.checks.push_back({name, Status::NotRun, why});
    } else {
        checkCancel(cancel);
        if (const std::optional<ImageRegion>& region = r.image.region) {
            // The analysis saw one region: the pictures and the image checks below do too; the JPEG
            // history and the metadata are the whole file's.
            try {
                // Where the region lies, for a reader who sees only the crop: the whole picture, outlined.
                double wholeScale = 1;
                ev.regionContextRgb = fitInside(image.rgb, options.displaySide / 2, wholeScale);
                const cv::Rect outline = scaledRect(*region, wholeScale);
                if (r.controls) outlineControlParts(ev.regionContextRgb, *r.controls, wholeScale);  // under the region's
                cv::rectangle(ev.regionContextRgb, outline, cv::Scalar(0, 0, 0), 4);
                cv::rectangle(ev.regionContextRgb, outline, cv::Scalar(255, 215, 0), 2);
                image = cropToRegion(std::move(image), *region);
                ev.checks.push_back({"Region", Status::Done,
                                     "the detector analysed the " + region->describe() +
                                         " only; the heatmap, spectrum, fingerprints and error levels below are of that "
                                         "region, the JPEG history and the metadata are the whole file's"});
                ev.checks.push_back(controlPartsRecord(r.controls));
            } catch (const std::exception& e) {
                ev.checks.push_back({"Region", Status::Failed, e.what()});
            }
        }
        double scale = 1;
        ev.imageRgb = fitInside(image.rgb, options.displaySide, scale);
        cv::Mat heat = renderHeatmap(r, scale);
        if (heat.size() != ev.imageRgb.size()) cv::resize(heat, heat, ev.imageRgb.size(), 0, 0, cv::INTER_NEAREST);
        ev.overlayRgb = overlayHeatmap(ev.imageRgb, heat, 0.5, options.heatmapColours);
        ev.heatmapColours = options.heatmapColours;

        checkCancel(cancel);
        try {
            SpectrumOptions so;
            const int side = std::min(image.rgb.cols, image.rgb.rows);
            so.cropSize = std::min(kSpectrumCrop, side - side % 2);
            ev.spectrumCrop = so.cropSize;
            ev.spectrum = computeSpectrum(image, so);
            ev.spectrumRgb = renderSpectrum(*ev.spectrum, true);
            const Spectrum& s = *ev.spectrum;
            int upsampling = 0, jpegGrid = 0;
            for (const SpectralPeak& k : s.peaks) {
                upsampling += k.upsamplingHarmonic && !k.jpegGrid;
                jpegGrid += k.jpegGrid;
            }
            ev.checks.push_back({"Noise spectrum (up-sampling peaks)", Status::Done,
                                 std::to_string(s.peaks.size()) + " periodic peaks in the " + s.residual + " residual of the centre " +
                                     std::to_string(so.cropSize) + " px; " + std::to_string(upsampling) +
                                     " at up-sampling frequencies, " + std::to_string(jpegGrid) + " explained by the JPEG grid"});
        } catch (const std::exception& e) {
            ev.checks.push_back({"Noise spectrum (up-sampling peaks)", Status::Failed, e.what()});
        }

        checkCancel(cancel);
        // The analysis's own combination when it made one (the model's fingerprint library), so that the
        // report names the generator the workstation and the case named.
        ev.combinedAttribution = r.verdict.combinedAttribution;
        if (!options.fingerprints) {
            ev.checks.push_back({"Generator fingerprints (DIF correlation)", Status::NotRun,
                                 options.fingerprintLibraryWhyNone.empty() ? "no fingerprint library" : options.fingerprintLibraryWhyNone});
        } else if (options.fingerprints->fingerprints.empty()) {
            ev.checks.push_back({"Generator fingerprints (DIF correlation)", Status::NotRun,
                                 "the library " + options.fingerprints->folder + " holds no readable fingerprint"});
        } else {
            try {
                ev.fingerprintLibrary = options.fingerprints->folder;
                ev.fingerprints = attributeByFingerprints(image.rgb, *options.fingerprints);
                if (!ev.combinedAttribution) ev.combinedAttribution = combineAttribution(r, *ev.fingerprints);
                const FingerprintAttribution& a = *ev.fingerprints;
                std::vector<std::string> residuals;  // those the ranking used, in order of first use
                for (const GeneratorMatch& m : a.ranking)
                    if (std::find(residuals.begin(), residuals.end(), m.residual) == residuals.end()) residuals.push_back(m.residual);
                std::string residualList;
                for (const std::string& r : residuals) residualList += (residualList.empty() ? "" : ", ") + r;
                const std::string& note = options.fingerprints->residualNote;
                ev.checks.push_back({"Generator fingerprints (DIF correlation)", Status::Done,
                                     std::to_string(options.fingerprints->fingerprints.size()) + " fingerprints from " +
                                         options.fingerprints->folder + " (" + residualList + " residual); " +
                                         (a.generator.empty() ? "none nearer its fake centre than its real one"
                                                              : "nearest: " + a.generator) +
                                         (note.empty() ? "" : "; " + note) +
                                         (ev.combinedAttribution ? "; " + ev.combinedAttribution->sources() + " combined: " +
                                                                       ev.combinedAttribution->ranking.front().name
                                                                 : std::string())});
            } catch (const std::exception& e) {
                ev.checks.push_back({"Generator fingerprints (DIF correlation)", Status::Failed, e.what()});
            }
        }

        checkCancel(cancel);
        ev.jpeg = analyzeJpeg(image.bytes);
        if (!ev.jpeg->isJpeg)
            ev.checks.push_back({"JPEG history (tables, quality, double compression)", Status::NotApplicable,
                                 "the file is " + r.image.format + ", not a JPEG"});
        else if (!ev.jpeg->readable)
            ev.checks.push_back({"JPEG history (tables, quality, double compression)", Status::Failed, ev.jpeg->error});
        else
            ev.checks.push_back({"JPEG history (tables, quality, double compression)", Status::Done,
                                 "estimated quality " + std::to_string(ev.jpeg->estimatedQuality) + "; " +
                                     (ev.jpeg->doubleCompressionSuspected ? "double compression suspected"
                                                                          : "no sign of double compression")});
        ev.metadata = readMetadata(image);
        // The thumbnail shows the whole picture, so it is compared with the whole picture.
        ev.thumbnailRgb = checkThumbnail(*ev.metadata, image.wholePicture(), image.header.exifOrientation);
        const MetadataReport& m = *ev.metadata;
        const ThumbnailComparison::Outcome thumb = m.thumbnailCheck.outcome;
        ev.checks.push_back({kMetadataCheck, m.problems.empty() ? Status::Done : Status::Failed,
                             std::to_string(m.exif.size() + m.xmp.size() + m.iptc.size() + m.pngText.size()) + " entries, " +
                                 std::to_string(m.generatorTraces.size()) + " generator traces" +
                                 (m.c2paPresent() ? "; a C2PA manifest is present (not verified)" : "; no C2PA manifest") +
                                 (thumb == ThumbnailComparison::Outcome::NotCompared ? "; no EXIF thumbnail"
                                                                                     : std::string("; the EXIF thumbnail ") + thumbnailOutcomeWords(thumb))});

        checkCancel(cancel);
        try {
            ev.ela = errorLevelAnalysis(image.rgb);
            double unused = 1;
            ev.ela->ela = fitInside(ev.ela->ela, options.displaySide, unused);  // the report's size
            char detail[160];
            std::snprintf(detail, sizeof detail, "recompressed at JPEG quality %d: mean change %.2f levels, 99th percentile %.1f, shown %.1fx",
                          ev.ela->quality, ev.ela->mean, ev.ela->p99, ev.ela->displayScale);
            ev.checks.push_back({kElaCheck, Status::Done, detail});
        } catch (const std::exception& e) {
            ev.checks.push_back({kElaCheck, Status::Failed, e.what()});
        }
    }
    ev.notChecked = {
        "The C2PA manifest's signature and its chain of trust (only its presence is detected).",
        "Where the image came from, who made or sent it, and its chain of custody.",
        "Whether what the image shows is true, or happened.",
        "Generators and edits the model was not trained on; detection of them is not reliable.",
        "Local edits (splicing, inpainting) as such: the heatmap shows patch scores, and a selected region can be "
        "analysed alone, but neither localises an edit's edges.",
    };
    return ev;
}

}  // namespace synthscope
