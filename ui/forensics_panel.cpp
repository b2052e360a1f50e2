#include "ui/forensics_panel.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <qcustomplot.h>

namespace synthscope::ui {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QLabel* wrappingLabel() {
    auto* l = new QLabel;
    l->setWordWrap(true);
    l->setTextFormat(Qt::RichText);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    return l;
}

// Shows an image as large as it fits, aspect ratio kept.
class FittedImage : public QWidget {
public:
    FittedImage() {
        setMinimumSize(160, 160);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    }
    void setImage(const QImage& image) {
        image_ = image;
        update();
    }
    void clear() { setImage({}); }

protected:
    void paintEvent(QPaintEvent*) override {
        if (image_.isNull()) return;
        QPainter p(this);
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        const QSize size = image_.size().scaled(this->size(), Qt::KeepAspectRatio);
        p.drawImage(QRect(QPoint((width() - size.width()) / 2, (height() - size.height()) / 2), size), image_);
    }

private:
    QImage image_;
};

QWidget* scrolled(QWidget* inner) {
    auto* area = new QScrollArea;
    area->setWidgetResizable(true);
    area->setWidget(inner);
    return area;
}

QString findingHtml(const Finding& f) {
    const QString colour = f.severity == "strong" ? "#d83a2e" : f.severity == "notice" ? "#c98a00" : f.severity == "error" ? "#a33" : "";
    const QString text = qs(f.text).toHtmlEscaped();
    return colour.isEmpty() ? "&bull; " + text : QString("&bull; <span style='color:%1'><b>%2</b></span>").arg(colour, text);
}

// Generator names such as sd_dreamstudio_2022 may wrap after an underscore (zero-width space).
QString breakableName(const std::string& name) { return qs(name).toHtmlEscaped().replace("_", QString("_") + QChar(0x200B)); }

}  // namespace

ForensicsPanel::ForensicsPanel(QWidget* parent) : QTabWidget(parent) {
    addTab(makeSpectrumTab(), tr("Spectrum"));
    addTab(makeJpegTab(), tr("JPEG && ELA"));
    addTab(makeMetadataTab(), tr("Metadata"));
    addTab(makeFingerprintTab(), tr("Fingerprints"));
    setReport(nullptr);
}

QWidget* ForensicsPanel::makeSpectrumTab() {
    auto* w = new QWidget;
    auto* layout = new QVBoxLayout(w);
    spectrumImage_ = new FittedImage;
    spectrumImage_->setToolTip(tr("Log power spectrum of the noise residual (centre crop, zero frequency in the middle). "
                                  "Circles: cyan = peak at an up-sampling frequency, grey = JPEG 8x8 grid, white = other."));
    profile_ = new QCustomPlot;
    profile_->setMinimumHeight(150);
    profile_->addGraph();
    profile_->graph(0)->setPen(QPen(QColor(70, 130, 200), 1.5));
    profile_->xAxis->setLabel(tr("frequency (cycles/pixel)"));
    profile_->yAxis->setLabel(tr("power (dB)"));
    profile_->xAxis->setRange(0, 0.5);
    spectrumText_ = wrappingLabel();
    layout->addWidget(spectrumImage_, 3);
    layout->addWidget(profile_, 2);
    layout->addWidget(spectrumText_);
    return w;
}

QWidget* ForensicsPanel::makeJpegTab() {
    auto* w = new QWidget;
    auto* layout = new QVBoxLayout(w);
    jpegText_ = wrappingLabel();
    elaImage_ = new FittedImage;
    elaImage_->setMinimumSize(240, 240);
    elaImage_->setToolTip(tr("Error level analysis: how much each pixel changes when recompressed at quality 90, amplified"));
    layout->addWidget(jpegText_);
    layout->addWidget(new QLabel(tr("<b>Error level analysis</b> (recompressed at JPEG quality 90)")));
    layout->addWidget(elaImage_, 1);
    return scrolled(w);
}

QWidget* ForensicsPanel::makeMetadataTab() {
    auto* w = new QWidget;
    auto* layout = new QVBoxLayout(w);
    metadataText_ = wrappingLabel();
    metadataTree_ = new QTreeWidget;
    metadataTree_->setHeaderLabels({tr("Key"), tr("Value")});
    metadataTree_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    layout->addWidget(metadataText_);
    layout->addWidget(metadataTree_, 1);
    return w;
}

