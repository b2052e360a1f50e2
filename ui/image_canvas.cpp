#include "ui/image_canvas.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "report/verdict_words.h"
#include "ui/image_conversion.h"

namespace synthscope::ui {
namespace {
// "Patch at (192, 0): synthetic 87.5%": the tooltip's and the screen reader's words for a patch.
QString patchWords(const PatchResult& patch) {
    return ImageCanvas::tr("Patch at (%1, %2): synthetic %3%").arg(patch.rect.x).arg(patch.rect.y).arg(patch.synthetic * 100, 0, 'f', 1);
}
}  // namespace

ImageCanvas::ImageCanvas(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(320, 240);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setAccessibleName(tr("Image and heatmap"));
}

void ImageCanvas::setImage(const DisplayImage& image) {
    image_ = image;
    scaledCache_ = QImage();
    result_.reset();
    heatmap_.reset();
    overlay_ = QImage();
    updateAccessibleDescription();
    if (!selection_.isEmpty() && !QRect(QPoint(0, 0), imageSize()).contains(selection_)) setSelection({});
    fitToWindow();
}

void ImageCanvas::setResult(ResultPtr result, HeatmapPtr heatmap) {
    result_ = std::move(result);
    // Drawn on the engine thread in the colours chosen when the job ran; a change since is caught up here.
    heatmap_ = heatmap && heatmap->colours != colours_ ? heatmap->recoloured(colours_) : std::move(heatmap);
    rebuildOverlay();
    updateAccessibleDescription();
    update();
}

void ImageCanvas::updateAccessibleDescription() {
    // What a sighted user reads off the picture at a glance, for a screen reader.
    if (!result_ || !result_->verdict.ready) {
        setAccessibleDescription(hasImage() ? tr("Not analysed yet") : QString());
        return;
    }
    const Verdict& v = result_->verdict;
    QString said = tr("%1, synthetic probability %2%. The heatmap colours each part of the picture by how synthetic its "
                      "patches look (%3).")
                       .arg(report::verdictWords(v.label).words)
                       .arg(qRound(v.syntheticProbability * 100))
                       .arg(QString::fromStdString(heatmapColoursCaption(colours_)));
    if (hovered_ >= 0 && std::size_t(hovered_) < result_->patches.size()) {
        const PatchResult& patch = result_->patches[std::size_t(hovered_)];
        said += " " + patchWords(patch) + (patch.inTopK ? tr(", one of those that decide the verdict") : QString()) + ".";
    }
    setAccessibleDescription(said);
}

void ImageCanvas::setHeatmapColours(HeatmapColours colours) {
    colours_ = colours;
    updateAccessibleDescription();
    if (!heatmap_ || heatmap_->colours == colours) return;
    heatmap_ = heatmap_->recoloured(colours);
    rebuildOverlay();
    update();
}

void ImageCanvas::rebuildOverlay() {
    overlay_ = heatmap_ ? thresholdOverlay(heatmap_->overlay, heatmap_->heat, threshold_) : QImage();
}

void ImageCanvas::setOverlayOpacity(double opacity) {
    opacity_ = std::clamp(opacity, 0.0, 1.0);
    update();
}

void ImageCanvas::setThreshold(double threshold) {
    threshold_ = std::clamp(threshold, 0.0, 1.0);
    rebuildOverlay();
    update();
}

void ImageCanvas::setShowGrid(bool show) {
    showGrid_ = show;
    update();
}

void ImageCanvas::fitToWindow() {
    fit_ = true;
    if (!hasImage()) return;
    const QSize size = imageSize();
    zoom_ = std::min(double(width()) / size.width(), double(height()) / size.height());
    offset_ = QPointF((width() - size.width() * zoom_) / 2, (height() - size.height() * zoom_) / 2);
    emit zoomChanged(zoom_);
    update();
}

void ImageCanvas::actualSize() {
    fit_ = false;
    zoomAround(1.0 / zoom_, QPointF(width() / 2.0, height() / 2.0));
}

void ImageCanvas::zoomBy(double factor) { zoomAround(factor, QPointF(width() / 2.0, height() / 2.0)); }

void ImageCanvas::zoomAround(double factor, QPointF anchor) {
    if (!hasImage()) return;
    const double newZoom = std::clamp(zoom_ * factor, 0.02, 32.0);
    const QPointF imagePoint = toImage(anchor);
    zoom_ = newZoom;
    offset_ = anchor - imagePoint * zoom_;
    fit_ = false;
    emit zoomChanged(zoom_);
    update();
}

QRectF ImageCanvas::toWidget(const QRectF& r) const {
    return QRectF(offset_ + r.topLeft() * zoom_, r.size() * zoom_);
}

int ImageCanvas::patchAt(QPointF p) const {
    if (!result_) return -1;
    int best = -1;
    double bestDistance = 1e300;
    for (std::size_t i = 0; i < result_->patches.size(); ++i) {
        const PatchResult& patch = result_->patches[i];
        const QRectF r(patch.rect.x, patch.rect.y, patch.rect.width, patch.rect.height);
        if (!patch.classified() || !r.contains(p)) continue;
        const double d = std::hypot(r.center().x() - p.x(), r.center().y() - p.y());  // overlaps: nearest centre
        if (d < bestDistance) {
            bestDistance = d;
            best = int(i);
        }
    }
    return best;
}

QRect ImageCanvas::selectionBetween(QPointF a, QPointF b) const {
    const QRectF r = QRectF(a, b).normalized();
    const QRect pixels(QPoint(int(std::floor(r.left())), int(std::floor(r.top()))),
                       QPoint(int(std::ceil(r.right())) - 1, int(std::ceil(r.bottom())) - 1));
    return pixels.intersected(QRect(QPoint(0, 0), imageSize()));
}

void ImageCanvas::setSelection(const QRect& imageRect) {
    const QRect clipped = imageRect.intersected(QRect(QPoint(0, 0), imageSize()));
    if (clipped == selection_) return;
    selection_ = clipped;
    update();
    emit selectionChanged(selection_);
}

void ImageCanvas::setRegionMarks(const std::vector<RegionMark>& marks) {
    if (marks == marks_) return;
    marks_ = marks;
    update();
}

// Each analysed region outlined in its verdict's colour, its verdict written on it; its control parts
// dashed, so that the region stays the first thing seen.
void ImageCanvas::paintRegionMarks(QPainter& p) const {
    p.setOpacity(1.0);
    p.setBrush(Qt::NoBrush);
    for (const RegionMark& m : marks_) {
        const QRectF r = toWidget(QRectF(m.rect)).adjusted(1, 1, -1, -1);
        if (m.control) {  // dashed over a dark line, so that it shows over any heatmap colour
            p.setPen(QPen(QColor(0, 0, 0, 170), 3.0));
            p.drawRect(r);
            p.setPen(QPen(m.colour, 2.0, Qt::DashLine));
        } else {
            p.setPen(QPen(m.colour, 2.0));
        }
        p.drawRect(r);
        // At the rectangle's foot, wrapped to its width (but never narrower than a short phrase), so that a
        // long label does not run off the picture.
        const int wrapAt = std::max(int(r.width()) - 8, 140);
        const QSizeF text = p.fontMetrics().boundingRect(QRect(0, 0, wrapAt, 1000), Qt::TextWordWrap, m.label).size();
        const QRectF label(r.bottomLeft() + QPointF(1, -text.height() - 3), text + QSizeF(8, 3));
        p.fillRect(label, m.colour);
        p.setPen(Qt::white);
        p.drawText(label, Qt::AlignCenter | Qt::TextWordWrap, m.label);
    }
}

// Dashed white over black so it shows on any picture, with its size in image pixels.
void ImageCanvas::paintSelection(QPainter& p) const {
    if (selection_.isEmpty()) return;
    const QRectF r = toWidget(QRectF(selection_)).adjusted(0.5, 0.5, -0.5, -0.5);
    p.setOpacity(1.0);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(Qt::black, 1.0));
    p.drawRect(r);
    QPen dashes(Qt::white, 1.0, Qt::DashLine);
    p.setPen(dashes);
    p.drawRect(r);
    const QString size = QString("%1 x %2").arg(selection_.width()).arg(selection_.height());
    const QRectF label = QRectF(r.topLeft() + QPointF(2, 2), p.fontMetrics().size(0, size) + QSizeF(8, 4));
    p.fillRect(label, QColor(0, 0, 0, 160));
    p.setPen(Qt::white);
    p.drawText(label, Qt::AlignCenter, size);
}

