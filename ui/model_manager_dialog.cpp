#include "ui/model_manager_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QJsonDocument>
#include <QPushButton>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace synthscope::ui {
namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
QString prettyJson(const std::string& json) {
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json));
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).toHtmlEscaped();
}
}  // namespace

QString describeManifestHtml(const ModelManifest& m) {
    QStringList classes;
    for (const std::string& c : m.classes) classes << (c == m.authenticClass() ? "<b>" + qs(c) + "</b>" : qs(c));
    return QString("<h3>%1 %2</h3><p>%3</p>").arg(qs(m.name).toHtmlEscaped(), qs(m.version).toHtmlEscaped(), qs(m.description).toHtmlEscaped()) +
           QObject::tr("<p><b>Classes</b> (authentic in bold): %1<br><b>Input</b>: %2x%2 patches, %3, output %4<br>"
                       "<b>Verdict</b>: top %5 patches by GLCM contrast, inconclusive between %6 and %7<br>"
                       "<b>Weights</b>: %8 (%9)<br><b>sha256</b>: %10</p>")
               .arg(classes.join(", "))
               .arg(m.inputSize)
               .arg(m.normalization == InputNormalization::None ? QObject::tr("no normalisation") : QObject::tr("mean/std normalised"),
                    m.output == ModelOutput::Softmax ? "softmax" : "logits")
               .arg(m.verdictTopK)
               .arg(m.inconclusiveLow)
               .arg(m.inconclusiveHigh)
               .arg(qs(m.weightsPath).toHtmlEscaped(), m.weightsPresent() ? QObject::tr("installed") : QObject::tr("<b>not installed</b>"),
                    m.sha256.empty() ? QObject::tr("not stated") : qs(m.sha256)) +
           QObject::tr("<p><b>Provenance</b></p><pre>%1</pre><p><b>Measured accuracy</b> (as stated by the manifest)</p><pre>%2</pre>")
               .arg(prettyJson(m.provenanceJson), prettyJson(m.accuracyJson));
}

ModelManagerDialog::ModelManagerDialog(const ModelCatalog& catalog, const QString& current, QWidget* parent)
    : QDialog(parent), catalog_(catalog), chosen_(current) {
    setWindowTitle(tr("Models"));
    resize(820, 560);
    auto* layout = new QVBoxLayout(this);
    table_ = new QTableWidget(int(catalog.models.size()), 4);
    table_->setHorizontalHeaderLabels({tr("Name"), tr("Version"), tr("Status"), tr("Classes")});
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int row = 0; row < int(catalog.models.size()); ++row) {
        const ModelManifest& m = catalog.models[std::size_t(row)];
        table_->setItem(row, 0, new QTableWidgetItem(qs(m.name)));
        table_->setItem(row, 1, new QTableWidgetItem(qs(m.version)));
        table_->setItem(row, 2, new QTableWidgetItem(m.weightsPresent() ? tr("installed") : tr("weights missing")));
        table_->setItem(row, 3, new QTableWidgetItem(QString::number(m.classes.size())));
        if (qs(m.name) == current) table_->selectRow(row);
    }
    details_ = new QTextBrowser;
    QString errors;
    for (const std::string& e : catalog.errors) errors += "<p style='color:#d83a2e'>" + qs(e).toHtmlEscaped() + "</p>";
    if (!errors.isEmpty()) details_->setHtml(errors);
    layout->addWidget(table_, 1);
    layout->addWidget(details_, 2);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* use = buttons->addButton(tr("Use this model"), QDialogButtonBox::AcceptRole);
    layout->addWidget(buttons);
    connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) { showDetails(row); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(use, &QPushButton::clicked, this, [this] {
        const int row = table_->currentRow();
        if (row < 0) return;
        chosen_ = qs(catalog_.models[std::size_t(row)].name);
        accept();
    });
    if (table_->currentRow() >= 0) showDetails(table_->currentRow());
}

void ModelManagerDialog::showDetails(int row) {
    if (row < 0 || row >= int(catalog_.models.size())) return;
    details_->setHtml(describeManifestHtml(catalog_.models[std::size_t(row)]));
}

}  // namespace synthscope::ui
