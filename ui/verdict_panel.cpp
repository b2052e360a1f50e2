#include "ui/verdict_panel.h"

#include <algorithm>

#include <QFile>
#include <QFileInfo>

#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "engine/attribution_fusion.h"
#include "engine/robustness_check.h"
#include "report/verdict_words.h"

namespace synthscope::ui {
namespace {

QString percent(double p) { return QString::number(p * 100.0, 'f', 0) + "%"; }

// What each source said of the first candidates (CombinedAttribution::contributionRows), as a small table.
QString contributionTable(const CombinedAttribution& c) {
    const auto rows = c.contributionRows(3);
    if (rows.empty()) return {};
    const bool look = c.lookWeight > 0;
    auto cell = [](const QString& text, bool header = false) {
        const QString tag = header ? "th" : "td";
        return QString("<%1 align=\"right\">%2</%1>").arg(tag, text.toHtmlEscaped());
    };
    // Short headers keep the dock narrow; the caption gives the weights, the tooltip the formula.
    QString html = QObject::tr("<small><b>How the generator was chosen</b> (detector: its share of the synthetic classes; fingerprint: "
                               "log likelihood ratio, weight %1%2%3):</small>")
                       .arg(c.weight)
                       .arg(look ? QObject::tr("; look weight %1").arg(c.lookWeight) : QString())
                       .arg(c.temperature != 1 ? QObject::tr("; combined at temperature %1").arg(c.temperature) : QString()) +
                   "<table cellspacing=\"0\" cellpadding=\"2\" style=\"font-size: small;\"><tr>";
    html += "<th align=\"left\">" + QObject::tr("candidate") + "</th>" + cell(QObject::tr("detector"), true) +
            cell(QObject::tr("fingerprint"), true) + (look ? cell(QObject::tr("look"), true) : QString()) +
            cell(QObject::tr("combined"), true) + "</tr>";
    for (const auto& r : rows)
        html += "<tr><td>" + QString::fromStdString(r.name).toHtmlEscaped() + "</td>" + cell(QString::fromStdString(r.detector)) +
                cell(QString::fromStdString(r.evidence)) + (look ? cell(QString::fromStdString(r.look)) : QString()) +
                "<td align=\"right\"><b>" + QString::fromStdString(r.combined) + "</b></td></tr>";
    return html + "</table>";
}

}  // namespace

VerdictPanel::VerdictPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    headline_ = new QLabel(tr("No image analysed yet"));
    QFont big = headline_->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    headline_->setFont(big);
    headline_->setWordWrap(true);
    details_ = new QLabel;
    details_->setWordWrap(true);
    details_->setTextFormat(Qt::RichText);
    contributions_ = new QLabel;
    contributions_->setTextFormat(Qt::RichText);
    contributions_->setWordWrap(true);
    contributions_->setToolTip(tr("Each candidate's score is log(detector) + weight x fingerprint evidence + weight x log(look); "
                                  "\"combined\" is the softmax of the scores. A fingerprint's evidence is its log likelihood "
                                  "ratio fake / real: above 0 speaks for the generator. \"-\": that source has nothing on it. "
                                  "Listed: the first candidates, and the detector's and the look's own first choices."));
    contributions_->hide();
    robustness_ = new QLabel;
    robustness_->setWordWrap(true);
    robustness_->setTextFormat(Qt::RichText);
    robustness_->hide();
    progress_ = new QProgressBar;
    progress_->setFormat(tr("%v of %m patches"));
    progress_->hide();
    model_ = new QLabel;
    model_->setWordWrap(true);
    QFont small = model_->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    model_->setFont(small);

