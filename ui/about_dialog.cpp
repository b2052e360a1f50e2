#include "ui/about_dialog.h"

#include <QDialogButtonBox>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "engine/decoder_process.h"
#include "engine/version.h"
#include "ui/model_manager_dialog.h"

namespace synthscope::ui {

AboutDialog::AboutDialog(const ModelCatalog& catalog, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About SynthScope"));
    resize(700, 560);
    auto* layout = new QVBoxLayout(this);
    auto* text = new QTextBrowser;
    QString html = tr("<h2>SynthScope %1</h2><p>A forensic workstation for images that may be AI-generated. "
                      "Everything runs on this computer; nothing is sent anywhere.</p>"
                      "<p>Built on Qt %2 (interface, JSON), OpenCV (image decoding and maths), LibTorch "
                      "(TorchScript detectors) and QCustomPlot (charts). HEIF pictures and every file's metadata "
                      "are read by %3.</p><h3>Models</h3>")
                       .arg(SYNTHSCOPE_VERSION, qVersion(), QString::fromStdString(describeDecoders()).toHtmlEscaped());
    if (catalog.models.empty()) html += tr("<p>No model manifest found.</p>");
    for (const ModelManifest& m : catalog.models) html += describeManifestHtml(m) + "<hr>";
    text->setHtml(html);
    layout->addWidget(text);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

}  // namespace synthscope::ui
