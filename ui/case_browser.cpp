#include "ui/case_browser.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRect>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <memory>
#include <vector>

#include "engine/case_store.h"
#include "report/evidence_report.h"
#include "ui/report_export.h"

namespace synthscope::ui {

namespace {

enum Column { File, Verdict, Synthetic, Robustness, Generator, Size, Format, Model, Analysed, Note, ColumnCount };
constexpr int kSortRole = Qt::UserRole + 1;  // numbers sort as numbers, not as their text
constexpr int kPathRole = Qt::UserRole + 2;  // the full path (the table shows the file name)
constexpr int kKeyRole = Qt::UserRole + 3;   // a result's CacheKey as {image, model, settings}; none on failures
constexpr int kRecordAgainstRole = Qt::UserRole + 4;  // the file's record points the other way from the verdict
constexpr int kRegionRole = Qt::UserRole + 5;  // QRect of the region analysed alone; none for a whole file
// The verdict filter's entry for rows whose record points the other way (not a verdict of its own).
constexpr const char* kRecordAgainstFilter = "record against the verdict";

struct CaseContents {
    std::vector<CaseEntry> entries;
    std::vector<CaseFailure> failures;
    QString error;
};

QStandardItem* cell(const QString& text, const QVariant& sortKey) {
    auto* item = new QStandardItem(text);
    item->setData(sortKey, kSortRole);
    item->setEditable(false);
    return item;
}

QList<QStandardItem*> entryRow(const CaseEntry& e) {
    const QString path = QFile::decodeName(e.path.c_str());
    QList<QStandardItem*> row;
    // A region's row is named as its workstation tab is: "photo.jpg [241,48 224x224]".
    QString name = QFileInfo(path).fileName();
    if (e.region) name += " [" + QString::fromStdString(e.region->brief()) + "]";
    row << cell(name, path + (e.region ? "\n" + QString::fromStdString(e.region->describe()) : QString()))
        << cell(QString::fromStdString(e.label), QString::fromStdString(e.label))
        << cell(QString::number(e.syntheticProbability * 100, 'f', 1) + " %", e.syntheticProbability)
        << cell(QString::fromStdString(e.robustness), QString::fromStdString(e.robustness))  // empty: not checked
        << cell(e.topGenerator.empty() || e.label == "authentic" ? QString()  // as the verdict panel: no generator for an authentic verdict
                                       : (e.topGeneratorUnnamed ? CaseBrowser::tr("%1 (no name, %2 %)") : QString("%1 (%2 %)"))
                                             .arg(QString::fromStdString(e.topGenerator))
                                             .arg(qRound(e.topGeneratorProbability * 100)),
                QString::fromStdString(e.topGenerator))
        << cell(QString("%1 x %2").arg(e.width).arg(e.height), double(e.width) * e.height)
        << cell(QString::fromStdString(e.format), QString::fromStdString(e.format))
        << cell(QString::fromStdString(e.modelName + " " + e.modelVersion), QString::fromStdString(e.modelName))
        << cell(QString::fromStdString(e.analysedAt), QString::fromStdString(e.analysedAt)) << cell(QString(), QString());
    row[File]->setData(path, kPathRole);
    row[File]->setData(QStringList{QString::fromStdString(e.key.imageSha256), QString::fromStdString(e.key.modelSha256),
                                   QString::fromStdString(e.key.settings)},
                       kKeyRole);
    row[File]->setToolTip(e.region ? path + "\n" + QString::fromStdString(e.region->describe()) : path);
    if (const std::optional<ImageRegion>& g = e.region) row[File]->setData(QRect(g->x, g->y, g->width, g->height), kRegionRole);
    // The file's record beside the verdict (a whole file's), or a region against its control parts: the
    // first note, every note in the tooltip.
    QStringList notes;
    for (const RecordNote& n : e.recordNotes)
        notes << (n.againstVerdict ? CaseBrowser::tr("Record, against the verdict: %1") : CaseBrowser::tr("Record: %1"))
                     .arg(QString::fromStdString(n.text));
    if (!e.controls.empty()) notes << CaseBrowser::tr("Against the rest of the picture: %1").arg(QString::fromStdString(e.controls));
    row[File]->setData(e.recordPointsAgainst(), kRecordAgainstRole);
    if (!notes.isEmpty()) {
        row[Note]->setText(notes.front());
        row[Note]->setData(notes.front(), kSortRole);
        row[Note]->setToolTip(notes.join("\n\n"));
    }
    if (e.topGeneratorUnnamed)
        row[Generator]->setToolTip(CaseBrowser::tr("A generator the model has no name for: %1 is a class that stands for no named generator")
                                       .arg(QString::fromStdString(e.topGenerator)));
    return row;
}

QList<QStandardItem*> failureRow(const CaseFailure& f) {
    const QString path = QFile::decodeName(f.path.c_str());
    QList<QStandardItem*> row;
    for (int c = 0; c < ColumnCount; ++c) row << cell(QString(), QString());
    row[File]->setText(QFileInfo(path).fileName());
    row[File]->setData(path, kSortRole);
    row[File]->setData(path, kPathRole);
    row[File]->setToolTip(path);
    row[Verdict]->setText("failed");
    row[Verdict]->setData("failed", kSortRole);
    row[Synthetic]->setData(-1.0, kSortRole);  // below every probability
    row[Analysed]->setText(QString::fromStdString(f.at));
    QString message = QString::fromStdString(f.message);
    if (message.startsWith(path + ": ")) message = message.mid(path.size() + 2);  // the row already names the file
    row[Note]->setText(QString::fromStdString(f.kind).replace('_', ' ') + ": " + message);
    row[Note]->setToolTip(row[Note]->text());
    return row;
}

}  // namespace

// Verdict and text filters together (QSortFilterProxyModel filters on one column only).
class CaseFilterProxy : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setVerdict(const QString& v) {
        verdict_ = v;
        invalidateFilter();
    }
    void setText(const QString& t) {
        text_ = t;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        const QAbstractItemModel* m = sourceModel();
        if (verdict_ == kRecordAgainstFilter) {
            if (!m->index(row, File, parent).data(kRecordAgainstRole).toBool()) return false;
        } else if (!verdict_.isEmpty() && m->index(row, Verdict, parent).data().toString() != verdict_) {
            return false;
        }
        return text_.isEmpty() || m->index(row, File, parent).data(kPathRole).toString().contains(text_, Qt::CaseInsensitive);
    }

private:
    QString verdict_, text_;
};

