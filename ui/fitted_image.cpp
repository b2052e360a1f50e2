#include "ui/fitted_image.h"

#include <QEvent>
#include <QPainter>

namespace synthscope::ui {

FittedImage::FittedImage(QWidget* parent) : QWidget(parent) {
    setMinimumSize(160, 160);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void FittedImage::setImage(const QImage& image) {
    image_ = image;
    update();
}

bool FittedImage::event(QEvent* e) {
    if (e->type() == QEvent::ToolTipChange) setAccessibleName(toolTip());
    return QWidget::event(e);
}

void FittedImage::paintEvent(QPaintEvent*) {
    if (image_.isNull()) return;
    QPainter p(this);
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    const QSize size = image_.size().scaled(this->size(), Qt::KeepAspectRatio);
    p.drawImage(QRect(QPoint((width() - size.width()) / 2, (height() - size.height()) / 2), size), image_);
}

}  // namespace synthscope::ui
