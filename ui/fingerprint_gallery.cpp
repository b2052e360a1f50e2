#include "ui/fingerprint_gallery.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QImageWriter>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include <cmath>

#include "engine/model_registry.h"
#include "engine/thread_priority.h"
#include "ui/fitted_image.h"
#include "ui/forensics_report.h"

namespace synthscope::ui {
namespace {

constexpr int kPictureSide = 160;

QString detailsOf(const Fingerprint& fp, const QJsonObject& sidecar) {
    QStringList parts;
    if (sidecar.contains("fakes") && sidecar.contains("reals"))
        parts << QObject::tr("made from %1 of its images and %2 real photos").arg(sidecar["fakes"].toInt()).arg(sidecar["reals"].toInt());
    parts << QObject::tr("%1 residual").arg(fp.residual.empty() ? QObject::tr("the authors' DnCNN") : QString::fromStdString(fp.residual));
    parts << QObject::tr("correlation of real photos about %1, of its images about %2").arg(fp.muReal, 0, 'f', 4).arg(fp.muFake, 0, 'f', 4);
    if (fp.sigmaReal > 0 && fp.sigmaFake > 0) {
        // How far apart the two centres are in units of their spread: how well one image can be told.
        const double separation = std::abs(fp.muFake - fp.muReal) / std::sqrt((fp.sigmaReal * fp.sigmaReal + fp.sigmaFake * fp.sigmaFake) / 2);
        parts << QObject::tr("the two %1 standard deviations apart").arg(separation, 0, 'f', 1);
    }
    return parts.join("; ");
}

}  // namespace

FingerprintGallery loadFingerprintGallery(const QString& folder) {
    FingerprintGallery gallery;
    try {
        const FingerprintLibrary library = loadInstalledFingerprints(QFile::encodeName(folder).toStdString());
        gallery.folder = QFile::decodeName(library.folder.c_str());
        for (const std::string& e : library.errors) gallery.error += QString::fromStdString(e) + "\n";
        for (const Fingerprint& fp : library.fingerprints) {
            const FingerprintPictures pictures = picturesOf(fp);
            const QJsonObject sidecar = QJsonDocument::fromJson(QByteArray::fromStdString(fp.sidecarJson)).object();
            gallery.cards.push_back({QString::fromStdString(fp.name), detailsOf(fp, sidecar), sidecar["note"].toString(), pictures.pattern,
                                     pictures.spectrum});
        }
        if (gallery.cards.empty() && gallery.error.isEmpty()) gallery.error = QObject::tr("the folder holds no fingerprint");
    } catch (const std::exception& e) {
        gallery.folder = folder;
        gallery.error = QString::fromStdString(e.what());
    }
    gallery.error = gallery.error.trimmed();
    return gallery;
}

QImage galleryPicture(const FingerprintGallery& gallery) {
    if (gallery.cards.empty()) return {};
    constexpr int kPad = 12, kText = 420;
    const int row = kPictureSide + kPad, header = 44;
    const int width = kPad + kText + 2 * (kPictureSide + kPad);
    QImage image(width, header + int(gallery.cards.size()) * row, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    QFont bold = p.font(), small = p.font();
    bold.setBold(true);
    small.setPointSizeF(small.pointSizeF() * 0.85);
    // What the picture is, and its two columns, so that it explains itself on a slide.
    p.setPen(Qt::black);
    p.setFont(bold);
    p.drawText(QRect(kPad, kPad / 2, width - 2 * kPad, header / 2), Qt::AlignLeft | Qt::AlignVCenter,
               QObject::tr("Generator fingerprints (SynthScope): %1").arg(QFileInfo(gallery.folder).fileName()));
    p.setFont(small);
    p.drawText(QRect(kPad + kText, header / 2, kPictureSide, header / 2), Qt::AlignCenter, QObject::tr("image space"));
    p.drawText(QRect(kPad + kText + kPictureSide + kPad, header / 2, kPictureSide, header / 2), Qt::AlignCenter, QObject::tr("Fourier space"));
    for (std::size_t i = 0; i < gallery.cards.size(); ++i) {
        const FingerprintCard& card = gallery.cards[i];
        const int y = header + int(i) * row;
        p.setPen(Qt::black);
        p.setFont(bold);
        const QRect name(kPad, y, kText - kPad, p.fontMetrics().height());
        p.drawText(name, Qt::AlignLeft | Qt::AlignTop, card.name);
        p.setFont(small);
        p.drawText(QRect(kPad, name.bottom() + 4, kText - kPad, kPictureSide - name.height()), Qt::TextWordWrap, card.details);
        p.drawImage(QRect(kPad + kText, y, kPictureSide, kPictureSide), card.pattern);
        p.drawImage(QRect(kPad + kText + kPictureSide + kPad, y, kPictureSide, kPictureSide), card.spectrum);
    }
    return image;
}

FingerprintGalleryDialog::FingerprintGalleryDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Generator Fingerprints"));
    pool_.setMaxThreadCount(1);
    auto* layout = new QVBoxLayout(this);
    header_ = new QLabel(tr("Reading the fingerprint library..."));
    header_->setWordWrap(true);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(header_);

    auto* cards = new QWidget;
    grid_ = new QGridLayout(cards);
    grid_->setColumnStretch(0, 1);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setWidget(cards);
    layout->addWidget(scroll, 1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* open = buttons->addButton(tr("Open Library Folder..."), QDialogButtonBox::ActionRole);
    connect(open, &QPushButton::clicked, this, &FingerprintGalleryDialog::chooseFolder);
    QPushButton* save = buttons->addButton(tr("Save Picture..."), QDialogButtonBox::ActionRole);
    connect(save, &QPushButton::clicked, this, &FingerprintGalleryDialog::savePicture);
    QPushButton* installed = buttons->addButton(tr("Installed Library"), QDialogButtonBox::ActionRole);
    connect(installed, &QPushButton::clicked, this, [this] { showLibrary({}); });
    use_ = buttons->addButton(tr("Use for Comparisons"), QDialogButtonBox::ActionRole);
    use_->setToolTip(tr("Compare images with this library in the Fingerprints tab and in exported reports"));
    use_->setEnabled(false);
    connect(use_, &QPushButton::clicked, this, &FingerprintGalleryDialog::useShownLibrary);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(760, 720);
    setLibraryInUse({});
}

FingerprintGalleryDialog::~FingerprintGalleryDialog() { pool_.waitForDone(); }

void FingerprintGalleryDialog::showLibrary(const QString& folder) {
    const quint64 request = ++request_;
    header_->setText(tr("Reading the fingerprint library %1...").arg(folder.isEmpty() ? tr("installed") : folder.toHtmlEscaped()));
    use_->setEnabled(false);  // until it is read
    QPointer<FingerprintGalleryDialog> self(this);
    pool_.start([self, request, folder] {
        lowerCurrentThreadPriority();
        FingerprintGallery gallery = loadFingerprintGallery(folder);
        if (!self) return;
        QMetaObject::invokeMethod(self, [self, request, gallery] {
            if (self && request == self->request_) self->showGallery(gallery);
        }, Qt::QueuedConnection);
    });
}

QString FingerprintGalleryDialog::header() const { return header_->text(); }

void FingerprintGalleryDialog::showGallery(const FingerprintGallery& gallery) {
    shown_ = gallery;
    while (QLayoutItem* item = grid_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    QString text = tr("<b>%1 fingerprint(s)</b> in %2. Each is a generator's average noise residual, left in image space, "
                      "right in Fourier space (zero frequency in the centre): a grid of bright points there is the trace "
                      "of up-sampling layers. An image is compared with each one by correlation (the Fingerprints tab).")
                       .arg(gallery.cards.size()).arg(gallery.folder.toHtmlEscaped());
    if (!gallery.error.isEmpty()) text += "<br><b>" + tr("Not read:") + "</b> " + gallery.error.toHtmlEscaped().replace("\n", "<br>");
    headerText_ = text;
    updateHeader();
    int row = 0;
    for (const FingerprintCard& card : gallery.cards) {
        auto* label = new QLabel("<b>" + card.name.toHtmlEscaped() + "</b><br><small>" + card.details.toHtmlEscaped() + "</small>");
        label->setWordWrap(true);
        label->setToolTip(card.note);
        label->setAlignment(Qt::AlignTop | Qt::AlignLeft);
        grid_->addWidget(label, row, 0);
        for (const auto& [column, picture] : {std::pair{1, card.pattern}, std::pair{2, card.spectrum}}) {
            auto* view = new FittedImage;
            view->setImage(picture);
            view->setFixedSize(kPictureSide, kPictureSide);
            view->setToolTip(column == 1 ? tr("%1 in image space (contrast stretched)").arg(card.name)
                                         : tr("%1 in Fourier space: log magnitude, zero frequency in the centre").arg(card.name));
            grid_->addWidget(view, row, column);
        }
        ++row;
    }
    emit galleryShown();
}

namespace {
QString canonical(const QString& folder) { return folder.isEmpty() ? QString() : QFileInfo(folder).canonicalFilePath(); }

// The folder resolveFingerprintLibrary finds for `folder` (empty: the installed one), canonical; throws as it does.
QString resolvedFolder(const QString& folder) {
    return canonical(QFile::decodeName(resolveFingerprintLibrary(QFile::encodeName(folder).toStdString()).c_str()));
}
}  // namespace

void FingerprintGalleryDialog::setLibraryInUse(const QString& folder) {
    inUseError_.clear();
    try {
        inUseResolved_ = resolvedFolder(folder);
    } catch (const std::exception& e) {
        inUseResolved_.clear();
        inUseError_ = QString::fromStdString(e.what());
    }
    if (!shown_.folder.isEmpty()) updateHeader();  // else the header says what is being read
}

bool FingerprintGalleryDialog::showsLibraryInUse() const {
    return !inUseResolved_.isEmpty() && canonical(shown_.folder) == inUseResolved_;
}

void FingerprintGalleryDialog::updateHeader() {
    QString text = headerText_;
    if (!shown_.folder.isEmpty()) {
        if (showsLibraryInUse())
            text += "<br>" + tr("Images are compared with this library (the Fingerprints tab, exported reports).");
        else if (!inUseResolved_.isEmpty())
            text += "<br>" + tr("Images are compared with another library, %1: <i>Use for Comparisons</i> makes it this one.")
                                 .arg(inUseResolved_.toHtmlEscaped());
        else
            text += "<br>" + tr("Images are compared with no library: %1").arg(inUseError_.toHtmlEscaped());
        // The detector's calibrated attribution keeps the library its model was fitted with (its manifest).
        text += " " + tr("A model whose verdict was calibrated with fingerprints keeps its own library for the likely generator.");
    }
    header_->setText(text);
    use_->setEnabled(!shown_.cards.empty() && !showsLibraryInUse());
}

void FingerprintGalleryDialog::useShownLibrary() {
    if (shown_.cards.empty() || showsLibraryInUse()) return;
    QString installed;
    try {
        installed = resolvedFolder({});
    } catch (const std::exception&) {
    }
    // The installed library is kept as "the installed one", so that a newer installed one is followed.
    emit libraryChosen(canonical(shown_.folder) == installed ? QString() : shown_.folder);
}

void FingerprintGalleryDialog::savePicture() {
    const QImage image = galleryPicture(shown_);
    if (image.isNull()) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the fingerprints as a picture"), "fingerprints.png", tr("PNG (*.png)"));
    if (path.isEmpty()) return;
    QImageWriter writer(path, "png");
    if (!writer.write(image)) QMessageBox::warning(this, windowTitle(), tr("%1 was not written: %2").arg(path, writer.errorString()));
}

void FingerprintGalleryDialog::chooseFolder() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Fingerprint library folder (.npy files with .json sidecars)"),
                                                             shown_.folder);
    if (!folder.isEmpty()) showLibrary(folder);
}

}  // namespace synthscope::ui