QWidget* ForensicsPanel::makeFingerprintTab() {
    auto* w = new QWidget;
    auto* layout = new QVBoxLayout(w);
    fingerprintText_ = wrappingLabel();
    layout->addWidget(fingerprintText_);
    auto* grid = new QGridLayout;
    grid->addWidget(new QLabel(tr("<b>image space</b>")), 0, 1, Qt::AlignHCenter);
    grid->addWidget(new QLabel(tr("<b>Fourier space</b>")), 0, 2, Qt::AlignHCenter);
    for (int row = 0; row < 4; ++row) {
        FingerprintRow r{wrappingLabel(), new FittedImage, new FittedImage};
        r.caption->setMinimumWidth(110);
        r.picture->setMinimumSize(120, 120);
        r.spectrum->setMinimumSize(120, 120);
        grid->addWidget(r.caption, row + 1, 0);
        grid->addWidget(r.picture, row + 1, 1);
        grid->addWidget(r.spectrum, row + 1, 2);
        grid->setRowStretch(row + 1, 1);
        fingerprintRows_.push_back(r);
    }
    fingerprintRows_[0].picture->setToolTip(tr("This image's noise residual (centre crop), contrast stretched"));
    fingerprintRows_[0].spectrum->setToolTip(tr("Its log-magnitude Fourier spectrum (zero frequency in the middle)"));
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(2, 1);
    layout->addLayout(grid, 1);
    return scrolled(w);
}

void ForensicsPanel::setReport(const ForensicsPtr& report) {
    if (!report) {
        static_cast<FittedImage*>(spectrumImage_)->clear();
        spectrumText_->setText(tr("Computing..."));
        profile_->graph(0)->data()->clear();
        profile_->replot();
        jpegText_->setText(tr("Computing..."));
        static_cast<FittedImage*>(elaImage_)->clear();
        metadataText_->setText(tr("Computing..."));
        metadataTree_->clear();
        clearFingerprints(tr("Computing..."));
        return;
    }
    showSpectrum(*report);
    showJpeg(*report);
    showMetadata(*report);
    showFingerprints(*report);
}

void ForensicsPanel::showSpectrum(const ForensicsReport& r) {
    if (!r.spectrumError.isEmpty()) {
        static_cast<FittedImage*>(spectrumImage_)->clear();
        spectrumText_->setText(tr("Spectrum not computed: %1").arg(r.spectrumError.toHtmlEscaped()));
        return;
    }
    const Spectrum& s = r.spectrum;
    static_cast<FittedImage*>(spectrumImage_)->setImage(r.spectrumImage);
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
    QString text = tr("Residual: %1, %2x%3 centre crop, FFT on %4.<br>").arg(qs(s.residual)).arg(s.logPower.cols).arg(s.logPower.rows).arg(qs(s.device));
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
    spectrumText_->setText(text);
}

void ForensicsPanel::showJpeg(const ForensicsReport& r) {
    const JpegAnalysis& j = r.jpeg;
    QString text;
    if (!j.isJpeg) {
        text = tr("Not a JPEG file: no compression history to read.");
    } else if (!j.readable) {
        text = tr("The JPEG structure could not be read: %1").arg(qs(j.error).toHtmlEscaped());
    } else {
        text = tr("<b>JPEG</b> %1x%2, %3, %4%5<br>Estimated quality <b>%6</b> (%7)")
                   .arg(j.width).arg(j.height).arg(qs(j.colorSpace), qs(j.subsampling), j.progressive ? tr(", progressive") : QString())
                   .arg(j.estimatedQuality)
                   .arg(j.standardTables ? tr("standard libjpeg tables") : tr("non-standard tables, mean misfit %1").arg(j.qualityFitError, 0, 'f', 2));
    }
    QStringList findings;
    for (const Finding& f : j.findings) findings << findingHtml(f);
    if (!findings.isEmpty()) text += "<br>" + findings.join("<br>");
    if (!r.elaError.isEmpty()) text += "<br>" + tr("Error level analysis not computed: %1").arg(r.elaError.toHtmlEscaped());
    else text += tr("<br>ELA: mean difference %1, 99th percentile %2 levels (display amplified %3x). "
                    "Uneven error levels can mark pasted or retouched regions; even ones say nothing either way.")
                     .arg(r.ela.mean, 0, 'f', 2).arg(r.ela.p99, 0, 'f', 1).arg(r.ela.displayScale, 0, 'f', 1);
    jpegText_->setText(text);
    static_cast<FittedImage*>(elaImage_)->setImage(r.elaImage);
}

