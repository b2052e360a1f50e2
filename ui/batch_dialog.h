#pragma once
#include <QDialog>
#include <QElapsedTimer>

#include <atomic>
#include <memory>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QThread;

namespace synthscope::ui {

// File > Analyse Folder into Case: the GUI side of `synthscope batch`. A folder (searched recursively)
// is analysed into a case file on a worker thread of its own (with its own detector, so the open images
// keep their engine), each result committed as soon as it is finished (engine/batch_analysis.h); results
// stream into the table with progress and the time left. Cancel stops before the next batch of patches;
// running it again resumes, skipping what the case already holds.
class BatchDialog : public QDialog {
    Q_OBJECT
public:
    explicit BatchDialog(QWidget* parent = nullptr);
    ~BatchDialog() override;  // cancels and waits for the worker

    void setInputs(const QString& folder, const QString& caseFile);  // for tests and automation
    void start();
    bool running() const;
    int rowCount() const;
    QString noteAt(int row) const;  // the table's note: the robustness check, the file's record, or why it failed
    QString statusText() const;

signals:
    void batchFinished(const QString& summary);

private:
    void planned(int cached, int toAnalyse);
    void analysed(const QString& path, const QString& label, double probability, const QString& note);
    void failed(const QString& path, const QString& message);
    void finished(const QString& summary);
    void updateStatus();
    void addRow(const QString& path, const QString& verdict, const QString& probability, const QString& note);

    QLineEdit* folder_;
    QLineEdit* caseFile_;
    QPushButton* startButton_;
    QPushButton* cancelButton_;
    QProgressBar* progress_;
    QLabel* status_;
    QTableWidget* table_;
    std::unique_ptr<QThread> worker_;
    std::atomic<bool> cancel_{false};
    bool busy_ = false;  // from start() until the worker's summary arrives (GUI thread only)
    QElapsedTimer clock_;
    int cached_ = 0, toAnalyse_ = 0, done_ = 0, failedCount_ = 0;
};

}  // namespace synthscope::ui
