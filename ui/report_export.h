#pragma once
#include <QObject>
#include <QString>
#include <QThreadPool>

#include "ui/engine_bridge.h"

namespace synthscope::ui {

// "Export report...": writes the evidence report (HTML or PDF, by the file's extension) of an analysed
// image on a pool thread (re-reading the file, spectrum, fingerprints, metadata, layout) and says on the
// GUI thread when it is done. The GUI thread never waits for it.
class ReportExporter : public QObject {
    Q_OBJECT
public:
    explicit ReportExporter(QObject* parent = nullptr);
    ~ReportExporter() override;  // waits for an export still running
    void start(ResultPtr result, const QString& path);
    bool busy() const { return pool_.activeThreadCount() > 0; }

signals:
    void finished(const QString& path, const QString& error);  // error empty on success

private:
    QThreadPool pool_;  // its own, so the destructor waits for exactly these tasks
};

}  // namespace synthscope::ui