void ForensicsPanel::showMetadata(const ForensicsReport& r) {
    const MetadataReport& m = r.metadata;
    QStringList lines;
    for (const Finding& f : m.generatorTraces) lines << findingHtml(f);
    if (m.c2paPresent())
        lines << findingHtml({"notice", tr("A C2PA manifest (Content Credentials) is present in %1; its signature is NOT verified here.")
                                            .arg(qs(m.c2pa.container)).toStdString()});
    if (m.generatorTraces.empty()) lines << tr("&bull; No generator trace in the metadata (metadata is easily stripped: this proves nothing).");
    for (const Finding& f : m.facts) lines << findingHtml(f);
    for (const Finding& f : m.problems) lines << findingHtml(f);
    metadataText_->setText(lines.join("<br>"));
    metadataTree_->clear();
    auto addGroup = [this](const QString& name, const std::vector<MetadataEntry>& entries) {
        if (entries.empty()) return;
        auto* group = new QTreeWidgetItem(metadataTree_, {QString("%1 (%2)").arg(name).arg(entries.size())});
        for (const MetadataEntry& e : entries) new QTreeWidgetItem(group, {qs(e.key), qs(e.value).left(500)});
    };
    addGroup("EXIF", m.exif);
    addGroup("XMP", m.xmp);
    addGroup("IPTC", m.iptc);
    addGroup(tr("PNG text"), m.pngText);
    metadataTree_->expandAll();
}

void ForensicsPanel::clearFingerprints(const QString& text) {
    fingerprintText_->setText(text);
    for (const FingerprintRow& r : fingerprintRows_) {
        r.caption->clear();
        static_cast<FittedImage*>(r.picture)->clear();
        static_cast<FittedImage*>(r.spectrum)->clear();
    }
}

void ForensicsPanel::showFingerprints(const ForensicsReport& r) {
    if (!r.fingerprintError.isEmpty()) {
        clearFingerprints(tr("Not compared with generator fingerprints: %1").arg(r.fingerprintError.toHtmlEscaped()));
        return;
    }
    clearFingerprints({});
    const FingerprintAttribution& a = r.fingerprints;
    QString text;
    if (!a.generator.empty())
        text = tr("Closest fingerprint: <b>%1</b>, and the image's residual correlates nearer to that generator's images than to real "
                  "photos.").arg(qs(a.generator).toHtmlEscaped());
    else
        text = tr("No fingerprint matches: the image's residual correlates nearer to real photos than to any generator's images.");
    text += tr("<br><small>Library: %1 (%2 fingerprints); %3 crop(s) compared%4. A match is a hint to check, not proof: "
               "re-encoding and resizing weaken it.</small>")
                .arg(r.fingerprintFolder.toHtmlEscaped()).arg(a.ranking.size()).arg(a.crops)
                .arg(a.partial ? tr(", image smaller than the fingerprints: partial comparison") : QString());
    fingerprintText_->setText(text);
    fingerprintRows_[0].caption->setText(tr("<b>this image</b><br><small>residual</small>"));
    static_cast<FittedImage*>(fingerprintRows_[0].picture)->setImage(r.residualImage);
    static_cast<FittedImage*>(fingerprintRows_[0].spectrum)->setImage(r.residualSpectrum);
    for (std::size_t i = 0; i < r.closestFingerprints.size() && i + 1 < fingerprintRows_.size(); ++i) {
        const FingerprintView& v = r.closestFingerprints[i];
        const FingerprintRow& row = fingerprintRows_[i + 1];
        // score: 0 at the fingerprint's real centre, 1 at its fake centre.
        row.caption->setText(tr("%1. <b>%2</b><br><small>score %3%4<br>correlation %5</small>")
                                 .arg(i + 1).arg(breakableName(v.match.generator))
                                 .arg(v.match.score, 0, 'f', 2)
                                 .arg(v.match.nearerFake ? tr(" (match)") : QString())
                                 .arg(v.match.correlation, 0, 'f', 4));
        row.caption->setToolTip(tr("score: 0 = where real photos correlate, 1 = where this generator's images correlate"));
        static_cast<FittedImage*>(row.picture)->setImage(v.pattern);
        static_cast<FittedImage*>(row.spectrum)->setImage(v.spectrum);
    }
}

QString ForensicsPanel::fingerprintSummary() const { return fingerprintText_->text(); }

QString ForensicsPanel::spectrumSummary() const { return spectrumText_->text(); }
QString ForensicsPanel::jpegSummary() const { return jpegText_->text(); }
QString ForensicsPanel::metadataSummary() const { return metadataText_->text(); }

}  // namespace synthscope::ui
