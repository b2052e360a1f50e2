// synthscope report: a case's exports (CSV, JSON) and evidence reports (HTML, PDF) per image and per case.
#include <QCommandLineParser>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "app/cli/analysis_options.h"
#include "app/cli/cli_support.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/errors.h"
#include "engine/model_registry.h"
#include "engine/result_json.h"
#include "engine/robustness_check.h"
#include "engine/sha256.h"
#include "engine/version.h"
#include "engine/sha256.h"
#include "report/evidence_report.h"

namespace synthscope::cli {
namespace {

std::string bytesOf(const QString& path) { return QFile::encodeName(path).toStdString(); }

QString csvField(const std::string& text) {
    QString s = QString::fromStdString(text);
    if (s.contains(',') || s.contains('"') || s.contains('\n') || s.contains('\r')) s = '"' + s.replace("\"", "\"\"") + '"';
    return s;
}

// The notes on the file's record in one CSV field: "against: TEXT" or "note: TEXT", joined by " | ".
std::string recordNotesText(const std::vector<RecordNote>& notes) {
    std::string text;
    for (const RecordNote& n : notes) text += (text.empty() ? "" : " | ") + std::string(n.againstVerdict ? "against: " : "note: ") + n.text;
    return text;
}

// A region as --region takes it: "X,Y,W,H".
std::string regionText(const ImageRegion& g) {
    return std::to_string(g.x) + "," + std::to_string(g.y) + "," + std::to_string(g.width) + "," + std::to_string(g.height);
}

bool sameRegion(const std::optional<ImageRegion>& a, const std::optional<ImageRegion>& b) {
    if (!a || !b) return !a && !b;
    return a->x == b->x && a->y == b->y && a->width == b->width && a->height == b->height;  // the source size is the file's
}

// One row per (file, result) of the case, streamed from the store.
bool writeCsv(const CaseStore& store, const QString& path, std::string& error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = file.errorString().toStdString();
        return false;
    }
    file.write("path,image_sha256,label,synthetic_probability,spread,top_generator,top_generator_probability,width,height,"
               "format,file_size,model_name,model_version,model_sha256,software_version,settings,analysed_at,robustness,"
               "top_generator_unnamed,record_notes,region,controls\n");
    store.forEachEntry([&](const CaseEntry& e) {
        const QStringList fields{csvField(e.path), csvField(e.key.imageSha256), csvField(e.label),
                                 QString::number(e.syntheticProbability, 'g', 9), QString::number(e.spread, 'g', 9),
                                 csvField(e.topGenerator), QString::number(e.topGeneratorProbability, 'g', 9),
                                 QString::number(e.width), QString::number(e.height), csvField(e.format),
                                 QString::number(e.fileSize), csvField(e.modelName), csvField(e.modelVersion),
                                 csvField(e.key.modelSha256), csvField(e.softwareVersion), csvField(e.key.settings),
                                 csvField(e.analysedAt), csvField(e.robustness),
                                 e.topGeneratorUnnamed ? "true" : "false", csvField(recordNotesText(e.recordNotes)),
                                 csvField(e.region ? regionText(*e.region) : std::string()), csvField(e.controls)};
        file.write(fields.join(',').toUtf8() + "\n");
    });
    if (!file.commit()) {
        error = file.errorString().toStdString();
        return false;
    }
    return true;
}

// The whole case as JSON, written entry by entry (one result in memory at a time).
bool writeCaseJson(const CaseStore& store, const QString& path, bool patches, std::string& error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = file.errorString().toStdString();
        return false;
    }
    const CaseCounts c = store.counts();
    const QJsonObject head{
        {"format", "synthscope-case-export/1"},
        {"case", QString::fromStdString(store.file())},
        {"case_created", QString::fromStdString(store.createdAt())},
        {"exported", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {"software", QJsonObject{{"name", "SynthScope"}, {"version", SYNTHSCOPE_VERSION}}},
        {"summary", QJsonObject{{"entries", c.entries}, {"results", c.results}, {"synthetic", c.synthetic},
                                {"authentic", c.authentic}, {"inconclusive", c.inconclusive}, {"failed", c.failures}}},
    };
    QByteArray text = QJsonDocument(head).toJson(QJsonDocument::Indented);
    text.chop(text.endsWith("}\n") ? 2 : 0);  // reopen the object to append the streamed arrays
    file.write(text + ",\n    \"entries\": [\n");
    bool first = true;
    store.forEachEntry([&](const CaseEntry& e) {
        const std::optional<AnalysisResult> r = store.result(e.key);
        if (!r) return;
        QJsonObject entry{{"path", QString::fromStdString(e.path)}, {"analysed_at", QString::fromStdString(e.analysedAt)},
                          {"cache_settings", QJsonDocument::fromJson(QByteArray::fromStdString(e.key.settings)).object()},
                          {"result", toJson(*r, patches)}};
        file.write((first ? "" : ",\n") + QJsonDocument(entry).toJson(QJsonDocument::Compact));
        first = false;
    });
    file.write("\n    ],\n    \"failures\": [\n");
    first = true;
    store.forEachFailure([&](const CaseFailure& f) {
        const QJsonObject o{{"path", QString::fromStdString(f.path)}, {"kind", QString::fromStdString(f.kind)},
                            {"message", QString::fromStdString(f.message)}, {"at", QString::fromStdString(f.at)}};
        file.write((first ? "" : ",\n") + QJsonDocument(o).toJson(QJsonDocument::Compact));
        first = false;
    });
    file.write("\n    ]\n}\n");
    if (!file.commit()) {
        error = file.errorString().toStdString();
        return false;
    }
    return true;
}

// "Wrote PATH (SHA-256 ...)": the hash of what was written, for the record an investigator keeps of the
// reports handed on (a copy can then be checked against it).
void sayWritten(const QString& path) {
    std::string sha;
    try {
        sha = sha256OfFile(QFile::encodeName(path).toStdString());
    } catch (const std::exception&) {
        sha = "could not be read back";
    }
    std::fprintf(stderr, "Wrote %s (SHA-256 %s)\n", qPrintable(path), sha.c_str());
}

bool writeReport(const report::ReportDocument& doc, const QCommandLineParser& parser) {
    std::string error;
    for (const char* kind : {"html", "pdf"}) {
        if (!parser.isSet(kind)) continue;
        const QString path = parser.value(kind);
        const bool ok = QString(kind) == "html" ? report::writeHtml(doc, path, error) : report::writePdf(doc, path, error);
        if (!ok) {
            std::fprintf(stderr, "synthscope report: cannot write %s: %s\n", qPrintable(path), error.c_str());
            return false;
        }
        sayWritten(path);
    }
    return true;
}

EvidenceOptions evidenceOptions(const QCommandLineParser& parser, const AnalysisSettings& settings, HeatmapColours colours) {
    EvidenceOptions options;
    options.load = settings.load;
    options.heatmapColours = colours;
    try {
        options.fingerprints = std::make_shared<FingerprintLibrary>(loadInstalledFingerprints(bytesOf(parser.value("library"))));
        for (const std::string& e : options.fingerprints->errors) std::fprintf(stderr, "synthscope report: %s\n", e.c_str());
        if (!options.fingerprints->residualNote.empty())
            std::fprintf(stderr, "synthscope report: %s\n", options.fingerprints->residualNote.c_str());
    } catch (const std::exception& e) {
        options.fingerprintLibraryWhyNone = e.what();
    }
    return options;
}

std::string caseSource(const CaseStore& store, const CaseEntry& e) {
    return "from the case " + store.file() + " (analysed " + e.analysedAt + ")";
}

}  // namespace

