#include "ui/pasted_image.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QMimeData>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUrl>

namespace synthscope::ui {

PastedContent pastedContent(const QMimeData& mime) {
    PastedContent content;
    for (const QUrl& url : mime.urls())
        if (url.isLocalFile()) content.files << url.toLocalFile();
    if (!content.files.isEmpty()) return content;
    if (mime.hasImage()) {
        content.image = qvariant_cast<QImage>(mime.imageData());
        if (!content.image.isNull()) return content;
    }
    const QString text = mime.text().trimmed();
    const QString path = text.startsWith("file://") ? QUrl(text).toLocalFile() : text;
    if (!path.isEmpty() && !path.contains('\n') && QFileInfo(path).isAbsolute() && QFileInfo::exists(path)) content.files << path;
    return content;
}

PastedImageSaver::PastedImageSaver(QString folder, QObject* parent) : QObject(parent), folder_(std::move(folder)) {}

QString PastedImageSaver::defaultFolder() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + "/synthscope/pasted";
}

PastedImageSaver::~PastedImageSaver() { pool_.waitForDone(); }

void PastedImageSaver::save(const QImage& image) {
    pool_.start([this, folder = folder_, image] {
        QString path, error;
        if (!QDir().mkpath(folder)) {
            error = tr("cannot create the folder %1").arg(folder);
        } else {
            // Milliseconds, and a counter for pastes within one: names sort by time and never overwrite.
            const QString stem = folder + "/pasted-" + QDateTime::currentDateTimeUtc().toString("yyyyMMdd-HHmmss-zzz");
            path = stem + ".png";
            for (int n = 2; QFileInfo::exists(path); ++n) path = stem + "-" + QString::number(n) + ".png";
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly)) error = file.errorString();
            else if (!image.save(&file, "PNG")) error = tr("the image could not be encoded as PNG");
            else if (!file.commit()) error = file.errorString();
            if (!error.isEmpty()) path.clear();
        }
        QMetaObject::invokeMethod(this, [this, path, error] { emit saved(path, error); }, Qt::QueuedConnection);
    });
}

}  // namespace synthscope::ui
