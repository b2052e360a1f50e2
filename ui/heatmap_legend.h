#pragma once
#include <QWidget>

#include "engine/heatmap.h"

namespace synthscope::ui {

// The colour scale of the heatmap, from authentic-looking (0) to synthetic-looking (1), with a marker
// at the current display threshold.
class HeatmapLegend : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapLegend(QWidget* parent = nullptr);
    void setThreshold(double threshold);
    void setColours(HeatmapColours colours);
    QSize sizeHint() const override { return {260, 46}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage ramp_;
    double threshold_ = 0;
};

}  // namespace synthscope::ui
