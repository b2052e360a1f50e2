#include "report/evidence_report.h"

#include <QDateTime>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTextDocument>
#include <QUrl>

#include <algorithm>
#include <map>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/heatmap.h"
#include "engine/record_beside_verdict.h"
#include "engine/robustness_check.h"
#include "engine/version.h"
#include "report/pdf_pages.h"
#include "report/verdict_words.h"

namespace synthscope::report {
namespace {

QString esc(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }
QString pct(double p) { return QString::number(p * 100, 'f', 1) + "%"; }

// Small HTML helpers in the subset QTextDocument understands (tables, no CSS layout).
// A header row is a <thead>: QTextDocument repeats it at the top of every page a long table covers.
QString row(const QStringList& cells, bool header = false) {
    QString out = header ? "<thead><tr>" : "<tr>";
    for (const QString& c : cells) out += header ? "<th align=\"left\" bgcolor=\"#e8e8e8\">" + c + "</th>" : "<td>" + c + "</td>";
    return out + (header ? "</tr></thead>\n" : "</tr>\n");
}
// A picture with its caption under it. Not a two-cell table row: QTextDocument splits a row across pages
// line by line, which left the caption on one page and the picture alone on the next.
QString figure(const QString& source, int width, int height, const QString& caption) {
    return QString("<p><img src=\"report-image:%1\" width=\"%2\" height=\"%3\"></p>\n<p>%4</p>\n").arg(source).arg(width).arg(height).arg(caption);
}
QString table(const QString& rows) { return "<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\" width=\"100%\">\n" + rows + "</table>\n"; }
QString keyValue(const std::vector<std::pair<QString, QString>>& pairs) {
    QString rows;
    for (const auto& [k, v] : pairs) rows += "<tr><td width=\"28%\" bgcolor=\"#f2f2f2\"><b>" + k + "</b></td><td>" + v + "</td></tr>\n";
    return table(rows);
}
QString h2(const QString& s, bool newPage = false) {
    return QString("<h2%1>").arg(newPage ? " style=\"page-break-before: always\"" : "") + s + "</h2>\n";
}

// A label over a list inside a section: a heading (not a bold paragraph), so that a PDF page never ends with
// it and starts the next with its list (pdf_pages.h keeps headings with what follows them).
QString h4(const QString& s) { return "<h4>" + s + "</h4>\n"; }

QString statusCell(CheckRecord::Status s) {
    const char* colour = s == CheckRecord::Status::Done     ? "#2e7d4f"
                         : s == CheckRecord::Status::Failed ? "#c0392b"
                                                            : "#666666";
    return QString("<font color=\"%1\"><b>%2</b></font>").arg(colour, checkStatusName(s));
}

QString findingsList(const std::vector<Finding>& findings) {
    if (findings.empty()) return "<p><i>none</i></p>\n";
    QString out = "<ul>\n";
    for (const Finding& f : findings) out += "<li>[" + esc(f.severity) + "] " + esc(f.text) + "</li>\n";
    return out + "</ul>\n";
}

// The verdict on each degraded copy, and what the check concludes.
QString robustnessSection(const AnalysisResult& result) {
    const std::optional<RobustnessReport>& report = result.robustness;
    if (!report) return "<p><i>Not run (see the checks below).</i></p>\n";
    QString h = "<p>The image was analysed again as " + esc(describeCopies(report->copies)) +
                " copies, the handling a shared photo typically gets; a verdict that changes on them is reported as "
                "inconclusive.</p>\n";
    if (!report->done()) return h + "<p><i>Not done: " + esc(report->error) + "</i></p>\n";
    const VerdictWords w = verdictWords(report->label);
    h += QString("<p>After the check: <font color=\"%1\"><b>%2</b></font>. %3</p>\n").arg(w.colour, w.words, esc(report->explanation));
    QString rows = row({"copy", "size", "synthetic probability", "verdict"}, true);
    rows += row({"the image as analysed", QString("%1 x %2").arg(result.image.width).arg(result.image.height),
                 pct(report->originalProbability), verdictLabelName(report->originalLabel)});
    for (const RobustnessVariant& v : report->variants)
        rows += row({esc(describeCopies({v.name})), QString("%1 x %2").arg(v.width).arg(v.height),
                     pct(v.syntheticProbability),
                     v.label == report->originalLabel ? QString(verdictLabelName(v.label))
                                                      : QString("<b>%1</b>").arg(verdictLabelName(v.label))});
    return h + table(rows);
}

// A region's control parts (region_controls.h): the sentence, and each part with its verdict.
QString controlPartsSection(const AnalysisResult& result) {
    const std::optional<RegionControls>& c = result.controls;
    if (!c) return {};
    QString h = "<p><b>Control parts.</b> ";
    if (!c->done()) return h + "<i>Not done: " + esc(c->error) + "</i></p>\n";
    h += esc(c->explanation) + "</p>\n";
    if (c->parts.empty()) return h;
    QString rows = row({"", "part of the picture", "synthetic probability", "verdict"}, true);
    rows += row({"", "the region", pct(result.verdict.syntheticProbability), verdictLabelName(result.verdict.label)});
    // Numbered as on the picture: the parts beside the region, then (compared at a smaller size) its own.
    c->forEachPart([&](std::size_t number, const ControlPart& p, bool own) {
        rows += row({QString::number(number), (own ? "the region's part " : "") + esc(p.region.brief()), pct(p.syntheticProbability),
                     p.label == VerdictLabel::Synthetic ? QString("<b>%1</b>").arg(verdictLabelName(p.label))
                                                        : QString(verdictLabelName(p.label))});
    });
    return h + table(rows);
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

QString caveatBlock() {
    return "<table border=\"1\" cellspacing=\"0\" cellpadding=\"6\" width=\"100%\"><tr><td bgcolor=\"#fff6dd\"><b>What this "
           "report can and cannot show.</b> " +
           QString(detectorCaveat()).toHtmlEscaped() + "</td></tr></table>\n";
}

// One image's full section; picture names are prefixed so that a case report can hold many.
QString imageSection(const ImageEvidence& ev, const QString& prefix, std::vector<std::pair<QString, cv::Mat>>& images,
                     bool caseDetail) {
    const AnalysisResult& r = ev.detection;
    const Verdict& v = r.verdict;
    const Provenance& p = r.provenance;
    const VerdictWords w = verdictWords(v.label);
    QString h;
    const QString hTag = caseDetail ? "h3" : "h2";
    auto heading = [&](const QString& s) { return "<" + hTag + ">" + s + "</" + hTag + ">\n"; };

    const QString calibrated =
        !v.calibrated ? QString()
        : v.fingerprintTerms.empty()
            ? QString(" (calibrated from the model's raw %1)").arg(pct(v.rawSyntheticProbability))
            : QString(" (calibrated from the model's raw %1 with the generator fingerprints' evidence: %2)")
                  .arg(pct(v.rawSyntheticProbability), esc(v.describeFingerprintTerms()));
    h += QString("<p><font size=\"+2\" color=\"%1\"><b>%2</b></font><br>synthetic probability <b>%3</b>%8 &plusmn; %4 "
                 "(spread over the %5 deciding patches); inconclusive band %6 to %7</p>\n")
             .arg(w.colour, w.words, pct(v.syntheticProbability), pct(v.spread))
             .arg(v.patchesUsed)
             .arg(pct(v.bandLow), pct(v.bandHigh), calibrated);
    if (r.image.region)  // said with the verdict: it is what the verdict is about
        h += "<p>The detector analysed the <b>" + esc(r.image.region->describe()) +
             "</b> only, as asked: its verdict says whether that part looks generated, not the whole picture. The "
             "file's metadata and JPEG history below are the whole file's.</p>\n";
    int counts[4] = {0, 0, 0, 0};
    for (const CheckRecord& c : ev.checks) ++counts[int(c.status)];
    h += QString("<p>Checks: %1 done, %2 not applicable, %3 not run, %4 failed (listed under \"What was and was not "
                 "checked\").</p>\n")
             .arg(counts[int(CheckRecord::Status::Done)]).arg(counts[int(CheckRecord::Status::NotApplicable)])
             .arg(counts[int(CheckRecord::Status::NotRun)]).arg(counts[int(CheckRecord::Status::Failed)]);
    if (!ev.fileMatches)
        h += "<p><font color=\"#c0392b\"><b>The file could not be checked against the analysed one: " +
             (ev.fileError.empty() ? QString("its SHA-256 differs.") : esc(ev.fileError)) + "</b></font></p>\n";

    if (!ev.imageRgb.empty()) {
        images.push_back({prefix + "image", ev.imageRgb});
        images.push_back({prefix + "overlay", ev.overlayRgb});
        // The colour scale under the overlay: a printed report's reader has no legend beside it otherwise.
        cv::Mat ramp;
        cv::resize(heatmapColourRamp(ev.heatmapColours), ramp, cv::Size(256, 12), 0, 0, cv::INTER_NEAREST);
        images.push_back({prefix + "ramp", ramp});
        const int side = 280;  // two side by side, with padding, fit A4's text width (about 680 px at 96 dpi)
        const double s = double(side) / std::max(ev.imageRgb.cols, ev.imageRgb.rows);
        const QString size = QString("width=\"%1\" height=\"%2\"").arg(int(ev.imageRgb.cols * s)).arg(int(ev.imageRgb.rows * s));
        h += heading("Image and heatmap");
        h += "<table cellpadding=\"4\" width=\"100%\"><tr><td width=\"50%\"><img src=\"report-image:" + prefix + "image\" " + size +
             "></td><td width=\"50%\"><img src=\"report-image:" + prefix + "overlay\" " + size +
             "></td></tr><tr><td>The image as analysed</td><td><img src=\"report-image:" + prefix +
             "ramp\" width=\"200\" height=\"10\"><br>Heatmap overlay: per-patch synthetic probability (" +
             QString::fromStdString(heatmapColoursCaption(ev.heatmapColours)) + ")</td></tr></table>\n";
        if (!ev.regionContextRgb.empty() && r.image.region) {  // where the analysed region lies in the whole picture
            images.push_back({prefix + "region", ev.regionContextRgb});
            const double c = double(side) / std::max(ev.regionContextRgb.cols, ev.regionContextRgb.rows);
            h += figure(prefix + "region", int(ev.regionContextRgb.cols * c), int(ev.regionContextRgb.rows * c),
                        "Where the " + esc(r.image.region->describe()) + " lies in the whole picture (outlined in gold" +
                            (r.controls && !r.controls->parts.empty()
                                 ? QString(r.controls->atSmallerSize() ? "; its control parts and its own flagged parts numbered, in blue"
                                                                       : "; its control parts numbered, in blue")
                                 : QString()) + ")");
            h += controlPartsSection(r);
        }
    }

    h += heading("Detector probabilities");
    QString rows = row({"class", "probability (mean over the deciding patches)"}, true);
    for (const ClassScore& c : v.classes) rows += row({esc(c.name), pct(c.probability)});
    h += table(rows);
    auto topThree = [](const std::vector<ClassScore>& ranking) {
        QString ranks;
        for (std::size_t i = 0; i < std::min<std::size_t>(3, ranking.size()); ++i)
            ranks += (i ? ", " : "") + esc(ranking[i].name) + " " + pct(ranking[i].probability);
        return ranks;
    };
    if (v.attribution.size() > 1 && v.label != VerdictLabel::Authentic) {
        h += "<p>Most likely generator, if generated (the generator classes renormalised): " + topThree(v.attribution) + "</p>\n";
        if (const std::optional<CombinedAttribution>& c = ev.combinedAttribution) {
            QString unnamed;  // when the first choice is a class that names no generator
            if (!c->ranking.empty() && c->isUnnamed(c->ranking.front().name)) {
                const ClassScore* named = c->firstNamed();
                unnamed = " Its first choice, " + esc(c->ranking.front().name) +
                          ", is a class that stands for no named generator: the model has no name for this one" +
                          (named ? " (the first named generator is " + esc(named->name) + ")." : QString("."));
            }
            h += QString("<p>Combined with the generator fingerprints (below; their evidence weighted %1, as the model's "
                         "manifest says): <b>%2</b>. On the project's held-out images the combination attributes better "
                         "than either alone (models/baseline/README.md).%3</p>\n")
                     .arg(c->weight)
                     .arg(topThree(c->ranking))
                     .arg((c->detectorOnly.empty() ? QString()
                                                   : " Without a fingerprint, and so ranked by the detector alone: " +
                                                         esc(joined(c->detectorOnly)) + ".") +
                          unnamed);
            if (const auto said = c->contributionRows(5); !said.empty()) {  // what each source said of the first candidates
                const bool look = c->lookWeight > 0;
                QStringList header{"candidate", "detector (renormalised)", QString("fingerprint evidence, log LR (weight %1)").arg(c->weight)};
                if (look) header << QString("look (weight %1)").arg(c->lookWeight);
                QString rows = row(header << "combined", true);
                for (const auto& k : said) {
                    QStringList cells{esc(k.name), esc(k.detector), esc(k.evidence)};
                    if (look) cells << esc(k.look);
                    rows += row(cells << "<b>" + esc(k.combined) + "</b>");
                }
                h += "<p>How the generator was chosen: each candidate scores log(detector) + weight x evidence" +
                     QString(look ? " + weight x log(look)" : "") +
                     (c->temperature != 1 ? QString(", and the scores, divided by a temperature of %1 fitted so that the first candidate's "
                                                    "probability matches how often it is right, are turned back into probabilities (\"combined\")")
                                                .arg(c->temperature)
                                          : QString(", and the scores are turned back into probabilities (\"combined\")")) +
                     ". A fingerprint's evidence above 0 "
                     "speaks for its generator; \"-\": that source has nothing on the candidate.</p>\n" + table(rows);
            }
            if (c->lookWeight > 0 && !r.look.empty()) {  // the third source: say that it took part and what it alone says
                const auto lookTop = std::max_element(r.look.begin(), r.look.end(),
                                                      [](const auto& a, const auto& b) { return a.second < b.second; });
                h += QString("<p>The image's look took part too (weight %1): a pretrained network that reads style and "
                             "content, not generator traces, so it never decides alone. By itself it would say %2.</p>\n")
                         .arg(c->lookWeight)
                         .arg(esc(lookTop->first));
            }
        }
    }
    for (const std::string& warning : r.warnings) h += "<p><i>Warning: " + esc(warning) + "</i></p>\n";
    // The notes the analysis itself made when it read the file (what the workstation and the case showed);
    // for results stored before it did, the notes from this report's own reading of the same file (for a
    // region, what the record says of that part: recordBesideRegion).
    std::vector<RecordNote> notes;
    if (r.record) notes = *r.record;
    else if (ev.metadata) notes = recordBesideVerdict(v.label, *ev.metadata, r.image.region);
    for (const RecordNote& note : notes)
            h += QString("<p><font color=\"#a06800\"><b>") +
                 (note.againstVerdict ? "The file's record points the other way:" : "The file's record:") + "</b> " + esc(note.text) +
                 "</font></p>\n";

    h += heading("Robustness check");
    h += robustnessSection(r);

    h += heading("Noise spectrum");
    if (ev.spectrum) {
        images.push_back({prefix + "spectrum", ev.spectrumRgb});
        h += figure(prefix + "spectrum", 240, 240,
                    "Log power spectrum of the " + esc(ev.spectrum->residual) + " noise residual of the centre " +
                        QString::number(ev.spectrumCrop) +
                        " px (zero frequency in the centre). Circled: periodic peaks (cyan at up-sampling frequencies, grey "
                        "explained by the JPEG grid). Up-sampling in a generator's decoder leaves such peaks; a camera photo "
                        "usually has none, but resizing does the same.");
        QString peaks = row({"frequency (cycles/pixel)", "period (px)", "strength", "kind"}, true);
        int shown = 0;
        for (const SpectralPeak& k : ev.spectrum->peaks) {
            if (shown++ == 8) break;
            peaks += row({QString("(%1, %2)").arg(k.fx, 0, 'f', 3).arg(k.fy, 0, 'f', 3),
                          QString::fromStdString(periodText(k.periodX) + " x " + periodText(k.periodY)),
                          QString("%1 dB (z %2)").arg(k.strengthDb, 0, 'f', 1).arg(k.zScore, 0, 'f', 1),
                          k.jpegGrid ? "JPEG grid" : k.upsamplingHarmonic ? "up-sampling frequency" : "other"});
        }
        h += ev.spectrum->peaks.empty() ? QString("<p>No periodic peak.</p>\n") : table(peaks);
    } else {
        h += "<p><i>Not computed (see the checks below).</i></p>\n";
    }

    h += heading("Generator fingerprints");
    if (ev.fingerprints) {
        const FingerprintAttribution& a = *ev.fingerprints;
        h += "<p>Correlation of the image's noise residual with each generator's fingerprint (Deep Image Fingerprint), "
             "from " +
             esc(ev.fingerprintLibrary) + ". Score 0 at the fingerprint's real centre, 1 at its fake centre. " +
             (a.generator.empty() ? QString("No generator is nearer its fake centre.")
                                  : "Nearest its fake centre: <b>" + esc(a.generator) + "</b>.") +
             " These fingerprints are weak with SynthScope's residuals (see the README): treat them as a hint.</p>\n";
        QString fr = row({"generator", "correlation", "score", "nearer fake"}, true);
        for (const GeneratorMatch& g : a.ranking)
            fr += row({esc(g.generator), QString::number(g.correlation, 'f', 4), QString::number(g.score, 'f', 2),
                       g.nearerFake ? "yes" : "no"});
        h += table(fr);
    } else {
        h += "<p><i>Not computed (see the checks below).</i></p>\n";
    }

    h += heading("JPEG history and metadata");
    if (ev.jpeg && ev.jpeg->isJpeg) {
        h += h4("JPEG") + findingsList(ev.jpeg->findings);
    } else if (ev.jpeg) {
        h += "<p>Not a JPEG: no compression history to read.</p>\n";
    }
    if (ev.metadata) {
        const MetadataReport& m = *ev.metadata;
        h += keyValue({{"camera", esc(m.cameraMake + " " + m.cameraModel).trimmed().isEmpty() ? "<i>none</i>"
                                                                                                : esc(m.cameraMake + " " + m.cameraModel)},
                       {"capture date", m.captureDate.empty() ? "<i>none</i>" : esc(m.captureDate)},
                       {"software", m.software.empty() ? "<i>none</i>" : esc(m.software)},
                       {"GPS position", m.hasGps ? "present" : "none"},
                       {"C2PA manifest", m.c2paPresent() ? "present (" + esc(m.c2pa.container) + "), signature NOT verified" : "none"},
                       {"entries", QString("%1 EXIF, %2 XMP, %3 IPTC, %4 PNG text")
                                       .arg(m.exif.size()).arg(m.xmp.size()).arg(m.iptc.size()).arg(m.pngText.size())}});
        h += h4("Generator traces") + findingsList(m.generatorTraces);
        h += h4("Facts") + findingsList(m.facts);
        if (!ev.thumbnailRgb.empty()) {
            images.push_back({prefix + "thumbnail", ev.thumbnailRgb});
            h += figure(prefix + "thumbnail", ev.thumbnailRgb.cols, ev.thumbnailRgb.rows,
                        "The EXIF thumbnail, turned as the image is: it " + esc(thumbnailOutcomeWords(m.thumbnailCheck.outcome)) + ".");
        }
        if (!m.problems.empty()) h += h4("Problems") + findingsList(m.problems);
    } else {
        h += "<p><i>Not read (see the checks below).</i></p>\n";
    }

    h += heading("Error level analysis");
    if (ev.ela && !ev.ela->ela.empty()) {
        const ElaResult& e = *ev.ela;
        images.push_back({prefix + "ela", e.ela});
        const int side = 300;
        const double s = double(side) / std::max(e.ela.cols, e.ela.rows);
        h += figure(prefix + "ela", int(e.ela.cols * s), int(e.ela.rows * s),
                    "How much each pixel changes when the image is JPEG-compressed once more at quality " +
                        QString::number(e.quality) + ", amplified " + QString::number(e.displayScale, 'f', 1) + "x (mean change " +
                        QString::number(e.mean, 'f', 2) + " levels, 99th percentile " + QString::number(e.p99, 'f', 1) +
                        "). Regions compressed fewer times than the rest, pasted in or retouched often stand out; uniform error "
                        "levels say nothing either way. A visual aid for a person, not a detector.");
    } else {
        h += "<p><i>Not computed (see the checks below).</i></p>\n";
    }

    h += heading("File, model and settings");
    const ImageInfo& i = r.image;
    h += keyValue({
        {"file", esc(i.path)},
        {"SHA-256 (analysed)", "<tt>" + esc(i.sha256) + "</tt>"},
        {"SHA-256 (now)", ev.fileSha256Now.empty() ? "<i>not read</i>" : "<tt>" + esc(ev.fileSha256Now) + "</tt>"},
        {"format, size", QString("%1, %2 x %3 px, %4 bytes, %5-bit, %6 channels%7")
                             .arg(esc(i.format)).arg(i.width).arg(i.height).arg(double(i.fileSize), 0, 'f', 0)
                             .arg(i.bitDepth).arg(i.channels).arg(i.padded ? ", padded to one patch" : "")},
        {"model", esc(p.modelName + " " + p.modelVersion)},
        {"model SHA-256", "<tt>" + esc(p.modelSha256) + "</tt>"},
        {"settings", QString("device %1, %2, %3 threads, batch %4; patch %5 px, stride %6, top-k %7, full heatmap %8, small images: %9")
                         .arg(esc(p.device), esc(p.precision)).arg(p.threads).arg(p.batchSize).arg(p.patchSize).arg(p.stride)
                         .arg(p.topK).arg(p.fullHeatmap ? "yes" : "no").arg(esc(p.smallImagePolicy))},
        {"analysed by", "SynthScope " + esc(p.softwareVersion) + "; " + esc(ev.detectionSource)},
        {"report made", esc(ev.generatedAt) + " by SynthScope " + SYNTHSCOPE_VERSION},
    });

    h += heading("What was and was not checked");
    QString cr = row({"check", "status", "result"}, true);
    for (const CheckRecord& c : ev.checks) cr += row({esc(c.name), statusCell(c.status), esc(c.detail)});
    h += table(cr);
    h += "<p>Not checked by SynthScope at all:</p>\n<ul>\n";
    for (const std::string& n : ev.notChecked) h += "<li>" + esc(n) + "</li>\n";
    h += "</ul>\n";
    return h;
}

// A result's settings (the canonical JSON its cache key holds, batch_analysis.h) as a reader takes them in:
// "patch: 192; stride: 192; ...", nested objects in brackets, SHA-256 digests cut to 12 characters (the
// JSON export keeps the exact text). Anything that is not a JSON object is shown as it is.
QString jsonText(const QJsonValue& v) {
    if (v.isObject()) {
        QStringList parts;
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) parts << it.key() + ": " + jsonText(it.value());
        return "{" + parts.join(", ") + "}";
    }
    if (v.isArray()) {
        QStringList parts;
        for (const QJsonValue& e : v.toArray()) parts << jsonText(e);
        return "[" + parts.join(", ") + "]";
    }
    if (v.isString()) {
        const QString s = v.toString();
        static const QRegularExpression digest("^[0-9a-f]{64}$");
        return digest.match(s).hasMatch() ? s.left(12) + "\u2026" : s;
    }
    if (v.isBool()) return v.toBool() ? "yes" : "no";
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 6);
    return "none";
}

QString settingsText(const std::string& canonical) {
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(canonical));
    if (!doc.isObject()) return esc(canonical);
    QStringList parts;
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) parts << "<b>" + esc(it.key().toStdString()) + "</b>: " + jsonText(it.value()).toHtmlEscaped();
    return parts.join("; ");
}

