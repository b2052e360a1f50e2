#pragma once
#include <QString>

#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/case_store.h"
#include "engine/evidence.h"

// Evidence reports (HTML and PDF) for one image or a whole case. This library links Qt Gui (QTextDocument,
// QPdfWriter) but not Widgets, and is kept out of the engine so that the engine stays Qt Core only.
namespace synthscope::report {

// An HTML document and the pictures it shows. The HTML refers to them as <img src="report-image:NAME">:
// writeHtml() embeds them (data: URIs, one self-contained file), writePdf() hands them to QTextDocument.
struct ReportDocument {
    QString title;
    QString html;
    std::vector<std::pair<QString, cv::Mat>> images;  // NAME -> RGB CV_8UC3
};

// One image: verdict, caveat, image and heatmap overlay, probabilities, spectrum, fingerprints, JPEG
// history, metadata, file hashes, model and settings, timestamps, and what was and was not checked.
ReportDocument imageReport(const ImageEvidence& evidence);

// A whole case: summary, models and settings used, every image in a table, failures, and a full section
// for each image in `details` (the caller chooses which; the report says how many were detailed).
ReportDocument caseReport(const CaseStore& store, const std::vector<ImageEvidence>& details);

// Atomic writes (temporary file renamed into place). false with `error` set on failure.
bool writeHtml(const ReportDocument& document, const QString& path, std::string& error);
// Needs a QGuiApplication (fonts): the CLI runs one on the "offscreen" platform for this command.
bool writePdf(const ReportDocument& document, const QString& path, std::string& error);

// HTML for a path ending in .html or .htm, PDF otherwise (what the GUI's export dialogs offer).
bool writeReport(const ReportDocument& document, const QString& path, std::string& error);

// The document's plain text as QTextDocument lays it out (what the PDF shows), for tests and checks.
QString plainText(const ReportDocument& document);

}  // namespace synthscope::report
