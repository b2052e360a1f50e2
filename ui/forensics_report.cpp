#include "ui/forensics_report.h"


#include "ui/image_conversion.h"

namespace synthscope::ui {
namespace {
constexpr int kSpectrumCrop = 512;  // spectra of a centre crop: comparable across images, bounded cost
constexpr int kElaDisplaySide = 1024;
}

ForensicsRunner::ForensicsRunner(QObject* parent) : QObject(parent) { qRegisterMetaType<ForensicsPtr>(); }

ForensicsRunner::~ForensicsRunner() { pool_.waitForDone(); }

ForensicsPtr ForensicsRunner::compute(const LoadedImage& image) {
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
        report->ela = errorLevelAnalysis(image.rgb, 90);
        // Scaled here, on the pool thread: painting a full-size ELA of a big image would stall the GUI.
        report->elaImage = toQImage(report->ela.ela);
        if (std::max(report->elaImage.width(), report->elaImage.height()) > kElaDisplaySide)
            report->elaImage = report->elaImage.scaled(kElaDisplaySide, kElaDisplaySide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    } catch (const std::exception& e) {
        report->elaError = QString::fromStdString(e.what());
    }
    report->metadata = readMetadata(image.bytes);
    return report;
}

void ForensicsRunner::start(quint64 key, ImagePtr image) {
    pool_.start([this, key, image] {
        ForensicsPtr report = compute(*image);
        QMetaObject::invokeMethod(this, [this, key, report] { emit ready(key, report); }, Qt::QueuedConnection);
    });
}

}  // namespace synthscope::ui