// The cache key's settings without the region analysed (batch_analysis.h puts it there to key a
// region's result apart).
std::string settingsWithoutRegion(const std::string& canonical) {
    QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(canonical));
    if (!doc.isObject() || !doc.object().contains("region")) return canonical;
    QJsonObject o = doc.object();
    o.remove("region");
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

QString documentHead(const QString& title) {
    return "<html><head><meta charset=\"utf-8\"><title>" + title.toHtmlEscaped() +
           "</title></head><body style=\"font-family: 'DejaVu Sans', sans-serif; font-size: 9pt\">\n";
}

QImage toQImage(const cv::Mat& rgb) {
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

}  // namespace

ReportDocument imageReport(const ImageEvidence& ev) {
    ReportDocument doc;
    const std::string name = ev.detection.image.path.substr(ev.detection.image.path.find_last_of('/') + 1);
    doc.title = "SynthScope evidence report: " + QString::fromStdString(name);
    doc.html = documentHead(doc.title);
    doc.html += "<h1>SynthScope evidence report</h1>\n<p><b>" + esc(ev.detection.image.path) + "</b>" +
                (ev.detection.image.region ? "<br>" + esc(ev.detection.image.region->describe()) : QString()) + "<br>made " +
                esc(ev.generatedAt) + " by SynthScope " + SYNTHSCOPE_VERSION + "</p>\n";
    doc.html += caveatBlock();
    doc.html += imageSection(ev, "", doc.images, false);
    doc.html += "</body></html>\n";
    return doc;
}