void ImageCanvas::setEmptyText(const QString& text) {
    emptyText_ = text;
    update();
}

void ImageCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Dark));
    if (!hasImage()) {
        p.setPen(palette().color(QPalette::BrightText));
        p.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                   emptyText_.isEmpty() ? tr("Open an image (Ctrl+O) or drop one here") : emptyText_);
        return;
    }
    const QRectF target = toWidget(QRectF(QPointF(0, 0), QSizeF(imageSize())));
    p.setRenderHint(QPainter::SmoothPixmapTransform, zoom_ < 2.0);  // nearest-neighbour when peeping at pixels
    const bool usePreview = !image_.preview.isNull() && target.width() <= image_.preview.width();
    if (usePreview) {
        const QSize size = target.size().toSize();
        if (scaledCache_.size() != size) scaledCache_ = image_.preview.scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        p.drawImage(target.topLeft(), scaledCache_);
    } else {
        // Draw only the visible part: scaling a whole 100-megapixel image per frame would stall.
        const QRectF visible = target.intersected(QRectF(rect()));
        const QRectF source((visible.topLeft() - offset_) / zoom_, visible.size() / zoom_);
        p.drawImage(visible, image_.full, source);
    }
    if (!overlay_.isNull() && opacity_ > 0) {
        p.setOpacity(opacity_);
        p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // patches have hard edges
        p.drawImage(target, overlay_);
        p.setOpacity(1.0);
    }
    if (result_ && (showGrid_ || hovered_ >= 0)) {
        for (std::size_t i = 0; i < result_->patches.size(); ++i) {
            const PatchResult& patch = result_->patches[i];
            const bool hovered = int(i) == hovered_;
            if (!showGrid_ && !hovered) continue;
            const QRectF r = toWidget(QRectF(patch.rect.x, patch.rect.y, patch.rect.width, patch.rect.height));
            QPen pen(hovered ? QColor(255, 255, 255) : patch.inTopK ? QColor(255, 215, 0) : QColor(255, 255, 255, 110));
            pen.setWidthF(hovered || patch.inTopK ? 2.0 : 1.0);
            p.setPen(pen);
            p.setBrush(Qt::NoBrush);
            p.drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5));
        }
    }
    paintRegionMarks(p);
    paintSelection(p);
}

