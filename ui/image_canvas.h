#pragma once
#include <QColor>
#include <QImage>
#include <QWidget>

#include <vector>

#include "ui/engine_bridge.h"

namespace synthscope::ui {

// A region of the picture that was analysed alone, drawn over the whole picture with its verdict.
struct RegionMark {
    QRect rect;     // image pixels
    QString label;  // e.g. "Likely AI-generated (synthetic 97%)"
    QColor colour;
    bool control = false;  // a control part of a region (region_controls.h): drawn dashed
    bool operator==(const RegionMark& o) const {
        return rect == o.rect && label == o.label && colour == o.colour && control == o.control;
    }
};

// The picture under investigation with the per-patch heatmap over it: smooth zoom (wheel, around the
// cursor) and pan (drag), fit and 1:1, overlay opacity and threshold, the patch grid on demand, and the
// patch under the mouse reported for the side panel. Shift+drag selects a region (in image pixels) for
// Analysis > Analyse Selected Region; Shift+click clears it. With the keyboard focus, the arrow keys step
// from patch to patch (the first of the patches that decide the verdict first), reported as the mouse's
// are, so that the patches can be read without a mouse.
class ImageCanvas : public QWidget {
    Q_OBJECT
public:
    explicit ImageCanvas(QWidget* parent = nullptr);

    void setImage(const DisplayImage& image);  // fits it to the window
    // The classified patches so far and their heatmap rendered at heatmapDisplayScale().
    void setResult(ResultPtr result, HeatmapPtr heatmap);  // a heatmap in other colours is drawn again in the canvas's
    void setHeatmapColours(HeatmapColours colours);
    ResultPtr result() const { return result_; }
    bool hasImage() const { return !image_.full.isNull(); }
    void setEmptyText(const QString& text);  // shown while there is no image (the file could not be read, say)
    QSize imageSize() const { return image_.full.size(); }

    void setOverlayOpacity(double opacity);
    void setThreshold(double threshold);
    void setShowGrid(bool show);
    void fitToWindow();
    void actualSize();
    void zoomBy(double factor);
    double zoom() const { return zoom_; }
    // The selected region in image pixels, inside the image; empty when none.
    QRect selection() const { return selection_; }
    void setSelection(const QRect& imageRect);  // clipped to the image; an empty rect clears it
    // The regions of this picture analysed in tabs of their own, outlined with their verdicts, and their
    // control parts.
    void setRegionMarks(const std::vector<RegionMark>& marks);
    const std::vector<RegionMark>& regionMarks() const { return marks_; }

signals:
    void patchHovered(int index);  // -1 when the mouse is over no classified patch
    void zoomChanged(double zoom);
    void selectionChanged(QRect imageRect);  // after a Shift+drag ends, or when cleared (empty)

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void zoomAround(double factor, QPointF anchor);
    void rebuildOverlay();
    void updateAccessibleDescription();  // the verdict and what the heatmap's colours mean
    int patchAt(QPointF imagePoint) const;
    // The classified patch next to `from` in the arrow key's direction (nearest along it, then across it);
    // from -1: the first patch that decides the verdict. -1 when there is none.
    int neighbourPatch(int from, int key) const;
    void showPatch(int index);  // reported and outlined, and scrolled into view
    QPointF toImage(QPointF widgetPoint) const { return (widgetPoint - offset_) / zoom_; }
    QRectF toWidget(const QRectF& imageRect) const;
    QRect selectionBetween(QPointF a, QPointF b) const;  // image pixels, clipped to the image
    void paintSelection(QPainter& p) const;
    void paintRegionMarks(QPainter& p) const;

    DisplayImage image_;
    QString emptyText_;
    QImage overlay_;
    QImage scaledCache_;  // the preview scaled to the current zoom, so repaints do not rescale it
    ResultPtr result_;
    HeatmapPtr heatmap_;
    HeatmapColours colours_ = HeatmapColours::Turbo;
    double opacity_ = 0.45, threshold_ = 0.0;
    bool showGrid_ = false, fit_ = true, dragging_ = false, selecting_ = false;
    QPointF selectionStart_;  // image pixels, while selecting_
    QRect selection_;
    std::vector<RegionMark> marks_;
    double zoom_ = 1.0;
    QPointF offset_;
    QPoint lastMouse_;
    int hovered_ = -1;
};

}  // namespace synthscope::ui