ReportDocument caseReport(const CaseStore& store, const std::vector<ImageEvidence>& details) {
    ReportDocument doc;
    doc.title = "SynthScope case report: " + QString::fromStdString(store.file());
    const CaseCounts counts = store.counts();
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    QString h = documentHead(doc.title);
    h += "<h1>SynthScope case report</h1>\n<p><b>" + esc(store.file()) + "</b><br>case created " + esc(store.createdAt()) +
         "; report made " + now + " by SynthScope " + SYNTHSCOPE_VERSION + "</p>\n";
    h += caveatBlock();

    // One pass over the entries: the table rows and the models/settings used.
    // Thousands of rows: small type and fixed column widths keep one line per image (analysis times are in
    // the CSV and JSON exports and in the detailed sections).
    const QString cell = "<td style=\"font-size: 7pt\">";
    QString rows = "<thead><tr><th width=\"5%\" align=\"left\" bgcolor=\"#e8e8e8\">#</th><th width=\"54%\" align=\"left\" bgcolor=\"#e8e8e8\">file</th>"
                   "<th width=\"11%\" align=\"left\" bgcolor=\"#e8e8e8\">SHA-256</th><th width=\"14%\" align=\"left\" bgcolor=\"#e8e8e8\">verdict, p</th>"
                   "<th width=\"16%\" align=\"left\" bgcolor=\"#e8e8e8\">likely generator</th></tr></thead>\n";
    std::map<std::string, std::pair<QString, int>> models;  // model sha + settings -> (description as HTML, entries)
    // A file's whole-picture result and its regions' are rows of their own: detailed ones are starred apart.
    auto detailKey = [](const std::string& path, const std::optional<ImageRegion>& region) {
        return path + (region ? "\n" + region->fileSuffix() : std::string());
    };
    std::set<std::string> detailed;
    for (const ImageEvidence& ev : details) detailed.insert(detailKey(ev.detection.image.path, ev.detection.image.region));
    int n = 0;
    store.forEachEntry([&](const CaseEntry& e) {
        const VerdictWords w = verdictWords(e.label);
        rows += "<tr>" + cell + QString::number(++n) + (detailed.count(detailKey(e.path, e.region)) ? "*" : "") + "</td>" + cell +
                esc(e.path) + (e.region ? "<br><i>" + esc(e.region->describe()) + " only</i>" : QString()) +
                (e.controls.empty() ? QString() : "<br><i>against the rest of the picture: " + esc(e.controls) + "</i>") + "</td>" +
                cell + "<tt>" + esc(e.key.imageSha256.substr(0, 10)) + "</tt></td>" + cell + "<font color=\"" + w.colour + "\">" +
                esc(e.label) + "</font> " + QString::number(e.syntheticProbability, 'f', 2) +
                (e.robustness.empty() ? QString() : "<br>check: " + esc(e.robustness)) +
                (e.recordPointsAgainst() ? QString("<br><font color=\"#a06800\">record against</font>") : QString()) +
                "</td>" + cell +
                (e.label == "authentic" || e.topGenerator.empty() ? QString("&ndash;")
                                                                  : esc(e.topGenerator) + (e.topGeneratorUnnamed ? " (no name) " : " ") +
                                                                        pct(e.topGeneratorProbability)) +
                "</td></tr>\n";
        // A region is not a setting of the model: its results join the whole files' group.
        const std::string settings = settingsWithoutRegion(e.key.settings);
        auto& m = models[e.key.modelSha256 + "\n" + settings];
        if (m.second++ == 0)
            m.first = esc(e.modelName + " " + e.modelVersion + " (sha256 " + e.key.modelSha256 + "), SynthScope " + e.softwareVersion) +
                      "<br><small>" + settingsText(settings) + "</small>";
    });
    std::vector<CaseFailure> failures;
    store.forEachFailure([&](const CaseFailure& f) { failures.push_back(f); });

    h += h2("Summary");
    h += keyValue({{"images analysed", QString::number(counts.entries) + " (" + QString::number(counts.results) + " distinct results" +
                                           (counts.regions > 0 ? "; " + QString::number(counts.regions) + " of them of a region of a file only"
                                                               : QString()) + ")"},
                   {"likely AI-generated", QString::number(counts.synthetic)},
                   {"no sign of AI generation", QString::number(counts.authentic)},
                   {"inconclusive", QString::number(counts.inconclusive)},
                   {"could not be analysed", QString::number(counts.failures)}});
    h += h2("Models and settings");
    QString mr = row({"model, software and settings", "images"}, true);
    for (const auto& [key, m] : models) mr += row({m.first, QString::number(m.second)});
    h += table(mr);

    h += h2("What was and was not checked");
    h += "<ul><li>Every image listed: the AI-generation detector (verdict, probabilities and, unless the settings say "
         "otherwise, the per-patch heatmap), each result kept with the SHA-256 of the bytes analysed.</li>\n";
    h += "<li>Only the " + QString::number(details.size()) +
         " images detailed below (marked * in the table) were checked again at report time: file integrity, noise "
         "spectrum, generator fingerprints, JPEG history and metadata, each with its own list of checks. The other " +
         QString::number(std::max(0, n - int(details.size()))) + " entries were <b>not</b> checked for those.</li>\n";
    h += "<li>Not checked by SynthScope at all: C2PA signatures, the images' source and chain of custody, whether what "
         "they show is true, generators the model was not trained on, and local edits as such.</li></ul>\n";

    h += h2("Images");
    h += table(rows);
    if (!failures.empty()) {
        h += h2("Files that could not be analysed");
        QString fr = row({"file", "kind", "message", "when (UTC)"}, true);
        for (const CaseFailure& f : failures) fr += row({esc(f.path), esc(f.kind), esc(f.message), esc(f.at.substr(0, 19))});
        h += table(fr);
    }
    int index = 0;
    for (const ImageEvidence& ev : details) {
        h += h2("Detail " + QString::number(++index) + ": " + esc(ev.detection.image.path) +
                    (ev.detection.image.region ? " [" + esc(ev.detection.image.region->describe()) + "]" : QString()), true);
        h += imageSection(ev, QString("d%1-").arg(index), doc.images, true);
    }
    doc.html = h + "</body></html>\n";
    return doc;
}

