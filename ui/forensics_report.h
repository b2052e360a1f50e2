#pragma once
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <memory>
#include <mutex>

#include "engine/ela.h"
#include "engine/fingerprint_match.h"
#include "engine/jpeg_analysis.h"
#include "engine/metadata.h"
#include "engine/spectrum.h"
#include "ui/engine_bridge.h"

namespace synthscope::ui {

// A fingerprint library loaded for comparisons, or why there is none.
struct FingerprintSet {
    QString folder;
    FingerprintLibrary library;
    QString error;
};
using FingerprintSetPtr = std::shared_ptr<const FingerprintSet>;
// The library in `folder` (UserSettings::fingerprintLibrary), or the installed one when it is empty
// (resolveFingerprintLibrary), with the learned denoiser (loadInstalledFingerprints). Never throws.
FingerprintSetPtr loadFingerprintSet(const QString& folder);

// A fingerprint as it is shown: its pattern and its log-magnitude spectrum, each contrast stretched.
struct FingerprintPictures {
    QImage pattern, spectrum;
};
FingerprintPictures picturesOf(const Fingerprint& fingerprint);

// One fingerprint shown beside the image, in image and Fourier space.
struct FingerprintView {
    GeneratorMatch match;
    QImage pattern;   // contrast stretched
    QImage spectrum;  // logSpectrum, contrast stretched
};

// The analyses that need no trained classifier, for one image: residual spectrum with its peaks,
// JPEG history, error level analysis and metadata. Each part carries its own error, so one failing
// does not hide the others.
struct ForensicsReport {
    Spectrum spectrum;
    QImage spectrumImage;  // rendered with peaks marked
    QString spectrumError;
    JpegAnalysis jpeg;
    ElaResult ela;
    QImage elaImage;  // for display: at most 1024 px on its longer side
    QString elaError;
    std::vector<MetadataEntry> file;  // name, folder, size, SHA-256, format, modification time (file_facts.h)
    MetadataReport metadata;
    QImage thumbnailImage;  // the EXIF thumbnail, turned as the image is; null when there is none or it is unreadable
    // Fingerprints: the image's own residual (centre crop, the residual the closest fingerprint is matched
    // with) and the closest fingerprints of the library, both as pictures and as spectra.
    QString fingerprintFolder;
    FingerprintAttribution fingerprints;
    QImage residualImage, residualSpectrum;
    std::vector<FingerprintView> closestFingerprints;  // the top of fingerprints.ranking
    QString fingerprintError;                          // no library, or the image could not be compared
    QString fingerprintNote;                           // compared, but with a fallback (the learned denoiser failed to load)
};
using ForensicsPtr = std::shared_ptr<const ForensicsReport>;

// Computes ForensicsReports on a pool thread and delivers them on the GUI thread.
class ForensicsRunner : public QObject {
    Q_OBJECT
public:
    explicit ForensicsRunner(QObject* parent = nullptr);
    ~ForensicsRunner() override;  // waits for the computations still running
    void start(quint64 key, ImagePtr image);
    // The library later computations compare with (empty: the installed one). Each change counts one
    // generation; ready() says in which generation its computation was started, so that a report of the
    // library before can be told from one of the library now.
    void setFingerprintLibrary(const QString& folder);
    quint64 generation() const { return generation_; }
    // Synchronous, for tests and the runner. Without a fingerprint set the report says none was compared.
    static ForensicsPtr compute(const LoadedImage& image, const FingerprintSetPtr& fingerprints = nullptr);

signals:
    void ready(quint64 key, synthscope::ui::ForensicsPtr report, quint64 generation);

private:
    FingerprintSetPtr fingerprints();  // loaded by the first computation after a change, on the pool thread

    std::mutex fingerprintsMutex_;
    QString folder_;                  // guarded by fingerprintsMutex_, as fingerprints_ is
    FingerprintSetPtr fingerprints_;
    quint64 generation_ = 0;          // GUI thread only: counts library changes
    QThreadPool pool_;  // its own, so the destructor can wait for exactly these tasks
};

}  // namespace synthscope::ui

Q_DECLARE_METATYPE(synthscope::ui::ForensicsPtr)
