#include "ui/heatmap_legend.h"

#include <QPainter>

#include "engine/heatmap.h"
#include "ui/image_conversion.h"

namespace synthscope::ui {

HeatmapLegend::HeatmapLegend(QWidget* parent) : QWidget(parent) {
    setAccessibleName(tr("Heatmap colour scale"));
    setColours(HeatmapColours::Turbo);
    setMinimumHeight(40);
    setToolTip(tr("Heatmap colours: the synthetic probability of the patches covering each pixel (View > Heatmap Colours)"));
}

void HeatmapLegend::setColours(HeatmapColours colours) {
    ramp_ = toQImage(heatmapColourRamp(colours));  // the very colours the overlay uses
    setAccessibleDescription(tr("synthetic probability: %1").arg(QString::fromStdString(heatmapColoursCaption(colours))));
    update();
}

void HeatmapLegend::setThreshold(double threshold) {
    threshold_ = threshold;
    update();
}

void HeatmapLegend::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QRect bar(4, 4, width() - 8, 14);
    p.drawImage(bar, ramp_);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawRect(bar.adjusted(0, 0, -1, -1));
    if (threshold_ > 0) {
        const int x = bar.left() + int(threshold_ * bar.width());
        p.fillRect(QRect(bar.left(), bar.top(), x - bar.left(), bar.height()), QColor(128, 128, 128, 200));
    }
    const QRect text(4, 20, width() - 8, height() - 20);
    p.drawText(text, Qt::AlignLeft | Qt::AlignTop, tr("0 authentic-looking"));
    p.drawText(text, Qt::AlignRight | Qt::AlignTop, tr("synthetic-looking 1"));
}

}  // namespace synthscope::ui
