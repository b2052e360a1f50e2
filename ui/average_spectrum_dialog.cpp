#include "ui/average_spectrum_dialog.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include "engine/errors.h"
#include "engine/file_collector.h"
#include "ui/image_conversion.h"
#include "ui/spectrum_view.h"

namespace synthscope::ui {

AverageSpectrumDialog::AverageSpectrumDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Average Spectrum of Folder"));
    resize(640, 760);
    folder_ = new QLineEdit;
    folder_->setPlaceholderText(tr("a folder of images from one source, e.g. one generator"));
    auto* browse = new QPushButton(tr("Browse..."));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder to average"), folder_->text());
        if (!dir.isEmpty()) folder_->setText(dir);
    });
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(folder_, 1);
    folderRow->addWidget(browse);
    crop_ = new QSpinBox;
    crop_->setRange(32, 4096);
    crop_->setSingleStep(32);
    crop_->setValue(256);
    crop_->setSuffix(tr(" px"));
    crop_->setToolTip(tr("Every image is centre-cropped to this square before its spectrum is taken, so that all "
                         "spectra have the same frequency bins; smaller images are skipped."));
    auto* form = new QFormLayout;
    form->addRow(tr("Folder:"), folderRow);
    form->addRow(tr("Centre crop:"), crop_);

    startButton_ = new QPushButton(tr("Average"));
    cancelButton_ = new QPushButton(tr("Cancel"));
    saveButton_ = new QPushButton(tr("Save PNG..."));
    cancelButton_->setEnabled(false);
    saveButton_->setEnabled(false);
    connect(startButton_, &QPushButton::clicked, this, &AverageSpectrumDialog::start);
    connect(cancelButton_, &QPushButton::clicked, this, &AverageSpectrumDialog::cancel);
    connect(saveButton_, &QPushButton::clicked, this, &AverageSpectrumDialog::savePng);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(startButton_);
    buttons->addWidget(cancelButton_);
    buttons->addStretch(1);
    buttons->addWidget(saveButton_);

    progress_ = new QProgressBar;
    progress_->setRange(0, 1);
    progress_->setValue(0);
    status_ = new QLabel(tr("Choose a folder: the spectra of its images are averaged, so that a generator's "
                            "periodic traces add up while the content averages out."));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    view_ = new SpectrumView;
    view_->showMessage(QString());
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(view_, 1);
    layout->addWidget(close);
}

AverageSpectrumDialog::~AverageSpectrumDialog() {
    cancel_.store(true);
    if (worker_) worker_->wait();
}

void AverageSpectrumDialog::setInputs(const QString& folder, int cropSize) {
    folder_->setText(folder);
    crop_->setValue(cropSize);
}

QString AverageSpectrumDialog::statusText() const { return status_->text(); }
QString AverageSpectrumDialog::summary() const { return view_->picture().isNull() ? QString() : view_->summary(); }
QImage AverageSpectrumDialog::spectrumImage() const { return view_->picture(); }

void AverageSpectrumDialog::cancel() {
    if (!busy_) return;
    cancel_.store(true);
    status_->setText(tr("Cancelling..."));
}

void AverageSpectrumDialog::start() {
    if (busy_) return;
    if (worker_) worker_->wait();  // its last event was delivered: it is returning
    const QString folder = folder_->text().trimmed();
    if (folder.isEmpty()) {
        failed(tr("Choose a folder first."));
        return;
    }
    busy_ = true;
    cancel_.store(false);
    startButton_->setEnabled(false);
    cancelButton_->setEnabled(true);
    saveButton_->setEnabled(false);
    progress_->setRange(0, 0);  // busy until the files are listed
    status_->setText(tr("Listing images in %1...").arg(folder));
    view_->showMessage(QString());

    const std::string folderBytes = QFile::encodeName(folder).toStdString();
    SpectrumOptions options;
    options.cropSize = crop_->value();
    worker_.reset(QThread::create([this, folderBytes, options] {
        try {
            const CollectedFiles files = collectImageFiles({folderBytes});
            if (!files.errors.empty() && files.images.empty())
                throw EngineError(ErrorKind::BadInput, files.errors.front());
            if (files.images.empty()) throw EngineError(ErrorKind::BadInput, "no image files in " + folderBytes);
            const int total = int(files.images.size());
            const AveragedSpectrum result = averageSpectrum(files.images, options, &cancel_, [this](int done, int all, const std::string& path) {
                const QString p = QFile::decodeName(path.c_str());
                QMetaObject::invokeMethod(this, [this, done, all, p] { progressed(done, all, p); }, Qt::QueuedConnection);
            });
            const QImage rendered = toQImage(renderSpectrum(result.spectrum, true));
            QMetaObject::invokeMethod(this, [this, result, rendered, total] { succeeded(result, rendered, total); }, Qt::QueuedConnection);
        } catch (const EngineError& e) {
            const QString m = e.kind() == ErrorKind::Cancelled ? tr("Cancelled: nothing averaged.") : QString::fromStdString(e.what());
            QMetaObject::invokeMethod(this, [this, m] { failed(m); }, Qt::QueuedConnection);
        } catch (const std::exception& e) {
            const QString m = tr("Internal error: %1").arg(QString::fromStdString(e.what()));
            QMetaObject::invokeMethod(this, [this, m] { failed(m); }, Qt::QueuedConnection);
        }
    }));
    worker_->start();
}

void AverageSpectrumDialog::progressed(int done, int total, const QString& path) {
    if (!busy_ || cancel_.load()) return;
    progress_->setRange(0, total);
    progress_->setValue(done);
    status_->setText(tr("%1 of %2: %3").arg(done).arg(total).arg(QFileInfo(path).fileName()));
}

void AverageSpectrumDialog::succeeded(const AveragedSpectrum& result, const QImage& rendered, int total) {
    const Spectrum& s = result.spectrum;
    view_->setSpectrum(s, rendered, tr("Average of %n image(s)", "", s.imagesUsed) +
                                        (s.jpegImages ? tr(" (%1 JPEG)").arg(s.jpegImages) : QString()));
    QString status = tr("Averaged %1 of %2 image(s) from %3.").arg(s.imagesUsed).arg(total).arg(folder_->text());
    if (!result.skipped.empty()) {
        QStringList lines;
        for (std::size_t i = 0; i < std::min<std::size_t>(result.skipped.size(), 5); ++i)
            lines << QString::fromStdString(result.skipped[i].message);  // names the file
        status += tr(" Skipped %n:", "", int(result.skipped.size())) + "\n" + lines.join("\n");
        if (result.skipped.size() > 5) status += tr("\n... and %1 more").arg(result.skipped.size() - 5);
    }
    status_->setText(status);
    progress_->setRange(0, total);
    progress_->setValue(total);
    saveButton_->setEnabled(true);
    finishRun();
    emit averageFinished(true);
}

void AverageSpectrumDialog::failed(const QString& message) {
    status_->setText(message);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    view_->showMessage(QString());
    finishRun();
    emit averageFinished(false);
}

void AverageSpectrumDialog::finishRun() {
    busy_ = false;
    startButton_->setEnabled(true);
    cancelButton_->setEnabled(false);
}

void AverageSpectrumDialog::savePng() {
    const QImage picture = view_->picture();
    if (picture.isNull()) return;
    const QString name = QFileInfo(folder_->text()).fileName();
    const QString path = QFileDialog::getSaveFileName(this, tr("Save average spectrum"), name + "-spectrum.png", tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    if (!picture.save(path, "PNG")) status_->setText(tr("Could not write %1.").arg(path));
    else status_->setText(tr("Saved %1.").arg(path));
}

}  // namespace synthscope::ui