int runReport(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Exports and evidence reports.\n"
        "  synthscope report --case FILE [--csv OUT] [--json OUT] [--html OUT] [--pdf OUT] [--details N]\n"
        "      the whole case: every image in a table, the N most synthetic-looking images in detail\n"
        "  synthscope report --case FILE --image PATH [--region X,Y,W,H] --html OUT | --pdf OUT\n"
        "      one image of the case (its stored result; the other signals computed now), or a region of it\n"
        "      stored with 'synthscope batch --region' or the workstation's File > Add to Case\n"
        "  synthscope report IMAGE --html OUT | --pdf OUT [--model ...] [--region X,Y,W,H]\n"
        "      one image outside any case (or one region of it): analysed now\n"
        "Reports re-read each detailed file and check its SHA-256 against the one analysed.");
    parser.addHelpOption();
    parser.addPositionalArgument("IMAGE", "an image to analyse and report on (without --case)", "[IMAGE]");
    parser.addOptions({
        {"case", "the case file (from 'synthscope batch')", "FILE"},
        {"image", "with --case: report on this image of the case", "PATH"},
        {"html", "write an HTML report (self-contained, pictures embedded)", "OUT"},
        {"pdf", "write a PDF report", "OUT"},
        {"csv", "with --case: every result as CSV", "OUT"},
        {"json", "with --case: every result as JSON", "OUT"},
        {"patches", "with --json: include every patch's probabilities"},
        {"details", "case reports: detail the N images with the highest synthetic probability", "N", "10"},
        {"library", "generator fingerprint folder (default: $SYNTHSCOPE_FINGERPRINTS, models' fingerprints, "
                    "../shared/data/dif_fingerprints)", "DIR"},
    });
    addAnalysisOptions(parser);
    parser.addOption({"robustness", "with IMAGE: also analyse JPEG 90, JPEG 65 and 0.75-rescaled copies and report whether the "
                                    "verdict survives them"});
    parser.addOption(robustnessCopiesOption());
    parser.addOption(heatmapColoursOption());
    parser.addOption({"region", "with IMAGE: analyse and report on this rectangle of it only (pixels of the image as shown);\n"
                                "with --case and --image: the case's result for that region", "X,Y,W,H"});
    if (!parser.parse(args)) {
        std::fprintf(stderr, "synthscope report: %s\nRun 'synthscope report --help'.\n", qPrintable(parser.errorText()));
        return kExitBadInput;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    const bool haveCase = parser.isSet("case");
    const bool anyOutput = parser.isSet("html") || parser.isSet("pdf") || parser.isSet("csv") || parser.isSet("json");
    if (haveCase == (positional.size() == 1) || positional.size() > 1 || !anyOutput) {
        std::fprintf(stderr, "synthscope report: give --case FILE or one IMAGE, and at least one of --html, --pdf, --csv, --json\n");
        return kExitBadInput;
    }
    if ((parser.isSet("csv") || parser.isSet("json")) && (!haveCase || parser.isSet("image"))) {
        std::fprintf(stderr, "synthscope report: --csv and --json export a whole case: give --case without --image\n");
        return kExitBadInput;
    }
    bool ok = false;
    const int details = parser.value("details").toInt(&ok);
    if (!ok || details < 0 || details > 10000) {
        std::fprintf(stderr, "synthscope report: --details must be a whole number from 0 to 10000\n");
        return kExitBadInput;
    }
    DetectorOptions detectorOptions;
    AnalysisSettings settings;
    if (!readAnalysisOptions(parser, "report", detectorOptions, settings)) return kExitBadInput;
    std::vector<Degradation> robustnessCopies;
    if (!readRobustnessCopies(parser, "report", robustnessCopies)) return kExitBadInput;
    if (!robustnessCopies.empty() && haveCase) {
        std::fprintf(stderr, "synthscope report: --robustness analyses an image now: a case's results carry the check "
                             "they were analysed with ('synthscope batch --robustness')\n");
        return kExitBadInput;
    }

    HeatmapColours colours = HeatmapColours::Turbo;
    if (!readHeatmapColours(parser, "report", colours)) return kExitBadInput;
    if (!outputFoldersWritable(parser, "report", {"html", "pdf", "csv", "json"})) return kExitBadInput;
    std::optional<ImageRegion> region;
    if (!readRegion(parser, "report", region)) return kExitBadInput;
    if (region && haveCase && !parser.isSet("image")) {
        std::fprintf(stderr, "synthscope report: --region goes with IMAGE, or with --case and --image\n");
        return kExitBadInput;
    }

    if (!haveCase) {
        // One image outside a case: analyse it now, then report.
        const std::shared_ptr<Detector> detector = openDetector(parser, "report", detectorOptions);
        if (!detector) return kExitInternal;
        AnalysisResult result;
        try {
            LoadedImage image = loadImage(bytesOf(QFileInfo(positional[0]).absoluteFilePath()), settings.load);
            if (region) image = cropToRegion(std::move(image), *region);
            result = ImageAnalyzer(detector, settings).analyze(image);
            if (!robustnessCopies.empty())
                result.robustness = RobustnessCheck(detector, settings, robustnessCopies).checkOrReport(image, result.verdict);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "synthscope report: %s\n", e.what());
            return kExitBadInput;
        }
        const ImageEvidence ev = gatherEvidence(result, "analysed for this report", evidenceOptions(parser, settings, colours));
        return writeReport(report::imageReport(ev), parser) ? kExitOk : kExitInternal;
    }

    std::unique_ptr<CaseStore> store;
    try {
        store = CaseStore::open(bytesOf(parser.value("case")), false);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope report: %s\n", e.what());
        return kExitBadInput;
    }
    try {
        if (parser.isSet("image")) {
            const std::string path = bytesOf(QFileInfo(parser.value("image")).absoluteFilePath());
            // The whole file's results, or the region's asked for; newest first.
            std::vector<CaseEntry> entries = store->entriesForPath(path);
            const std::size_t all = entries.size();
            entries.erase(std::remove_if(entries.begin(), entries.end(), [&](const CaseEntry& e) { return !sameRegion(e.region, region); }),
                          entries.end());
            if (entries.empty()) {
                std::fprintf(stderr, "synthscope report: %s has no result in the case%s%s\n", path.c_str(),
                             region ? " for the region " : "", region ? regionText(*region).c_str() : "");
                if (all > 0)
                    std::fprintf(stderr, "synthscope report: it has %zu result(s) for %s (see 'synthscope report --case ... --csv')\n", all,
                                 region ? "the whole file or other regions" : "regions of it only: give --region X,Y,W,H");
                return kExitBadInput;
            }
            if (entries.size() > 1)
                std::fprintf(stderr, "synthscope report: %zu results for this %s (other models or settings); reporting the latest\n",
                             entries.size(), region ? "region" : "image");
            const std::optional<AnalysisResult> result = store->result(entries.front().key);
            AnalysisResult r = *result;
            r.image.path = path;  // the same bytes may have been analysed under another name
            const ImageEvidence ev = gatherEvidence(r, caseSource(*store, entries.front()), evidenceOptions(parser, settings, colours));
            return writeReport(report::imageReport(ev), parser) ? kExitOk : kExitInternal;
        }

        std::string error;
        if (parser.isSet("csv")) {
            if (!writeCsv(*store, parser.value("csv"), error)) {
                std::fprintf(stderr, "synthscope report: cannot write %s: %s\n", qPrintable(parser.value("csv")), error.c_str());
                return kExitInternal;
            }
            sayWritten(parser.value("csv"));
        }
        if (parser.isSet("json")) {
            if (!writeCaseJson(*store, parser.value("json"), parser.isSet("patches"), error)) {
                std::fprintf(stderr, "synthscope report: cannot write %s: %s\n", qPrintable(parser.value("json")), error.c_str());
                return kExitInternal;
            }
            sayWritten(parser.value("json"));
        }
        if (!parser.isSet("html") && !parser.isSet("pdf")) return kExitOk;

        // The N most synthetic-looking entries, found in one streamed pass.
        std::vector<CaseEntry> top;
        auto higher = [](const CaseEntry& a, const CaseEntry& b) { return a.syntheticProbability > b.syntheticProbability; };
        store->forEachEntry([&](const CaseEntry& e) {
            if (details == 0) return;
            top.push_back(e);
            std::push_heap(top.begin(), top.end(), higher);
            if (int(top.size()) > details) {
                std::pop_heap(top.begin(), top.end(), higher);
                top.pop_back();
            }
        });
        std::sort(top.begin(), top.end(), higher);
        const EvidenceOptions options = evidenceOptions(parser, settings, colours);
        std::vector<ImageEvidence> evidence;
        for (const CaseEntry& e : top) {
            AnalysisResult r = *store->result(e.key);
            r.image.path = e.path;
            evidence.push_back(gatherEvidence(r, caseSource(*store, e), options));
        }
        return writeReport(report::caseReport(*store, evidence), parser) ? kExitOk : kExitInternal;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope report: %s\n", e.what());
        return kExitInternal;
    }
}

}  // namespace synthscope::cli
