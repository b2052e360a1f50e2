#pragma once
#include <QImage>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include "ui/engine_bridge.h"

namespace synthscope::ui {

// The picture File > Export Heatmap Image writes: the image at its full resolution with the heatmap over
// it as the canvas shows it (opacity 0..1, only patches at or above `threshold`), and under it a legend
// strip that says what the colours mean, the verdict and the model that drew them, so that the picture
// still explains itself when it is shown elsewhere.
QImage heatmapImage(const QImage& image, const AnalysisResult& result, double opacity, double threshold, HeatmapColours colours);

// Renders heatmapImage() and writes it (PNG, or JPEG for .jpg/.jpeg) on a pool thread of its own: a
// 12-megapixel image takes a second or two, which the window must not wait for.
class HeatmapImageExporter : public QObject {
    Q_OBJECT
public:
    explicit HeatmapImageExporter(QObject* parent = nullptr);
    ~HeatmapImageExporter() override;  // waits for an export still running
    void start(ImagePtr image, ResultPtr result, double opacity, double threshold, HeatmapColours colours, const QString& path);
    bool busy() const { return pool_.activeThreadCount() > 0; }

signals:
    void finished(const QString& path, const QString& error);  // error empty on success

private:
    QThreadPool pool_;
};

}  // namespace synthscope::ui
