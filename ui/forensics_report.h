#pragma once
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <memory>

#include "engine/ela.h"
#include "engine/jpeg_analysis.h"
#include "engine/metadata.h"
#include "engine/spectrum.h"
#include "ui/engine_bridge.h"

namespace synthscope::ui {

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
    MetadataReport metadata;
};
using ForensicsPtr = std::shared_ptr<const ForensicsReport>;

// Computes ForensicsReports on a pool thread and delivers them on the GUI thread.
class ForensicsRunner : public QObject {
    Q_OBJECT
public:
    explicit ForensicsRunner(QObject* parent = nullptr);
    ~ForensicsRunner() override;  // waits for the computations still running
    void start(quint64 key, ImagePtr image);
    static ForensicsPtr compute(const LoadedImage& image);  // synchronous, for tests and the runner

signals:
    void ready(quint64 key, synthscope::ui::ForensicsPtr report);

private:
    QThreadPool pool_;  // its own, so the destructor can wait for exactly these tasks
};

}  // namespace synthscope::ui

Q_DECLARE_METATYPE(synthscope::ui::ForensicsPtr)
