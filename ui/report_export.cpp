#include "ui/report_export.h"

#include <QFile>

#include "engine/evidence.h"
#include "engine/sha256.h"
#include "report/evidence_report.h"
#include "ui/forensics_report.h"

namespace synthscope::ui {

ReportExporter::ReportExporter(QObject* parent) : QObject(parent) { pool_.setMaxThreadCount(1); }

ReportExporter::~ReportExporter() { pool_.waitForDone(); }

void ReportExporter::start(ResultPtr result, const QString& path, HeatmapColours colours, const QString& fingerprintLibrary) {
    start([result, colours, fingerprintLibrary] {
        EvidenceOptions options;
        options.heatmapColours = colours;
        const FingerprintSetPtr set = loadFingerprintSet(fingerprintLibrary);
        if (set->error.isEmpty()) options.fingerprints = std::shared_ptr<const FingerprintLibrary>(set, &set->library);
        else options.fingerprintLibraryWhyNone = set->error.toStdString();
        return report::imageReport(gatherEvidence(*result, "analysed in the workstation", options));
    }, path);
}

void ReportExporter::start(std::function<report::ReportDocument()> makeDocument, const QString& path) {
    pool_.start([this, makeDocument = std::move(makeDocument), path] {
        QString error, sha;
        try {
            std::string message;
            if (!report::writeReport(makeDocument(), path, message)) error = QString::fromStdString(message);
            else sha = QString::fromStdString(sha256OfFile(QFile::encodeName(path).toStdString()));
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(this, [this, path, error, sha] { emit finished(path, error, sha); }, Qt::QueuedConnection);
    });
}

}  // namespace synthscope::ui
