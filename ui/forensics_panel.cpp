#include "ui/forensics_panel.h"

#include <QAction>
#include <QClipboard>
#include <QGridLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QStyledItemDelegate>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/fitted_image.h"
#include "ui/spectrum_view.h"

namespace synthscope::ui {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// Values are cut on the right ("JPEG, 2560 x 1920 px, ..."), keys on the left (the view's mode).
class ElideRightDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        option->textElideMode = Qt::ElideRight;
    }
};

QLabel* wrappingLabel() {
    auto* l = new QLabel;
    l->setWordWrap(true);
    l->setTextFormat(Qt::RichText);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    return l;
}

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
    spectrum_ = new SpectrumView;
    auto* w = new QWidget;
    auto* layout = new QVBoxLayout(w);
    layout->addWidget(spectrum_);
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
    // The EXIF thumbnail beside a caption, so the comparison above can be checked by eye.
    thumbnailRow_ = new QWidget;
    auto* row = new QHBoxLayout(thumbnailRow_);
    row->setContentsMargins(0, 0, 0, 0);
    thumbnail_ = new FittedImage;
    thumbnail_->setFixedSize(160, 120);
    thumbnail_->setToolTip(tr("The EXIF thumbnail, turned as the image is"));
    auto* caption = wrappingLabel();
    caption->setText(tr("<b>EXIF thumbnail</b>: the preview written into the file by the camera or an editor. "
                        "It should show the same picture as the image; the finding above says how well it does."));
    row->addWidget(thumbnail_);
    row->addWidget(caption, 1);
    thumbnailRow_->hide();
    metadataTree_ = new QTreeWidget;
    metadataTree_->setHeaderLabels({tr("Key"), tr("Value")});
    // Keys and values share the width, so values stay readable in a narrow dock. A key is shown without
    // its family (the group above names it) and, when still too long, cut on the left so that the tag's
    // name stays; a value is cut on the right; each row's tooltip has the full key and value.
    metadataTree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    metadataTree_->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    metadataTree_->setTextElideMode(Qt::ElideLeft);
    metadataTree_->setItemDelegateForColumn(1, new ElideRightDelegate(metadataTree_));
    // Hashes, dates and tags are copied into case notes: Ctrl+C or the context menu copies the selected rows
    // (a group: all its rows) as "key<TAB>value" lines, the full key and value, not the elided text.
    metadataTree_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    metadataTree_->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* copy = new QAction(tr("Copy"), metadataTree_);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, [this] {
        if (const QString text = selectedMetadataText(); !text.isEmpty()) QGuiApplication::clipboard()->setText(text);  // nothing selected: the clipboard stays
    });
    metadataTree_->addAction(copy);
    layout->addWidget(metadataText_);
    layout->addWidget(thumbnailRow_);
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
    // Only the closest three are shown here: the whole library, and the choice of another, are one click away.
    auto* gallery = new QPushButton(tr("All Fingerprints, or Another Library..."));
    gallery->setToolTip(tr("Analysis > Generator Fingerprints: every fingerprint of the library in use, and Use for Comparisons "
                           "to compare images with another library"));
    connect(gallery, &QPushButton::clicked, this, &ForensicsPanel::fingerprintGalleryRequested);
    layout->addWidget(gallery, 0, Qt::AlignLeft);
    return scrolled(w);
}

void ForensicsPanel::setReport(const ForensicsPtr& report) {
    if (!report) {
        setUnavailable(tr("Computing..."));
        return;
    }
    showSpectrum(*report);
    showJpeg(*report);
    showMetadata(*report);
    showFingerprints(*report);
}

void ForensicsPanel::setUnavailable(const QString& why) {
    spectrum_->showMessage(why.toHtmlEscaped());
    jpegText_->setText(why.toHtmlEscaped());
    elaImage_->clear();
    metadataText_->setText(why.toHtmlEscaped());
    thumbnail_->clear();
    thumbnailRow_->hide();
    metadataTree_->clear();
    clearFingerprints(why.toHtmlEscaped());
}

