#include "ui/spectrum_view.h"

#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>

#include <qcustomplot.h>

#include "ui/fitted_image.h"

namespace synthscope::ui {
namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

SpectrumView::SpectrumView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    image_ = new FittedImage;
    image_->setToolTip(tr("Log power spectrum of the noise residual (centre crop, zero frequency in the middle). "
                          "Circles: cyan = peak at an up-sampling frequency, grey = JPEG 8x8 grid, white = other."));
    profile_ = new QCustomPlot;
    profile_->setAccessibleName(tr("Radial profile of the residual's power spectrum"));
    profile_->setMinimumHeight(150);
    profile_->addGraph();
    profile_->graph(0)->setPen(QPen(QColor(70, 130, 200), 1.5));
    profile_->xAxis->setLabel(tr("frequency (cycles/pixel)"));
    profile_->yAxis->setLabel(tr("power (dB)"));
    profile_->xAxis->setRange(0, 0.5);
    text_ = new QLabel;
    text_->setWordWrap(true);
    text_->setTextFormat(Qt::RichText);
    text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    text_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(image_, 3);
    layout->addWidget(profile_, 2);
    layout->addWidget(text_);
    layout->addStretch(0);  // takes the room of the picture and plot only while they are hidden (showMessage)
}

void SpectrumView::showMessage(const QString& html) {
    image_->clear();
    image_->hide();
    profile_->graph(0)->data()->clear();
    profile_->replot();
    profile_->hide();  // empty axes say nothing; setSpectrum shows them again
    text_->setText(html);
}

void SpectrumView::setSpectrum(const Spectrum& s, const QImage& rendered, const QString& heading) {
    image_->setImage(rendered);
    image_->show();
    profile_->show();
    QVector<double> f, db;
    for (std::size_t k = 1; k < s.radialProfile.size(); ++k) {
        f << s.radialFrequency(k);
        db << s.radialProfile[k];
    }
    profile_->graph(0)->setData(f, db);
    profile_->graph(0)->rescaleValueAxis();
    profile_->replot();
    int upsampling = 0, jpegGrid = 0;
    for (const SpectralPeak& p : s.peaks) {
        upsampling += p.upsamplingHarmonic && !p.jpegGrid;
        jpegGrid += p.jpegGrid;
    }
    QString text = heading.isEmpty() ? QString() : "<b>" + heading.toHtmlEscaped() + "</b><br>";
    text += tr("Residual: %1, %2x%3 centre crop, FFT on %4.<br>").arg(qs(s.residual)).arg(s.logPower.cols).arg(s.logPower.rows).arg(qs(s.device));
    if (s.peaks.empty()) text += tr("No periodic peak stands out: no sign of an up-sampling grid.");
    else text += tr("<b>%1 periodic peak(s)</b>; %2 at up-sampling frequencies (k/8 cycles/pixel)%3.")
                     .arg(s.peaks.size()).arg(upsampling)
                     .arg(jpegGrid ? tr(", %1 explained by the JPEG 8x8 grid").arg(jpegGrid) : QString());
    QStringList lines;
    for (std::size_t i = 0; i < std::min<std::size_t>(s.peaks.size(), 6); ++i) {
        const SpectralPeak& p = s.peaks[i];
        lines << tr("(%1, %2) cycles/px, +%3 dB%4").arg(p.fx, 0, 'f', 3).arg(p.fy, 0, 'f', 3).arg(p.strengthDb, 0, 'f', 1)
                     .arg(p.jpegGrid ? tr(" [JPEG grid]") : p.upsamplingHarmonic ? tr(" [up-sampling]") : QString());
    }
    if (!lines.isEmpty()) text += "<br><small>" + lines.join("<br>") + "</small>";
    text_->setText(text);
}

QString SpectrumView::summary() const { return text_->text(); }
QImage SpectrumView::picture() const { return image_->image(); }

}  // namespace synthscope::ui
