#include "report/verdict_summary.h"

#include <QDateTime>
#include <QStringList>

#include "engine/evidence.h"
#include "engine/version.h"
#include "report/verdict_words.h"

namespace synthscope::report {
namespace {

QString percent(double p) { return QString::number(p * 100, 'f', 0) + "%"; }
QString text(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

QString verdictSummary(const AnalysisResult& r) {
    const Verdict& v = r.verdict;
    QStringList lines;
    lines << QString("SynthScope %1, %2").arg(SYNTHSCOPE_VERSION, QDateTime::currentDateTimeUtc().toString("yyyy-MM-dd HH:mm 'UTC'"));
    lines << QString("%1: synthetic probability %2 (spread %3 over the %4 patches that decide it; inconclusive from %5 to %6)")
                 .arg(verdictWords(v.label).words, percent(v.syntheticProbability), percent(v.spread))
                 .arg(v.patchesUsed)
                 .arg(percent(v.bandLow), percent(v.bandHigh));
    if (r.robustness)
        lines << (r.robustness->done() ? "Robustness check: " + text(r.robustness->explanation)
                                       : "Robustness check not done: " + text(r.robustness->error));
    if (r.controls)
        lines << (r.controls->done() ? "Control parts: " + text(r.controls->explanation)
                                     : "Control parts not analysed: " + text(r.controls->error));
    const std::optional<ClassScore> generator = r.likelyGenerator();
    if (generator && v.label != VerdictLabel::Authentic && v.attribution.size() > 1)
        lines << QString("Most likely generator: %1%2 (%3%4)")
                     .arg(text(generator->name),
                          r.likelyGeneratorIsUnnamed() ? ", a generator the model has no name for" : "",
                          percent(generator->probability),
                          v.combinedAttribution ? "; " + text(v.combinedAttribution->sources()) + " combined" : "");
    for (const std::string& w : r.warnings) lines << "Warning: " + text(w);
    if (r.record)
        for (const RecordNote& n : *r.record) lines << (n.againstVerdict ? "The file's record points the other way: " : "The file's record: ") + text(n.text);
    if (const std::optional<ImageRegion>& g = r.image.region)
        lines << QString("File: %1 (SHA-256 %2; %3 x %4 %5); analysed: the %6 only")
                     .arg(text(r.image.path), text(r.image.sha256))
                     .arg(g->sourceWidth)
                     .arg(g->sourceHeight)
                     .arg(text(r.image.format), text(g->describe()));
    else
        lines << QString("File: %1 (SHA-256 %2; %3 x %4 %5)")
                     .arg(text(r.image.path), text(r.image.sha256))
                     .arg(r.image.width)
                     .arg(r.image.height)
                     .arg(text(r.image.format));
    const Provenance& p = r.provenance;
    lines << QString("Model: %1 %2 (SHA-256 %3) on %4, %5, %6-px patches%7")
                 .arg(text(p.modelName), text(p.modelVersion), text(p.modelSha256), text(p.device), text(p.precision))
                 .arg(p.patchSize)
                 .arg(p.storedIn.empty() ? QString() : "; result as stored in the case " + text(p.storedIn));
    lines << detectorCaveat();
    return lines.join('\n') + '\n';
}

}  // namespace synthscope::report