bool writeReport(const ReportDocument& document, const QString& path, std::string& error) {
    return path.endsWith(".html", Qt::CaseInsensitive) || path.endsWith(".htm", Qt::CaseInsensitive)
               ? writeHtml(document, path, error)
               : writePdf(document, path, error);
}

bool writeHtml(const ReportDocument& document, const QString& path, std::string& error) {
    QString html = document.html;
    for (const auto& [name, rgb] : document.images) {
        std::vector<std::uint8_t> png;
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        if (!cv::imencode(".png", bgr, png)) {
            error = "cannot encode the picture " + name.toStdString();
            return false;
        }
        const QByteArray base64 = QByteArray(reinterpret_cast<const char*>(png.data()), qsizetype(png.size())).toBase64();
        html.replace("\"report-image:" + name + "\"", "\"data:image/png;base64," + QString::fromLatin1(base64) + "\"");
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = file.errorString().toStdString();
        return false;
    }
    file.write(html.toUtf8());
    if (!file.commit()) {
        error = file.errorString().toStdString();
        return false;
    }
    return true;
}

namespace {
void loadInto(QTextDocument& text, const ReportDocument& document) {
    for (const auto& [name, rgb] : document.images)
        text.addResource(QTextDocument::ImageResource, QUrl("report-image:" + name), toQImage(rgb));
    text.setHtml(document.html);
}
}  // namespace

