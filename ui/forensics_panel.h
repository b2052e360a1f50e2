#pragma once
#include <QTabWidget>

#include "ui/forensics_report.h"

class QCustomPlot;
class QGridLayout;
class QLabel;
class QTreeWidget;

namespace synthscope::ui {

// The evidence investigators can see for themselves: the residual's Fourier spectrum with its peaks and
// radial profile, the JPEG history with error level analysis, and the metadata with generator traces.
class ForensicsPanel : public QTabWidget {
    Q_OBJECT
public:
    explicit ForensicsPanel(QWidget* parent = nullptr);
    void setReport(const ForensicsPtr& report);  // nullptr: "computing..."
    QString spectrumSummary() const;
    QString jpegSummary() const;
    QString metadataSummary() const;
    QString fingerprintSummary() const;

private:
    QWidget* makeSpectrumTab();
    QWidget* makeJpegTab();
    QWidget* makeMetadataTab();
    QWidget* makeFingerprintTab();
    void showSpectrum(const ForensicsReport& r);
    void showJpeg(const ForensicsReport& r);
    void showMetadata(const ForensicsReport& r);
    void showFingerprints(const ForensicsReport& r);
    void clearFingerprints(const QString& text);

    QWidget* spectrumImage_;
    QLabel* spectrumText_;
    QCustomPlot* profile_;
    QLabel* jpegText_;
    QWidget* elaImage_;
    QLabel* metadataText_;
    QTreeWidget* metadataTree_;
    // Row 0: the image's residual; rows 1..: the closest fingerprints. Each: caption, picture, spectrum.
    struct FingerprintRow {
        QLabel* caption;
        QWidget* picture;
        QWidget* spectrum;
    };
    std::vector<FingerprintRow> fingerprintRows_;
    QLabel* fingerprintText_;
};

}  // namespace synthscope::ui
