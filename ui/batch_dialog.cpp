#include "ui/batch_dialog.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

#include <functional>
#include <optional>

#include "engine/batch_analysis.h"
#include "engine/file_collector.h"
#include "engine/model_registry.h"
#include "ui/user_settings.h"

namespace synthscope::ui {
namespace {

// Forwards the batch's events (on the worker thread) to the dialog's thread, queued.
class DialogObserver : public BatchObserver {
public:
    explicit DialogObserver(QObject* dialog, std::function<void(int, int)> planned,
                            std::function<void(QString, QString, double, QString)> analysed, std::function<void(QString, QString)> failed)
        : dialog_(dialog), planned_(std::move(planned)), analysed_(std::move(analysed)), failed_(std::move(failed)) {}
    void onPlanned(int cached, int toAnalyse) override {
        QMetaObject::invokeMethod(dialog_, [f = planned_, cached, toAnalyse] { f(cached, toAnalyse); }, Qt::QueuedConnection);
    }
    void onAnalysed(const AnalysisResult& r) override {
        const QString path = QFile::decodeName(r.image.path.c_str());
        const QString label = verdictLabelName(r.verdict.label);
        const double p = r.verdict.syntheticProbability;
        QString note;  // the robustness check's answer, when it ran
        if (r.robustness && r.robustness->done())
            note = QObject::tr("robustness check: %1. %2").arg(verdictLabelName(r.robustness->label), QString::fromStdString(r.robustness->explanation));
        else if (r.robustness)
            note = QObject::tr("robustness check not done: %1").arg(QString::fromStdString(r.robustness->error));
        if (r.record)  // where the file's record points the other way, as the case table says
            for (const RecordNote& n : *r.record)
                if (n.againstVerdict)
                    note += (note.isEmpty() ? "" : "; ") + QObject::tr("record, against the verdict: %1").arg(QString::fromStdString(n.text));
        QMetaObject::invokeMethod(dialog_, [f = analysed_, path, label, p, note] { f(path, label, p, note); }, Qt::QueuedConnection);
    }
    void onFailed(const std::string& path, ErrorKind, const std::string& message) override {
        const QString p = QFile::decodeName(path.c_str()), m = QString::fromStdString(message);
        QMetaObject::invokeMethod(dialog_, [f = failed_, p, m] { f(p, m); }, Qt::QueuedConnection);
    }

private:
    QObject* dialog_;
    std::function<void(int, int)> planned_;
    std::function<void(QString, QString, double, QString)> analysed_;
    std::function<void(QString, QString)> failed_;
};

}  // namespace

BatchDialog::BatchDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Analyse Folder into Case"));
    resize(760, 520);
    folder_ = new QLineEdit;
    caseFile_ = new QLineEdit;
    auto* browseFolder = new QPushButton(tr("Browse..."));
    auto* browseCase = new QPushButton(tr("Browse..."));
    connect(browseFolder, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder to analyse"), folder_->text());
        if (!dir.isEmpty()) folder_->setText(dir);
    });
    connect(browseCase, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Case file"), caseFile_->text(), tr("SynthScope case (*.sqlite)"),
                                                          nullptr, QFileDialog::DontConfirmOverwrite);
        if (!file.isEmpty()) caseFile_->setText(file);
    });
    auto* form = new QFormLayout;
    auto row = [](QLineEdit* edit, QPushButton* button) {
        auto* h = new QHBoxLayout;
        h->addWidget(edit, 1);
        h->addWidget(button);
        return h;
    };
    form->addRow(tr("Folder (recursive):"), row(folder_, browseFolder));
    form->addRow(tr("Case file:"), row(caseFile_, browseCase));
    progress_ = new QProgressBar;
    status_ = new QLabel(tr("Results are committed to the case one by one; an existing case is resumed, skipping what it holds. "
                            "Export and report with 'synthscope report --case FILE'."));
    status_->setWordWrap(true);
    table_ = new QTableWidget(0, 4);
    table_->setHorizontalHeaderLabels({tr("File"), tr("Verdict"), tr("Synthetic p"), tr("Note")});
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    startButton_ = new QPushButton(tr("Start"));
    cancelButton_ = new QPushButton(tr("Cancel"));
    cancelButton_->setEnabled(false);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(startButton_, QDialogButtonBox::ActionRole);
    buttons->addButton(cancelButton_, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(startButton_, &QPushButton::clicked, this, &BatchDialog::start);
    connect(cancelButton_, &QPushButton::clicked, this, [this] {
        cancel_.store(true);
        status_->setText(tr("Cancelling after the current batch of patches..."));
    });
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(table_, 1);
    layout->addWidget(buttons);
}

BatchDialog::~BatchDialog() {
    cancel_.store(true);
    if (worker_) worker_->wait();
}

void BatchDialog::setInputs(const QString& folder, const QString& caseFile) {
    folder_->setText(folder);
    caseFile_->setText(caseFile);
}

bool BatchDialog::running() const { return busy_; }
int BatchDialog::rowCount() const { return table_->rowCount(); }
QString BatchDialog::noteAt(int row) const { return table_->item(row, 3) ? table_->item(row, 3)->text() : QString(); }
QString BatchDialog::statusText() const { return status_->text(); }

