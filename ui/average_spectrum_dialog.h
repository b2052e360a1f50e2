#pragma once
#include <QDialog>
#include <QImage>

#include <atomic>
#include <memory>

#include "engine/spectrum.h"

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;

namespace synthscope::ui {

class SpectrumView;

// Analysis > Average Spectrum of Folder: the GUI side of `synthscope spectrum --average`. The residual
// power spectra of every image in a folder (searched recursively, centre-cropped to one size) are
// averaged on a worker thread: a generator's periodic up-sampling peaks add up while the content's do
// not, which is how a class is shown where a single image is too noisy. Cancel is honoured between
// images; unreadable or too-small images are listed, not fatal. The result can be saved as a PNG.
class AverageSpectrumDialog : public QDialog {
    Q_OBJECT
public:
    explicit AverageSpectrumDialog(QWidget* parent = nullptr);
    ~AverageSpectrumDialog() override;  // cancels and waits for the worker

    void setInputs(const QString& folder, int cropSize);  // for tests and automation
    void start();
    void cancel();
    bool running() const { return busy_; }
    QString statusText() const;
    QString summary() const;  // the spectrum's summary (empty before a result)
    QImage spectrumImage() const;  // null before a result

signals:
    void averageFinished(bool ok);

private:
    void progressed(int done, int total, const QString& path);
    void succeeded(const AveragedSpectrum& result, const QImage& rendered, int total);
    void failed(const QString& message);
    void finishRun();
    void savePng();

    QLineEdit* folder_;
    QSpinBox* crop_;
    QPushButton* startButton_;
    QPushButton* cancelButton_;
    QPushButton* saveButton_;
    QProgressBar* progress_;
    QLabel* status_;
    SpectrumView* view_;
    std::unique_ptr<QThread> worker_;
    std::atomic<bool> cancel_{false};
    bool busy_ = false;  // from start() until the worker's last event arrives (GUI thread only)
};

}  // namespace synthscope::ui
