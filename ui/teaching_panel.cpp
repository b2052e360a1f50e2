#include "ui/teaching_panel.h"

#include <QCheckBox>
#include <QLabel>
#include <QSlider>
#include <QTimer>
#include <QVBoxLayout>

namespace synthscope::ui {

TeachingPanel::TeachingPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    enabled_ = new QCheckBox(tr("Re-encode the image as JPEG"));
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setRange(10, 100);
    slider_->setValue(65);
    slider_->setEnabled(false);
    label_ = new QLabel(tr("Showing the original file"));
    label_->setWordWrap(true);
    auto* help = new QLabel(tr("<small>Detectors are known to change their minds when a picture is recompressed, as "
                               "happens on every upload. Move the slider and watch the verdict and the heatmap.</small>"));
    help->setWordWrap(true);
    layout->addWidget(enabled_);
    layout->addWidget(slider_);
    layout->addWidget(label_);
    layout->addWidget(help);
    layout->addStretch(1);
    // Wait until the slider rests, so that dragging does not queue one analysis per step.
    settle_ = new QTimer(this);
    settle_->setSingleShot(true);
    settle_->setInterval(350);
    connect(settle_, &QTimer::timeout, this, [this] { emit qualityChosen(quality()); });
    connect(slider_, &QSlider::valueChanged, this, [this](int q) {
        label_->setText(tr("Showing the image re-encoded at JPEG quality %1").arg(q));
        settle_->start();
    });
    connect(enabled_, &QCheckBox::toggled, this, [this](bool on) {
        slider_->setEnabled(on);
        label_->setText(on ? tr("Showing the image re-encoded at JPEG quality %1").arg(slider_->value()) : tr("Showing the original file"));
        settle_->start();
    });
}

int TeachingPanel::quality() const { return enabled_->isChecked() ? slider_->value() : 0; }

void TeachingPanel::setQuality(int q) {
    if (q <= 0) {
        enabled_->setChecked(false);
    } else {
        enabled_->setChecked(true);
        slider_->setValue(q);
    }
    settle_->stop();
    emit qualityChosen(quality());
}

}  // namespace synthscope::ui
