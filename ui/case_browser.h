#pragma once
#include <QDialog>
#include <QString>
#include <QThreadPool>

#include "engine/case_store.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QStandardItemModel;
class QTableView;

Q_DECLARE_METATYPE(synthscope::CacheKey)

namespace synthscope::ui {

class CaseFilterProxy;
class ReportExporter;

// "File > Open Case...": the images of a stored case (written by `synthscope batch` or "Analyse Folder
// into Case") in a sortable table, filtered by verdict and by a text in the path; failures are listed
// too. The case file is read on a pool thread; double-clicking a row asks the workstation to open that
// image with the case's stored result (a failed row: to analyse it); "Export Case Report..." writes the case report (HTML or PDF) on a pool thread. The GUI thread
// never waits for the case file.
class CaseBrowser : public QDialog {
    Q_OBJECT
public:
    explicit CaseBrowser(QWidget* parent = nullptr);
    ~CaseBrowser() override;  // waits for a read or an export still running

    void chooseCase();                   // asks for a case file, then openCase
    void openCase(const QString& file);  // asynchronous: caseLoaded or caseFailed follows
    void exportReport(const QString& path);  // asynchronous: reportWritten follows
    QString caseFile() const { return caseFile_; }
    bool loading() const { return loading_; }

    // What the table shows after filtering (for tests and automation).
    int rowCount() const;
    QString pathAt(int row) const;
    QString nameAt(int row) const;  // as the File column shows it: "photo.jpg", "photo.jpg [241,48 224x224]"
    QString verdictAt(int row) const;
    QString likelyGeneratorAt(int row) const;  // as shown: "ldm (62 %)", "other_diffusion (no name, 55 %)"
    QString noteAt(int row) const;  // a failure's reason, the file's record beside the verdict, or a region's controls
    // "synthetic", "inconclusive", "authentic", "failed"; "" = all; "record against the verdict": the rows
    // whose file's record points the other way from their verdict.
    void setVerdictFilter(const QString& verdict);
    void setTextFilter(const QString& text);
    void sortByProbability();  // highest synthetic probability first
    void activateRow(int row);  // as a double-click

signals:
    void caseLoaded(int entries, int failures);
    void caseFailed(const QString& message);
    void openImageRequested(const QString& path);  // a failed row: analyse it
    // A result row: show the result the case holds for it (MainWindow::openStoredResult); region is empty
    // for a whole file's result.
    void openStoredResultRequested(const QString& path, const QString& caseFile, const synthscope::CacheKey& key,
                                   const QRect& region);
    void reportWritten(const QString& path, const QString& error);  // error empty on success

private:
    void chooseReportFile();
    void updateSummary();

    QStandardItemModel* model_;
    CaseFilterProxy* proxy_;
    QTableView* view_;
    QComboBox* verdict_;
    QLineEdit* search_;
    QLabel* summary_;
    QPushButton* report_;
    ReportExporter* exporter_;
    QString caseFile_;
    QString loadedSummary_;
    bool loading_ = false;
    QThreadPool pool_;  // reads the case; its own, so that the destructor waits for exactly these tasks
};

}  // namespace synthscope::ui