CaseBrowser::CaseBrowser(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Case"));
    resize(980, 560);
    model_ = new QStandardItemModel(0, ColumnCount, this);
    model_->setHorizontalHeaderLabels({tr("File"), tr("Verdict"), tr("Synthetic"), tr("Robustness check"), tr("Likely generator"), tr("Size"),
                                       tr("Format"), tr("Model"), tr("Analysed (UTC)"), tr("Note")});
    proxy_ = new CaseFilterProxy(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(kSortRole);
    view_ = new QTableView;
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->setAlternatingRowColors(true);
    connect(view_, &QTableView::doubleClicked, this, [this](const QModelIndex& index) { activateRow(index.row()); });

    auto* openCaseButton = new QPushButton(tr("Open Case..."));
    connect(openCaseButton, &QPushButton::clicked, this, &CaseBrowser::chooseCase);
    verdict_ = new QComboBox;
    verdict_->addItem(tr("All verdicts"), QString());
    for (const char* v : {"synthetic", "inconclusive", "authentic", "failed"}) verdict_->addItem(v, QString(v));
    verdict_->addItem(tr("record against the verdict"), QString(kRecordAgainstFilter));
    connect(verdict_, &QComboBox::currentIndexChanged, this, [this] { setVerdictFilter(verdict_->currentData().toString()); });
    search_ = new QLineEdit;
    search_->setPlaceholderText(tr("Filter by path..."));
    search_->setClearButtonEnabled(true);
    connect(search_, &QLineEdit::textChanged, this, &CaseBrowser::setTextFilter);
    report_ = new QPushButton(tr("Export Case Report..."));
    report_->setEnabled(false);
    connect(report_, &QPushButton::clicked, this, &CaseBrowser::chooseReportFile);
    exporter_ = new ReportExporter(this);
    connect(exporter_, &ReportExporter::finished, this, [this](const QString& path, const QString& error, const QString& sha256) {
        report_->setEnabled(true);
        updateSummary();
        if (!error.isEmpty()) summary_->setText(tr("The report could not be written: %1").arg(error));
        else summary_->setText(summary_->text() + tr(" Report written: %1 (SHA-256 %2).").arg(path, sha256));
        emit reportWritten(path, error);
    });
    auto* openImage = new QPushButton(tr("Open Image"));
    connect(openImage, &QPushButton::clicked, this, [this] {
        const QModelIndexList rows = view_->selectionModel()->selectedRows();
        if (!rows.isEmpty()) activateRow(rows.first().row());
    });

    auto* top = new QHBoxLayout;
    top->addWidget(openCaseButton);
    top->addWidget(verdict_);
    top->addWidget(search_, 1);
    auto* bottom = new QHBoxLayout;
    summary_ = new QLabel(tr("No case open."));
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);  // the written report's SHA-256 can be copied
    bottom->addWidget(summary_, 1);
    bottom->addWidget(openImage);
    bottom->addWidget(report_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(view_, 1);
    layout->addLayout(bottom);
}

CaseBrowser::~CaseBrowser() { pool_.waitForDone(); }

void CaseBrowser::chooseCase() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open case"), caseFile_, tr("SynthScope case (*.sqlite);;All files (*)"));
    if (!file.isEmpty()) openCase(file);
}

