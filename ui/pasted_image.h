#pragma once
#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

class QMimeData;

namespace synthscope::ui {

// What a paste or a drop offers the workstation, in the order it is used: local files (a file manager's
// copy, a drag from it), else an image without a file (a browser's "Copy Image", a drag from a web page),
// else a line of text that names a local file.
struct PastedContent {
    QStringList files;
    QImage image;
    bool empty() const { return files.isEmpty() && image.isNull(); }
};
PastedContent pastedContent(const QMimeData& mime);

// Saves pasted pixels as a PNG of their own, so that the analysis, its case and its report have a file
// and a sha256 to point to: pasted-<UTC time>.png in `folder` (by default
// ~/.local/share/synthscope/pasted, kept: it is evidence). The encoding runs on a pool thread: a 12 MP
// PNG takes about a second, which the window must not wait for.
class PastedImageSaver : public QObject {
    Q_OBJECT
public:
    explicit PastedImageSaver(QString folder = defaultFolder(), QObject* parent = nullptr);
    ~PastedImageSaver() override;  // waits for a save in progress
    static QString defaultFolder();

    void save(const QImage& image);  // saved() follows, on this object's thread

signals:
    void saved(const QString& path, const QString& error);  // error empty on success

private:
    QString folder_;
    QThreadPool pool_;
};

}  // namespace synthscope::ui
