#include "ui/heatmap_image_export.h"

#include <algorithm>

#include <QFileInfo>
#include <QFontMetrics>
#include <QPainter>
#include <QSaveFile>

#include "engine/heatmap.h"
#include "engine/thread_priority.h"
#include "report/verdict_words.h"
#include "ui/image_conversion.h"

namespace synthscope::ui {
namespace {

constexpr int kMinWidth = 256;  // narrower images get white space on their right, so the legend fits

QString caption(const AnalysisResult& r, HeatmapColours colours) {
    return QString("SynthScope heatmap, model %1 %2: %3 (synthetic probability %4%). %5: patches that look "
                   "synthetic to the model. Evidence, not proof.")
        .arg(QString::fromStdString(r.provenance.modelName), QString::fromStdString(r.provenance.modelVersion),
             report::verdictWords(r.verdict.label).words)
        .arg(qRound(r.verdict.syntheticProbability * 100))
        .arg(colours == HeatmapColours::Cividis ? "Light yellow" : "Warm colours");
}

// The legend under the picture, laid out for a width: the colour bar, its two ends named under it, then the
// caption wrapped. Sizes follow the width so that the text stays legible when the picture is shown small.
struct Legend {
    QFont font;
    int pad = 0, bar = 0, labels = 0, captionHeight = 0;
    int height() const { return pad + bar + labels + pad / 2 + captionHeight + pad; }
};

Legend layoutLegend(int width, const QString& text) {
    Legend l;
    l.font.setPixelSize(std::clamp(width / 60, 11, 96));  // legible when the picture is shown at screen size
    const QFontMetrics metrics(l.font);
    l.pad = metrics.height() / 2;
    l.bar = metrics.height();
    l.labels = metrics.height() * 5 / 4;
    l.captionHeight = metrics.boundingRect(QRect(0, 0, width - 2 * l.pad, 100000), Qt::TextWordWrap, text).height();
    return l;
}

void drawLegend(QPainter& p, const QRect& strip, const Legend& l, const QString& text, HeatmapColours colours) {
    p.fillRect(strip, Qt::white);
    p.setFont(l.font);
    p.setPen(Qt::black);
    const int inner = strip.width() - 2 * l.pad;
    const QRect bar(strip.left() + l.pad, strip.top() + l.pad, std::min(inner, std::max(inner / 2, 240)), l.bar);
    p.drawImage(bar, toQImage(heatmapColourRamp(colours)));
    const QRect labels(bar.left(), bar.bottom() + 1, bar.width(), l.labels);
    p.drawText(labels, Qt::AlignLeft | Qt::AlignVCenter, "0 authentic-looking");
    p.drawText(labels, Qt::AlignRight | Qt::AlignVCenter, "synthetic-looking 1");
    p.drawText(QRect(strip.left() + l.pad, labels.bottom() + l.pad / 2, inner, l.captionHeight), Qt::TextWordWrap, text);
}

}  // namespace

QImage heatmapImage(const QImage& image, const AnalysisResult& result, double opacity, double threshold, HeatmapColours colours) {
    const int width = std::max(image.width(), kMinWidth);
    const QString text = caption(result, colours);
    const Legend legend = layoutLegend(width, text);
    QImage out(width, image.height() + legend.height(), QImage::Format_RGB32);
    out.fill(Qt::white);
    QPainter p(&out);
    p.drawImage(0, 0, image);
    const cv::Mat heat = renderHeatmap(result);
    if (heat.cols == image.width() && heat.rows == image.height()) {
        p.setOpacity(opacity);
        p.drawImage(0, 0, heatmapOverlay(heat, threshold, colours));
        p.setOpacity(1);
    }
    drawLegend(p, QRect(0, image.height(), width, legend.height()), legend, text, colours);
    return out;
}

HeatmapImageExporter::HeatmapImageExporter(QObject* parent) : QObject(parent) { pool_.setMaxThreadCount(1); }

HeatmapImageExporter::~HeatmapImageExporter() { pool_.waitForDone(); }

void HeatmapImageExporter::start(ImagePtr image, ResultPtr result, double opacity, double threshold, HeatmapColours colours,
                                 const QString& path) {
    pool_.start([this, image, result, opacity, threshold, colours, path] {
        lowerCurrentThreadPriority();  // below the GUI thread (thread_priority.h)
        QString error;
        try {
            const QImage picture = heatmapImage(toQImage(image->rgb), *result, opacity, threshold, colours);
            const QString suffix = QFileInfo(path).suffix().toLower();
            const char* format = suffix == "jpg" || suffix == "jpeg" ? "JPEG" : "PNG";
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly)) error = file.errorString();
            else if (!picture.save(&file, format, format[0] == 'J' ? 95 : -1)) error = tr("the picture could not be encoded");
            else if (!file.commit()) error = file.errorString();
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());  // out of memory for a huge image, mostly
        }
        QMetaObject::invokeMethod(this, [this, path, error] { emit finished(path, error); }, Qt::QueuedConnection);
    });
}

}  // namespace synthscope::ui