    chart_ = new QCustomPlot;
    chart_->setAccessibleName(tr("Class probabilities"));
    chart_->setMinimumHeight(170);
    chart_->setBackground(palette().color(QPalette::Base));
    bars_ = new QCPBars(chart_->yAxis, chart_->xAxis);  // horizontal bars: classes on the vertical axis
    bars_->setBrush(QColor(70, 130, 200));
    bars_->setPen(Qt::NoPen);
    chart_->xAxis->setRange(0, 1);
    chart_->xAxis->setLabel(tr("probability"));
    chart_->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText));
    chart_->plotLayout()->insertRow(0);
    chart_->plotLayout()->addElement(0, 0, new QCPTextElement(chart_, tr("Classes"), QFont(font().family(), 9, QFont::Bold)));

    patch_ = new QLabel;
    patch_->setWordWrap(true);
    patch_->setTextFormat(Qt::RichText);

    auto* caveat = new QLabel(tr("<small>A detector gives evidence, not proof: it knows the generators it was trained on, "
                                 "and editing, resizing or recompression can mislead it. Read the heatmap and the other "
                                 "panels before concluding.</small>"));
    caveat->setWordWrap(true);

    layout->addWidget(headline_);
    layout->addWidget(details_);
    layout->addWidget(contributions_);
    layout->addWidget(robustness_);
    layout->addWidget(progress_);
    layout->addWidget(chart_, 1);
    layout->addStretch(0);  // takes the chart's room only while the chart is hidden: the text stays at the top
    layout->addWidget(patch_);
    layout->addWidget(model_);
    layout->addWidget(caveat);
    updateChart({}, tr("Classes"));
}

QString VerdictPanel::headline() const { return headline_->text(); }
QString VerdictPanel::details() const { return details_->text(); }
QString VerdictPanel::robustness() const { return robustness_->isHidden() ? QString() : robustness_->text(); }
QString VerdictPanel::contributions() const { return contributions_->isHidden() ? QString() : contributions_->text(); }

void VerdictPanel::setFingerprints(const FingerprintAttribution* fingerprints) {
    if (fingerprints) fingerprints_ = *fingerprints;
    else fingerprints_.reset();
    if (result_ && result_->verdict.ready) setResult(result_);  // the generator line may change
}

void VerdictPanel::setRobustnessPending(bool pending) {
    robustnessPending_ = pending;
    updateRobustness();
}

void VerdictPanel::updateRobustness() {
    const RobustnessReport* report = result_ && result_->robustness ? &*result_->robustness : nullptr;
    if (!report) {
        robustness_->setText(tr("Robustness check: analysing degraded copies..."));
        robustness_->setVisible(result_ != nullptr && result_->verdict.ready && robustnessPending_);
        return;
    }
    const QString copies = QString::fromStdString(describeCopies(report->copies));
    QString answer;
    if (!report->done()) answer = tr("not done: %1").arg(QString::fromStdString(report->error).toHtmlEscaped());
    else if (report->label == VerdictLabel::Inconclusive) answer = tr("<b>inconclusive</b>. %1").arg(QString::fromStdString(report->explanation).toHtmlEscaped());
    else answer = tr("holds (%1). %2").arg(verdictLabelName(report->label), QString::fromStdString(report->explanation).toHtmlEscaped());
    robustness_->setText(tr("Robustness check (%1 copies): %2").arg(copies, answer));
    robustness_->show();
}

void VerdictPanel::setProgress(int done, int total) {
    progress_->setVisible(total > 0 && done < total);
    progress_->setMaximum(std::max(total, 1));
    progress_->setValue(done);
}

void VerdictPanel::setMessage(const QString& message) {
    result_.reset();
    headline_->setText(message);
    headline_->setStyleSheet({});
    details_->clear();
    contributions_->clear();
    contributions_->hide();
    updateRobustness();
    patch_->clear();
    model_->clear();
    progress_->hide();
    updateChart({}, tr("Classes"));
}

void VerdictPanel::setFailure(const QString& why) {
    setMessage(tr("Could not analyse this image"));
    details_->setText(why.toHtmlEscaped());
}

