#pragma once
#include <QTabWidget>

#include "ui/forensics_report.h"

class QGridLayout;
class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace synthscope::ui {

class FittedImage;
class SpectrumView;

// The evidence investigators can see for themselves: the residual's Fourier spectrum with its peaks and
// radial profile, the JPEG history with error level analysis, and the metadata with generator traces.
class ForensicsPanel : public QTabWidget {
    Q_OBJECT
public:
    explicit ForensicsPanel(QWidget* parent = nullptr);
    void setReport(const ForensicsPtr& report);  // nullptr: "computing..."
    void setUnavailable(const QString& why);     // nothing to examine (the image could not be read)
    QString spectrumSummary() const;
    QString jpegSummary() const;
    QString metadataSummary() const;
    QString fingerprintSummary() const;
    // The metadata tree: a row's full value (group "File", "EXIF", ...; key as read, e.g. "SHA-256" or
    // "Exif.Image.Make"), empty when absent; and what Copy puts on the clipboard for the selected rows.
    QString metadataValue(const QString& group, const QString& key) const;
    void selectMetadataGroup(const QString& group);
    QString selectedMetadataText() const;

signals:
    // The Fingerprints tab's "All fingerprints, or another library..." button: Analysis > Generator Fingerprints.
    void fingerprintGalleryRequested();

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
    QTreeWidgetItem* metadataGroup(const QString& group) const;  // the tree's top-level row of that group, or null

    SpectrumView* spectrum_;
    QLabel* jpegText_;
    FittedImage* elaImage_;
    QLabel* metadataText_;
    QWidget* thumbnailRow_;    // hidden when the file has no readable EXIF thumbnail
    FittedImage* thumbnail_;
    QTreeWidget* metadataTree_;
    // Row 0: the image's residual; rows 1..: the closest fingerprints. Each: caption, picture, spectrum.
    struct FingerprintRow {
        QLabel* caption;
        FittedImage* picture;
        FittedImage* spectrum;
    };
    std::vector<FingerprintRow> fingerprintRows_;
    QLabel* fingerprintText_;
};

}  // namespace synthscope::ui