void CaseBrowser::openCase(const QString& file) {
    caseFile_ = file;
    setWindowTitle(tr("Case %1").arg(QFileInfo(file).fileName()));
    summary_->setText(tr("Reading %1...").arg(file));
    report_->setEnabled(false);
    loading_ = true;
    pool_.start([this, file] {
        auto contents = std::make_shared<CaseContents>();
        try {
            const auto store = CaseStore::open(QFile::encodeName(file).toStdString(), /*create=*/false);
            store->forEachEntry([&](const CaseEntry& e) { contents->entries.push_back(e); });
            store->forEachFailure([&](const CaseFailure& f) { contents->failures.push_back(f); });
        } catch (const std::exception& e) {
            contents->error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(this, [this, file, contents] {
            if (file != caseFile_) return;  // another case was opened meanwhile
            loading_ = false;
            model_->removeRows(0, model_->rowCount());
            if (!contents->error.isEmpty()) {
                loadedSummary_.clear();
                summary_->setText(tr("Could not open the case: %1").arg(contents->error));
                emit caseFailed(contents->error);
                return;
            }
            int counts[3] = {0, 0, 0};  // synthetic, inconclusive, authentic
            int regions = 0;
            for (const CaseEntry& e : contents->entries) {
                model_->appendRow(entryRow(e));
                counts[e.label == "synthetic" ? 0 : e.label == "inconclusive" ? 1 : 2]++;
                regions += e.region.has_value();
            }
            for (const CaseFailure& f : contents->failures) model_->appendRow(failureRow(f));
            view_->resizeColumnsToContents();
            sortByProbability();  // what an investigator looks at first
            const QString analysed = regions == 0 ? tr("%1 images").arg(contents->entries.size())
                                                  : tr("%1 results (%2 of them of a region of an image)").arg(contents->entries.size()).arg(regions);
            loadedSummary_ = tr("%1: %2 synthetic, %3 inconclusive, %4 authentic; %5 failed.")
                                 .arg(analysed)
                                 .arg(counts[0])
                                 .arg(counts[1])
                                 .arg(counts[2])
                                 .arg(contents->failures.size());
            updateSummary();
            report_->setEnabled(true);
            emit caseLoaded(int(contents->entries.size()), int(contents->failures.size()));
        }, Qt::QueuedConnection);
    });
}

void CaseBrowser::updateSummary() {
    if (loadedSummary_.isEmpty()) return;
    QString text = loadedSummary_;
    if (proxy_->rowCount() != model_->rowCount()) text += tr(" Showing %1.").arg(proxy_->rowCount());
    summary_->setText(text + tr(" Double-click an image to open it."));
}

int CaseBrowser::rowCount() const { return proxy_->rowCount(); }

QString CaseBrowser::pathAt(int row) const { return proxy_->index(row, File).data(kPathRole).toString(); }

QString CaseBrowser::nameAt(int row) const { return proxy_->index(row, File).data().toString(); }

QString CaseBrowser::verdictAt(int row) const { return proxy_->index(row, Verdict).data().toString(); }

QString CaseBrowser::likelyGeneratorAt(int row) const { return proxy_->index(row, Generator).data().toString(); }

QString CaseBrowser::noteAt(int row) const { return proxy_->index(row, Note).data().toString(); }

void CaseBrowser::setVerdictFilter(const QString& verdict) {
    proxy_->setVerdict(verdict);
    updateSummary();
}

void CaseBrowser::setTextFilter(const QString& text) {
    proxy_->setText(text);
    updateSummary();
}

void CaseBrowser::sortByProbability() { view_->sortByColumn(Synthetic, Qt::DescendingOrder); }

void CaseBrowser::activateRow(int row) {
    const QString path = pathAt(row);
    if (path.isEmpty()) return;
    const QStringList key = proxy_->index(row, File).data(kKeyRole).toStringList();
    if (key.size() == 3)
        emit openStoredResultRequested(path, caseFile_, CacheKey{key[0].toStdString(), key[1].toStdString(), key[2].toStdString()},
                                       proxy_->index(row, File).data(kRegionRole).toRect());
    else
        emit openImageRequested(path);  // a failure: nothing stored, so it is analysed
}

void CaseBrowser::chooseReportFile() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export case report"), QFileInfo(caseFile_).completeBaseName() + ".pdf",
                                                      tr("PDF (*.pdf);;HTML (*.html)"));
    if (!path.isEmpty()) exportReport(path);
}

void CaseBrowser::exportReport(const QString& path) {
    report_->setEnabled(false);
    summary_->setText(tr("Writing %1...").arg(path));
    exporter_->start([file = caseFile_] {
        const auto store = CaseStore::open(QFile::encodeName(file).toStdString(), /*create=*/false);
        return report::caseReport(*store, {});
    }, path);
}

}  // namespace synthscope::ui