void VerdictPanel::setResult(const ResultPtr& result) {
    result_ = result;
    if (!result || !result->verdict.ready) {
        setMessage(result ? tr("Analysing...") : tr("No image analysed yet"));
        return;
    }
    const Verdict& v = result->verdict;
    const report::VerdictWords w = report::verdictWords(v.label);  // the words and colour of the reports and the canvas
    headline_->setText(w.words);
    headline_->setStyleSheet("color: " + w.colour + ";");
    QString text = v.calibrated
                       ? tr("Synthetic probability <b>%1</b>, calibrated from the model's raw %2 (± %3 across the %4 "
                            "highest-contrast patches that decide the verdict).")
                             .arg(percent(v.syntheticProbability), percent(v.rawSyntheticProbability), percent(v.spread))
                             .arg(v.patchesUsed)
                       : tr("Synthetic probability <b>%1</b> (± %2 across the %3 highest-contrast patches that decide the verdict).")
                             .arg(percent(v.syntheticProbability), percent(v.spread))
                             .arg(v.patchesUsed);
    if (const std::optional<ImageRegion>& g = result->image.region)  // Analysis > Analyse Selected Region
        text = tr("Of the <b>%1</b> only: whether this part looks generated, not the whole picture. ")
                   .arg(QString::fromStdString(g->describe())) + text;
    if (!v.fingerprintTerms.empty())
        text += tr(" The generator fingerprints' evidence is part of it (log likelihood ratio: %1).")
                    .arg(QString::fromStdString(v.describeFingerprintTerms()).toHtmlEscaped());
    if (v.label == VerdictLabel::Inconclusive)
        text += tr(" It lies inside the model's inconclusive band (%1 to %2): this model cannot tell.").arg(percent(v.bandLow), percent(v.bandHigh));
    if (v.spread > 0.25)
        // Not "select the warm part": chosen by its colour, a real photo's warmest part is called generated far
        // more often than the photo (README, "Regions").
        text += tr(" <b>The decisive patches disagree strongly</b>: parts of the image may differ in origin. A part you "
                   "suspect for what it shows can be analysed alone (Shift+drag, then Ctrl+Shift+R); a part chosen because "
                   "the heatmap marks it will look generated more often than it is.");
    if (const std::optional<RegionControls>& c = result->controls) {  // parts of its size elsewhere (region_controls.h)
        const QString said = QString::fromStdString(c->done() ? c->explanation : c->error).toHtmlEscaped();
        if (!c->done()) text += tr("<br>Control parts not analysed: %1").arg(said);
        else if (v.label == VerdictLabel::Synthetic && !c->parts.empty() && !c->standOut(v))  // the case a user must not miss
            text += tr("<br>Against the rest of the picture: <b>%1</b>").arg(said);
        else text += tr("<br>Against the rest of the picture: %1").arg(said);
    }
    // The analysis combines them when the model's calibration has a fingerprint library; otherwise with
    // the fingerprints the forensics panel computed (setFingerprints), when it has.
    const std::optional<CombinedAttribution> combined =
        v.combinedAttribution ? v.combinedAttribution : fingerprints_ ? combineAttribution(*result, *fingerprints_) : std::nullopt;
    if (combined && !combined->ranking.empty() && v.label != VerdictLabel::Authentic) {
        const ClassScore& top = combined->ranking.front();
        const bool unnamed = combined->isUnnamed(top.name);
        if (unnamed) {
            text += tr("<br>Most likely generator: one the model has no name for (<b>%1</b>, %2, %3 combined)")
                        .arg(QString::fromStdString(top.name), percent(top.probability), QString::fromStdString(combined->sources()));
            if (const ClassScore* named = combined->firstNamed())
                text += tr("; among the named ones, %1 (%2)").arg(QString::fromStdString(named->name), percent(named->probability));
        } else {
            text += tr("<br>Most likely generator: <b>%1</b> (%2, %3 combined")
                        .arg(QString::fromStdString(top.name), percent(top.probability), QString::fromStdString(combined->sources()));
        }
        // By generator name on both sides: a model's class names need not be its generators' names.
        if (combined->detectorTop != top.name)
            text += tr("; the detector alone says %1").arg(QString::fromStdString(combined->detectorTop));
        // The look reads style and content, not traces: say when it alone would answer otherwise.
        if (combined->lookWeight > 0 && !result->look.empty()) {
            const auto lookTop = std::max_element(result->look.begin(), result->look.end(),
                                                  [](const auto& a, const auto& b) { return a.second < b.second; });
            if (lookTop->first != top.name)
                text += tr("; the image's look alone says %1").arg(QString::fromStdString(lookTop->first));
        }
        text += unnamed ? "." : ").";
    } else if (!v.attribution.empty() && v.attribution.size() > 1 && v.label != VerdictLabel::Authentic) {
        text += (result->likelyGeneratorIsUnnamed() ? tr("<br>Most likely generator: one the model has no name for (<b>%1</b>, %2 of the synthetic share).")
                                                     : tr("<br>Most likely generator: <b>%1</b> (%2 of the synthetic share)."))
                    .arg(QString::fromStdString(v.attribution[0].name), percent(v.attribution[0].probability));
    }
    for (const std::string& warning : result->warnings)
        text += "<br><i><b>" + tr("Warning:") + "</b> " + QString::fromStdString(warning).toHtmlEscaped() + "</i>";
    if (result->record)  // read with the file by the analysis (record_beside_verdict.h)
        for (const RecordNote& note : *result->record)
            text += "<br><span style='color:#c98a00'><b>" +
                    (note.againstVerdict ? tr("The file's record points the other way:") : tr("The file's record:")) + "</b> " +
                    QString::fromStdString(note.text).toHtmlEscaped() + "</span>";
    details_->setText(text);
    const QString table = combined && v.label != VerdictLabel::Authentic ? contributionTable(*combined) : QString();
    contributions_->setText(table);
    contributions_->setVisible(!table.isEmpty());
    const Provenance& p = result->provenance;
    model_->setText(tr("Model %1 %2 on %3 (%4), %5-px patches, sha256 %6")
                        .arg(QString::fromStdString(p.modelName), QString::fromStdString(p.modelVersion),
                             QString::fromStdString(p.device), QString::fromStdString(p.precision))
                        .arg(p.patchSize)
                        .arg(QString::fromStdString(p.modelSha256.substr(0, 12))) +
                    (p.storedIn.empty() ? QString()
                                        : tr("; result as stored in the case %1 (F5 analyses again with the current model)")
                                              .arg(QFileInfo(QFile::decodeName(p.storedIn.c_str())).fileName())));
    updateRobustness();
    updateChart(v.classes, tr("Classes (mean over the decisive patches)"));
}