void BatchDialog::start() {
    if (busy_) return;
    if (worker_) worker_->wait();  // its last event was delivered: it is returning
    const QString folder = folder_->text(), caseFile = caseFile_->text();
    if (folder.isEmpty() || caseFile.isEmpty()) {
        status_->setText(tr("Choose a folder and a case file first."));
        return;
    }
    busy_ = true;
    table_->setRowCount(0);
    cached_ = toAnalyse_ = done_ = failedCount_ = 0;
    cancel_.store(false);
    startButton_->setEnabled(false);
    cancelButton_->setEnabled(true);
    progress_->setRange(0, 0);  // busy until the plan is known
    const UserSettings settings = UserSettings::load();
    status_->setText(settings.robustnessCheck ? tr("Hashing the files and looking them up in the case (with the robustness check)...")
                                              : tr("Hashing the files and looking them up in the case..."));
    const std::string folderBytes = QFile::encodeName(folder).toStdString(), caseBytes = QFile::encodeName(caseFile).toStdString();
    worker_.reset(QThread::create([this, settings, folderBytes, caseBytes] {
        QString summary;
        try {
            const std::unique_ptr<CaseStore> store = CaseStore::open(caseBytes);
            const ModelManifest manifest = resolveModel(settings.model.toStdString(), scanModels(modelSearchPaths()));
            const std::shared_ptr<Detector> detector = Detector::open(manifest, settings.detectorOptions());
            const ImageAnalyzer analyzer(detector, settings.analysisSettings());
            // Analysis > Robustness Check applies to batches too: each new result is checked before it is stored.
            std::optional<RobustnessCheck> robustness;
            if (settings.robustnessCheck) robustness.emplace(detector, settings.analysisSettings());
            const CollectedFiles files = collectImageFiles({folderBytes});
            for (const std::string& e : files.errors) {
                const QString m = QString::fromStdString(e);
                QMetaObject::invokeMethod(this, [this, m] { failed({}, m); }, Qt::QueuedConnection);
            }
            DialogObserver observer(
                this, [this](int c, int t) { planned(c, t); },
                [this](const QString& p, const QString& l, double v, const QString& n) { analysed(p, l, v, n); },
                [this](const QString& p, const QString& m) { failed(p, m); });
            const BatchSummary s =
                BatchAnalysis(*store, analyzer, robustness ? &*robustness : nullptr).run(files.images, &observer, &cancel_);
            summary = tr("%1 files: %2 already in the case, %3 analysed, %4 failed%5 in %6 s. Case: %7")
                          .arg(s.files).arg(s.cached).arg(s.analysed).arg(s.failed)
                          .arg(s.cancelled ? tr(" (cancelled: run again to resume)") : QString())
                          .arg(s.seconds, 0, 'f', 1).arg(QFile::decodeName(caseBytes.c_str()));
        } catch (const std::exception& e) {
            summary = tr("The batch stopped: %1").arg(QString::fromStdString(e.what()));
        }
        QMetaObject::invokeMethod(this, [this, summary] { finished(summary); }, Qt::QueuedConnection);
    }));
    worker_->start();
}

void BatchDialog::planned(int cached, int toAnalyse) {
    cached_ = cached;
    toAnalyse_ = toAnalyse;
    progress_->setRange(0, std::max(1, toAnalyse));
    progress_->setValue(0);
    clock_.start();  // the time left counts analyses only, not the cached files
    updateStatus();
}

void BatchDialog::analysed(const QString& path, const QString& label, double probability, const QString& note) {
    ++done_;
    addRow(path, label, QString::number(probability, 'f', 2), note);
    updateStatus();
}

void BatchDialog::failed(const QString& path, const QString& message) {
    ++failedCount_;
    if (!path.isEmpty()) ++done_;
    addRow(path, tr("failed"), {}, message);
    updateStatus();
}

void BatchDialog::finished(const QString& summary) {
    busy_ = false;
    startButton_->setEnabled(true);
    cancelButton_->setEnabled(false);
    progress_->setRange(0, 1);
    progress_->setValue(1);
    status_->setText(summary);
    emit batchFinished(summary);
}

void BatchDialog::addRow(const QString& path, const QString& verdict, const QString& probability, const QString& note) {
    const int row = table_->rowCount();
    table_->insertRow(row);
    table_->setItem(row, 0, new QTableWidgetItem(path));
    table_->setItem(row, 1, new QTableWidgetItem(verdict));
    table_->setItem(row, 2, new QTableWidgetItem(probability));
    auto* noteItem = new QTableWidgetItem(note);
    noteItem->setToolTip(note);
    table_->setItem(row, 3, noteItem);
    table_->scrollToBottom();
}

void BatchDialog::updateStatus() {
    progress_->setValue(std::min(done_, progress_->maximum()));
    QString eta;
    if (done_ > 0 && toAnalyse_ > done_) {
        const double perImage = clock_.elapsed() / 1000.0 / done_;
        eta = tr(", about %1 s left").arg(int(perImage * (toAnalyse_ - done_) + 0.5));
    }
    status_->setText(tr("%1 already in the case; %2 of %3 analysed, %4 failed%5")
                         .arg(cached_).arg(done_).arg(toAnalyse_).arg(failedCount_).arg(eta));
}

}  // namespace synthscope::ui
