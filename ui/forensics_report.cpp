#include "ui/forensics_report.h"

#include <QFile>

#include <opencv2/imgproc.hpp>

#include "engine/errors.h"
#include "engine/file_facts.h"
#include "engine/model_registry.h"
#include "engine/thread_priority.h"

#include "ui/image_conversion.h"

namespace synthscope::ui {
namespace {
constexpr int kSpectrumCrop = 512;  // spectra of a centre crop: comparable across images, bounded cost
constexpr int kElaDisplaySide = 1024;
constexpr std::size_t kClosestFingerprints = 3;

QImage stretchedImage(const cv::Mat& image) {
    cv::Mat eight = stretchTo8Bit(image);
    if (eight.channels() == 1) cv::cvtColor(eight, eight, cv::COLOR_GRAY2RGB);
    return toQImage(eight);
}

void compareWithFingerprints(const LoadedImage& image, const FingerprintSet& set, ForensicsReport& report) {
    report.fingerprintFolder = set.folder;
    report.fingerprintNote = QString::fromStdString(set.library.residualNote);
    if (!set.error.isEmpty()) {
        report.fingerprintError = set.error;
        return;
    }
    if (set.library.fingerprints.empty()) {
        report.fingerprintError = QObject::tr("the fingerprint library %1 holds no readable fingerprint").arg(set.folder);
        return;
    }
    try {
        report.fingerprints = attributeByFingerprints(image.rgb, set.library);
        const std::vector<GeneratorMatch>& ranking = report.fingerprints.ranking;
        for (std::size_t i = 0; i < std::min(kClosestFingerprints, ranking.size()); ++i) {
            const auto fp = std::find_if(set.library.fingerprints.begin(), set.library.fingerprints.end(),
                                         [&](const Fingerprint& f) { return f.name == ranking[i].generator; });
            if (fp == set.library.fingerprints.end()) continue;
            const FingerprintPictures pictures = picturesOf(*fp);
            report.closestFingerprints.push_back({ranking[i], pictures.pattern, pictures.spectrum});
        }
        if (!ranking.empty()) {
            const int side = set.library.fingerprints.front().pattern.rows;
            const auto top = std::find_if(set.library.fingerprints.begin(), set.library.fingerprints.end(),
                                          [&](const Fingerprint& f) { return f.name == ranking.front().generator; });
            if (top != set.library.fingerprints.end() && image.rgb.cols >= side && image.rgb.rows >= side) {
                // The residual the top fingerprint was matched with (the library's matches use no options).
                MatchOptions used;
                used.defaultResidual = set.library.defaultResidual;
                const cv::Mat residual = centreResidual(image.rgb, side, residualFor(*top, used));
                report.residualImage = stretchedImage(residual);
                report.residualSpectrum = stretchedImage(logSpectrum(residual));
            }
        }
    } catch (const std::exception& e) {
        report.fingerprintError = QString::fromStdString(e.what());
    }
}
}

FingerprintPictures picturesOf(const Fingerprint& fingerprint) {
    return {stretchedImage(fingerprint.pattern), stretchedImage(logSpectrum(fingerprint.pattern))};
}

FingerprintSetPtr loadFingerprintSet(const QString& folder) {
    auto set = std::make_shared<FingerprintSet>();
    try {
        set->library = loadInstalledFingerprints(QFile::encodeName(folder).toStdString());
        set->folder = QFile::decodeName(set->library.folder.c_str());
    } catch (const std::exception& e) {
        set->folder = folder;
        set->error = QString::fromStdString(e.what());
        // A chosen folder may have been moved or deleted since: say where it was chosen and how to go back.
        if (!folder.isEmpty())
            set->error += QObject::tr(" (it was chosen in Analysis > Generator Fingerprints, where Installed Library, then Use "
                                      "for Comparisons, goes back to the installed one)");
    }
    return set;
}

ForensicsRunner::ForensicsRunner(QObject* parent) : QObject(parent) { qRegisterMetaType<ForensicsPtr>(); }

ForensicsRunner::~ForensicsRunner() { pool_.waitForDone(); }

ForensicsPtr ForensicsRunner::compute(const LoadedImage& image, const FingerprintSetPtr& fingerprints) {
    auto report = std::make_shared<ForensicsReport>();
    try {
        SpectrumOptions options;
        const int side = std::min(image.rgb.cols, image.rgb.rows);
        options.cropSize = std::min(kSpectrumCrop, side - side % 2);
        report->spectrum = computeSpectrum(image, options);
        report->spectrumImage = toQImage(renderSpectrum(report->spectrum, true));
    } catch (const std::exception& e) {
        report->spectrumError = QString::fromStdString(e.what());
    }
    report->jpeg = analyzeJpeg(image.bytes);
    try {
        report->ela = errorLevelAnalysis(image.rgb);
        // Scaled here, on the pool thread: painting a full-size ELA of a big image would stall the GUI.
        report->elaImage = toQImage(report->ela.ela);
        if (std::max(report->elaImage.width(), report->elaImage.height()) > kElaDisplaySide)
            report->elaImage = report->elaImage.scaled(kElaDisplaySide, kElaDisplaySide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    } catch (const std::exception& e) {
        report->elaError = QString::fromStdString(e.what());
    }
    report->file = fileFacts(image);
    report->metadata = readMetadata(image);
    // The thumbnail shows the whole picture, also when one region of it is analysed.
    report->thumbnailImage = toQImage(checkThumbnail(report->metadata, image.wholePicture(), image.header.exifOrientation));
    if (fingerprints) compareWithFingerprints(image, *fingerprints, *report);
    else report->fingerprintError = QObject::tr("no fingerprint library was given");
    return report;
}

FingerprintSetPtr ForensicsRunner::fingerprints() {
    std::lock_guard<std::mutex> lock(fingerprintsMutex_);
    if (!fingerprints_) fingerprints_ = loadFingerprintSet(folder_);
    return fingerprints_;
}

void ForensicsRunner::setFingerprintLibrary(const QString& folder) {
    {
        std::lock_guard<std::mutex> lock(fingerprintsMutex_);
        folder_ = folder;
        fingerprints_.reset();  // the next computation loads it
    }
    ++generation_;
}

void ForensicsRunner::start(quint64 key, ImagePtr image) {
    pool_.start([this, key, image, generation = generation_] {
        lowerCurrentThreadPriority();  // below the GUI thread, like the engine's (thread_priority.h)
        ForensicsPtr report = compute(*image, fingerprints());
        QMetaObject::invokeMethod(this, [this, key, report, generation] { emit ready(key, report, generation); }, Qt::QueuedConnection);
    });
}

}  // namespace synthscope::ui