void VerdictPanel::showPatch(int index) {
    if (!result_ || index < 0 || std::size_t(index) >= result_->patches.size() || !result_->patches[std::size_t(index)].classified()) {
        patch_->clear();
        return;
    }
    const PatchResult& p = result_->patches[std::size_t(index)];
    QString text = tr("<b>Patch at (%1, %2)</b>%3: synthetic %4<br>").arg(p.rect.x).arg(p.rect.y)
                       .arg(p.inTopK ? tr(", one of the decisive patches") : QString(), percent(p.synthetic));
    QStringList parts;
    for (std::size_t c = 0; c < p.probabilities.size(); ++c)
        parts << QString("%1 %2").arg(c < result_->classNames.size() ? QString::fromStdString(result_->classNames[c]) : QString::number(c),
                                      percent(p.probabilities[c]));
    patch_->setText(text + parts.join(", "));
}

void VerdictPanel::updateChart(const std::vector<ClassScore>& scores, const QString& title) {
    QVector<double> keys, values;
    QVector<QString> labels;
    // Highest at the top: QCustomPlot draws key 1 at the bottom.
    for (std::size_t i = 0; i < scores.size(); ++i) {
        keys << double(scores.size() - i);
        values << scores[i].probability;
        labels << QString::fromStdString(scores[i].name);
    }
    bars_->setData(keys, values);
    auto ticker = qSharedPointerCast<QCPAxisTickerText>(chart_->yAxis->ticker());
    ticker->clear();
    ticker->addTicks(keys, labels);
    chart_->yAxis->setRange(0.3, std::max<double>(scores.size(), 1) + 0.7);
    if (auto* t = qobject_cast<QCPTextElement*>(chart_->plotLayout()->element(0, 0))) t->setText(title);
    chart_->replot();
    QStringList said;  // the bars as a screen reader reads them
    for (const ClassScore& c : scores) said << tr("%1 %2%").arg(QString::fromStdString(c.name)).arg(c.probability * 100, 0, 'f', 0);
    chart_->setAccessibleDescription(title + ": " + said.join(", "));
    chart_->setVisible(!scores.empty());  // an empty chart says nothing (no image, or one that could not be read)
}

}  // namespace synthscope::ui