namespace {
// A4 with 15 mm margins; the report's pictures are sized for its text width (about 680 px at 96 dpi).
void setUpPage(QPdfWriter& writer, const QString& title) {
    writer.setTitle(title);
    writer.setCreator(QString("SynthScope ") + SYNTHSCOPE_VERSION);
    // PDF/A-1b, the archival form: fonts embedded, no reference outside the file, for evidence kept for years.
    writer.setPdfVersion(QPagedPaintDevice::PdfVersion_A1b);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
}
}  // namespace

bool writePdf(const ReportDocument& document, const QString& path, std::string& error) {
    // Written beside the target and renamed (QSaveFile), so a failed export never leaves half a PDF.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = file.errorString().toStdString();
        return false;
    }
    {
        QPdfWriter writer(&file);
        setUpPage(writer, document.title);
        QTextDocument text;
        loadInto(text, document);
        QPainter painter;
        if (!painter.begin(&writer)) {
            error = "could not start drawing the PDF";
            file.cancelWriting();
            return false;
        }
        const PdfPages pages(text, writer);  // laid out once drawing has begun, as it is printed
        pages.print(painter, document.title);
    }
    if (!file.commit()) {
        error = file.errorString().toStdString();
        return false;
    }
    return true;
}

QString plainText(const ReportDocument& document) {
    QTextDocument text;
    loadInto(text, document);
    return text.toPlainText();
}

}  // namespace synthscope::report
