#pragma once
#include <QImage>
#include <QWidget>

#include "engine/spectrum.h"

class QCustomPlot;
class QLabel;

namespace synthscope::ui {

class FittedImage;

// A residual spectrum as the user reads it: the colour-mapped log power (peaks circled), its radial
// profile, and a summary of the periodic peaks. Used for one image (Forensics > Spectrum) and for the
// average over a folder (Analysis > Average Spectrum of Folder).
class SpectrumView : public QWidget {
    Q_OBJECT
public:
    explicit SpectrumView(QWidget* parent = nullptr);
    // rendered: renderSpectrum(spectrum) as a QImage (made on a worker thread); heading: a first line
    // such as "Average of 120 images" (may be empty).
    void setSpectrum(const Spectrum& spectrum, const QImage& rendered, const QString& heading = {});
    void showMessage(const QString& html);  // no spectrum: clears the picture and the profile
    QString summary() const;
    QImage picture() const;

private:
    FittedImage* image_;
    QCustomPlot* profile_;
    QLabel* text_;
};

}  // namespace synthscope::ui