void ForensicsPanel::showSpectrum(const ForensicsReport& r) {
    if (!r.spectrumError.isEmpty()) spectrum_->showMessage(tr("Spectrum not computed: %1").arg(r.spectrumError.toHtmlEscaped()));
    else spectrum_->setSpectrum(r.spectrum, r.spectrumImage);
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
    elaImage_->setImage(r.elaImage);
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
    thumbnail_->setImage(r.thumbnailImage);
    thumbnailRow_->setVisible(!r.thumbnailImage.isNull());
    metadataTree_->clear();
    auto addGroup = [this](const QString& name, const std::vector<MetadataEntry>& entries, const QString& family) {
        if (entries.empty()) return;
        auto* group = new QTreeWidgetItem(metadataTree_, {QString("%1 (%2)").arg(name).arg(entries.size())});
        for (const MetadataEntry& e : entries) {
            QString key = qs(e.key);
            if (!family.isEmpty() && key.startsWith(family + ".")) key = key.mid(family.size() + 1);  // "Exif.Image.Make" -> "Image.Make"
            auto* item = new QTreeWidgetItem(group, {key, qs(e.value).left(500)});
            item->setData(0, Qt::UserRole, qs(e.key));
            item->setData(1, Qt::UserRole, qs(e.value));
            item->setToolTip(0, qs(e.key));
            item->setToolTip(1, qs(e.value).left(2000).toHtmlEscaped());
        }
    };
    addGroup(tr("File"), r.file, {});
    addGroup("EXIF", m.exif, "Exif");
    addGroup("XMP", m.xmp, "Xmp");
    addGroup("IPTC", m.iptc, "Iptc");
    addGroup(tr("PNG text"), m.pngText, {});
    metadataTree_->expandAll();
}

void ForensicsPanel::clearFingerprints(const QString& text) {
    fingerprintText_->setText(text);
    for (const FingerprintRow& r : fingerprintRows_) {
        r.caption->clear();
        r.picture->clear();
        r.spectrum->clear();
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
    text += tr("<br><small>Library: %1 (%2 fingerprints); %3 crop(s) compared, %4 residual%5. A match is a hint to check, "
               "not proof: re-encoding and resizing weaken it.%6</small>")
                .arg(r.fingerprintFolder.toHtmlEscaped()).arg(a.ranking.size()).arg(a.crops)
                .arg(a.ranking.empty() ? QString() : qs(a.ranking.front().residual).toHtmlEscaped())
                .arg(a.partial ? tr(", image smaller than the fingerprints: partial comparison") : QString())
                .arg(r.fingerprintNote.isEmpty() ? QString() : "<br>" + tr("Note: %1").arg(r.fingerprintNote.toHtmlEscaped()));
    fingerprintText_->setText(text);
    fingerprintRows_[0].caption->setText(tr("<b>this image</b><br><small>residual</small>"));
    fingerprintRows_[0].picture->setImage(r.residualImage);
    fingerprintRows_[0].spectrum->setImage(r.residualSpectrum);
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
        row.picture->setImage(v.pattern);
        row.spectrum->setImage(v.spectrum);
    }
}

QString ForensicsPanel::fingerprintSummary() const { return fingerprintText_->text(); }

QString ForensicsPanel::spectrumSummary() const { return spectrum_->summary(); }
QString ForensicsPanel::jpegSummary() const { return jpegText_->text(); }
QString ForensicsPanel::metadataSummary() const { return metadataText_->text(); }

QTreeWidgetItem* ForensicsPanel::metadataGroup(const QString& group) const {
    for (int g = 0; g < metadataTree_->topLevelItemCount(); ++g)
        if (metadataTree_->topLevelItem(g)->text(0).startsWith(group + " (")) return metadataTree_->topLevelItem(g);  // "File (6)"
    return nullptr;
}

QString ForensicsPanel::metadataValue(const QString& group, const QString& key) const {
    if (const QTreeWidgetItem* groupItem = metadataGroup(group))
        for (int i = 0; i < groupItem->childCount(); ++i)
            if (groupItem->child(i)->data(0, Qt::UserRole).toString() == key) return groupItem->child(i)->data(1, Qt::UserRole).toString();
    return {};
}

void ForensicsPanel::selectMetadataGroup(const QString& group) {
    metadataTree_->clearSelection();
    if (QTreeWidgetItem* groupItem = metadataGroup(group)) groupItem->setSelected(true);
}

QString ForensicsPanel::selectedMetadataText() const {
    QStringList lines;
    auto add = [&lines](const QTreeWidgetItem* item) {
        lines << item->data(0, Qt::UserRole).toString() + "\t" + item->data(1, Qt::UserRole).toString();
    };
    // In the tree's order, each row once, whether it or its group was selected.
    for (int g = 0; g < metadataTree_->topLevelItemCount(); ++g) {
        const QTreeWidgetItem* group = metadataTree_->topLevelItem(g);
        for (int i = 0; i < group->childCount(); ++i)
            if (group->isSelected() || group->child(i)->isSelected()) add(group->child(i));
    }
    return lines.join("\n");
}

}  // namespace synthscope::ui
