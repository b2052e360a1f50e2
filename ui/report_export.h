#pragma once
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <functional>

#include "report/evidence_report.h"
#include "ui/engine_bridge.h"

namespace synthscope::ui {

// "Export report...": writes an evidence report (HTML or PDF, by the file's extension: report::writeReport)
// on a pool thread and says on the GUI thread when it is done. The GUI thread never waits for it.
class ReportExporter : public QObject {
    Q_OBJECT
public:
    explicit ReportExporter(QObject* parent = nullptr);
    ~ReportExporter() override;  // waits for an export still running
    // An analysed image's report (re-reading the file, spectrum, fingerprints, metadata, layout), compared
    // with the fingerprint library in fingerprintLibrary (empty: the installed one; loadFingerprintSet).
    void start(ResultPtr result, const QString& path, HeatmapColours colours, const QString& fingerprintLibrary);
    // Any report: makeDocument runs on the pool thread; what it throws is reported as the error.
    void start(std::function<report::ReportDocument()> makeDocument, const QString& path);
    bool busy() const { return pool_.activeThreadCount() > 0; }

signals:
    // error empty on success, and then sha256 is the written file's (lower-case hex), for the record an
    // investigator keeps of the reports handed on.
    void finished(const QString& path, const QString& error, const QString& sha256);

private:
    QThreadPool pool_;  // its own, so the destructor waits for exactly these tasks
};

}  // namespace synthscope::ui