void ImageCanvas::resizeEvent(QResizeEvent*) {
    if (fit_) fitToWindow();
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    zoomAround(std::pow(1.15, steps), event->position());
    event->accept();
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier) && hasImage()) {
        selecting_ = true;
        selectionStart_ = toImage(event->position());
        setCursor(Qt::CrossCursor);
        return;
    }
    if (event->button() == Qt::LeftButton) {
        dragging_ = true;
        lastMouse_ = event->pos();
        setCursor(Qt::ClosedHandCursor);
    }
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
    if (selecting_) {
        selection_ = selectionBetween(selectionStart_, toImage(event->position()));
        update();
        return;
    }
    if (dragging_) {
        offset_ += event->pos() - lastMouse_;
        lastMouse_ = event->pos();
        fit_ = false;
        update();
        return;
    }
    const int patch = patchAt(toImage(event->position()));
    if (patch != hovered_) {
        hovered_ = patch;
        emit patchHovered(patch);
        update();
    }
    if (patch >= 0) {
        const PatchResult& pr = result_->patches[std::size_t(patch)];
        QToolTip::showText(event->globalPosition().toPoint(),
                           patchWords(pr) + (pr.inTopK ? tr("  (decides the verdict)") : QString()),
                           this);
    }
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (selecting_) {
        selecting_ = false;
        const QRect r = selectionBetween(selectionStart_, toImage(event->position()));
        selection_ = r.width() > 1 && r.height() > 1 ? r : QRect();  // a click without a drag clears it
        update();
        emit selectionChanged(selection_);
    }
    dragging_ = false;
    unsetCursor();
}

void ImageCanvas::mouseDoubleClickEvent(QMouseEvent*) {
    if (fit_) actualSize();
    else fitToWindow();
}

int ImageCanvas::neighbourPatch(int from, int key) const {
    if (!result_) return -1;
    const std::vector<PatchResult>& patches = result_->patches;
    auto centre = [&](std::size_t i) { return QPointF(patches[i].rect.x + patches[i].rect.width / 2.0, patches[i].rect.y + patches[i].rect.height / 2.0); };
    if (from < 0 || std::size_t(from) >= patches.size()) {
        int first = -1;
        for (std::size_t i = 0; i < patches.size(); ++i) {
            if (!patches[i].classified()) continue;
            if (patches[i].inTopK) return int(i);
            if (first < 0) first = int(i);
        }
        return first;
    }
    const QPointF origin = centre(std::size_t(from));
    int best = -1;
    double bestScore = 1e300;
    for (std::size_t i = 0; i < patches.size(); ++i) {
        if (int(i) == from || !patches[i].classified()) continue;
        const QPointF d = centre(i) - origin;
        const double along = key == Qt::Key_Right ? d.x() : key == Qt::Key_Left ? -d.x() : key == Qt::Key_Down ? d.y() : -d.y();
        const double across = key == Qt::Key_Right || key == Qt::Key_Left ? std::abs(d.y()) : std::abs(d.x());
        if (along <= 0) continue;
        const double score = along + 2 * across;  // the next one in the same row or column before a diagonal one
        if (score < bestScore) {
            bestScore = score;
            best = int(i);
        }
    }
    return best;
}

void ImageCanvas::showPatch(int index) {
    hovered_ = index;
    emit patchHovered(index);
    const PatchResult& patch = result_->patches[std::size_t(index)];
    const QRectF r = toWidget(QRectF(patch.rect.x, patch.rect.y, patch.rect.width, patch.rect.height));
    if (!QRectF(rect()).contains(r)) {  // zoomed in: bring it to the middle
        offset_ += QPointF(rect().center()) - r.center();
        fit_ = false;
    }
    updateAccessibleDescription();
    update();
}

void ImageCanvas::keyPressEvent(QKeyEvent* event) {
    const int key = event->key();
    const bool arrow = key == Qt::Key_Left || key == Qt::Key_Right || key == Qt::Key_Up || key == Qt::Key_Down;
    if (!arrow || (event->modifiers() & ~Qt::KeypadModifier) != Qt::NoModifier || !result_) {  // the keypad's arrows too
        QWidget::keyPressEvent(event);
        return;
    }
    const int next = neighbourPatch(hovered_, key);
    if (next >= 0) showPatch(next);
    event->accept();
}

void ImageCanvas::leaveEvent(QEvent*) {
    if (hovered_ != -1) {
        hovered_ = -1;
        emit patchHovered(-1);
        update();
    }
}

}  // namespace synthscope::ui
