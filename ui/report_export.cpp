#include "ui/report_export.h"

#include <QFile>

#include "engine/evidence.h"
#include "engine/model_registry.h"
#include "report/evidence_report.h"

namespace synthscope::ui {

ReportExporter::ReportExporter(QObject* parent) : QObject(parent) { pool_.setMaxThreadCount(1); }

ReportExporter::~ReportExporter() { pool_.waitForDone(); }

void ReportExporter::start(ResultPtr result, const QString& path) {
    pool_.start([this, result, path] {
        QString error;
        try {
            EvidenceOptions options;
            try {
                const std::string library = resolveFingerprintLibrary({});
                options.fingerprints = std::make_shared<FingerprintLibrary>(loadFingerprintLibrary(library));
                options.fingerprintLibraryPath = library;
            } catch (const EngineError& e) {
                options.fingerprintLibraryWhyNone = e.what();
            }
            const ImageEvidence evidence = gatherEvidence(*result, "analysed in the workstation", options);
            const report::ReportDocument doc = report::imageReport(evidence);
            std::string message;
            const bool ok = path.endsWith(".html", Qt::CaseInsensitive) || path.endsWith(".htm", Qt::CaseInsensitive)
                                ? report::writeHtml(doc, path, message)
                                : report::writePdf(doc, path, message);
            if (!ok) error = QString::fromStdString(message);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(this, [this, path, error] { emit finished(path, error); }, Qt::QueuedConnection);
    });
}

}  // namespace synthscope::ui
