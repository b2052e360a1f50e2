// synthscope inspect: the file-level forensics of images: JPEG compression history (quantisation tables,
// quality, double compression), error level analysis, and metadata (EXIF, XMP, IPTC, PNG text, C2PA) with
// the traces generators leave.
#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <optional>

#include "app/cli/commands.h"
#include "app/cli/cli_support.h"
#include "app/cli/exit_codes.h"
#include "app/cli/inspect_selftest.h"
#include "engine/ela.h"
#include "engine/errors.h"
#include "engine/file_collector.h"
#include "engine/forensics_json.h"
#include "engine/image_loader.h"
#include "engine/jpeg_analysis.h"
#include "engine/metadata.h"
#include "engine/sha256.h"
#include "engine/version.h"

namespace synthscope::cli {
namespace {

std::string oneLine(const std::string& s, std::size_t max = 160) {
    std::string out;
    for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (out.size() > max) out = out.substr(0, max) + "...";
    return out;
}

void printFindings(const std::vector<Finding>& findings) {
    for (const Finding& f : findings) std::printf("    [%s] %s\n", f.severity.c_str(), f.text.c_str());
}

void printJpeg(const JpegAnalysis& j) {
    std::printf("  JPEG history\n");
    if (!j.isJpeg) {
        std::printf("    not a JPEG\n");
        return;
    }
    if (j.readable) {
        std::printf("    %dx%d, %d component%s (%s, %s), %s, %zu quantisation table%s\n", j.width, j.height, j.components,
                    j.components == 1 ? "" : "s", j.colorSpace.c_str(), j.subsampling.c_str(), j.progressive ? "progressive" : "baseline",
                    j.tables.size(), j.tables.size() == 1 ? "" : "s");
        for (const JpegQuantTable& t : j.tables) {
            std::printf("      table %d:", t.index);
            for (int i = 0; i < 8; ++i) std::printf(" %d", t.values[std::size_t(i)]);  // first row, natural order
            std::printf(" ... (DC %d, max %d)\n", t.values[0], *std::max_element(t.values.begin(), t.values.end()));
        }
        std::printf("    quality %d%s\n", j.estimatedQuality,
                    j.standardTables ? " (libjpeg standard tables, exact)" : " (nearest IJG quality; non-standard tables)");
        if (j.doubleCompression.analysed)
            std::printf("    double compression score %.3f (threshold %.2f)%s\n", j.doubleCompression.score, kDoubleCompressionThreshold,
                        j.doubleCompression.primaryQuality > 0
                            ? (", first quality ~" + std::to_string(j.doubleCompression.primaryQuality)).c_str()
                            : "");
    }
    printFindings(j.findings);
}

void printMetadata(const MetadataReport& m, bool allTags) {
    std::printf("  Metadata: %zu EXIF, %zu XMP, %zu IPTC, %zu PNG text%s\n", m.exif.size(), m.xmp.size(), m.iptc.size(), m.pngText.size(),
                m.c2pa.present ? ", C2PA manifest (signature NOT verified)" : "");
    printFindings(m.generatorTraces);
    if (m.generatorTraces.empty()) std::printf("    no generator trace in the metadata (metadata is easily removed: not evidence of authenticity)\n");
    printFindings(m.facts);
    printFindings(m.problems);
    if (!allTags) return;
    for (const auto* list : {&m.exif, &m.xmp, &m.iptc, &m.pngText})
        for (const MetadataEntry& e : *list)
            std::printf("      %-44s %s\n", (list == &m.pngText ? e.group + " " + e.key : e.key).c_str(), oneLine(e.value).c_str());
}

// <stem>.<sha8>.ela.png in dir.
bool writeEla(const QString& dir, const std::string& path, const std::string& sha, const ElaResult& ela, std::string& error) {
    const QString file = dir + "/" + QFileInfo(QFile::decodeName(path.c_str())).completeBaseName() + "." + qs(sha.substr(0, 8)) + ".ela.png";
    return writeRgbImage(QFile::encodeName(file).toStdString(), ela.ela, error);
}

std::vector<QualityPair> parsePairs(const QString& text, bool& ok) {
    std::vector<QualityPair> pairs;
    ok = true;
    for (const QString& item : text.split(',', Qt::SkipEmptyParts)) {
        const QStringList parts = item.split(':');
        bool a = false, b = false;
        const QualityPair p{parts.value(0).toInt(&a), parts.value(1).toInt(&b)};
        if (parts.size() != 2 || !a || !b || p.first < 1 || p.first > 100 || p.second < 1 || p.second > 100) {
            ok = false;
            return {};
        }
        pairs.push_back(p);
    }
    ok = !pairs.empty();
    return pairs;
}

}  // namespace

int runInspect(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "File-level forensics of images (files, or folders searched recursively): JPEG compression history\n"
        "(quantisation tables, IJG quality estimate, signs of double compression), error level analysis, and\n"
        "metadata (EXIF, XMP, IPTC, PNG text chunks, C2PA manifest presence) with the traces generators leave.\n"
        "C2PA signatures are never verified. Measurements: --selftest-quality, --selftest-double DIR.");
    parser.addHelpOption();
    parser.addPositionalArgument("IMAGE", "image files or folders", "IMAGE...");
    parser.addOptions({
        {"json", "write all results as JSON to FILE", "FILE"},
        {"ela-dir", "write an error level analysis image (<name>.<sha8>.ela.png) per image into DIR", "DIR"},
        {"ela-quality", "JPEG quality of the error level analysis", "Q", "90"},
        {"all-tags", "list every EXIF, XMP, IPTC and PNG text entry"},
        {"selftest-quality", "measure the quality estimate: OpenCV encodes at 1..100 (of the images given, or a synthetic one)"},
        {"selftest-double", "measure single vs double compression scores on the photos of DIR", "DIR"},
        {"pairs", "quality pairs for --selftest-double", "Q1:Q2,...", "90:70,70:90,95:80,80:95,60:75,75:60,85:85"},
        {"limit", "photos used by the self-tests (0: all)", "N", "0"},
        {"scale", "resize factor applied before the first compression in --selftest-double", "S", "0.75"},
    });
    if (!parser.parse(args)) {
        std::fprintf(stderr, "synthscope inspect: %s\nRun 'synthscope inspect --help'.\n", qPrintable(parser.errorText()));
        return kExitBadInput;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    bool ok = false;
    const int limit = parser.value("limit").toInt(&ok);
    if (!ok || limit < 0) {
        std::fprintf(stderr, "synthscope inspect: --limit must be a whole number, 0 or more\n");
        return kExitBadInput;
    }
    const QStringList positional = parser.positionalArguments();
    if (parser.isSet("selftest-quality"))
        return selftestQuality(positional.isEmpty() ? std::string() : QFile::encodeName(positional[0]).toStdString(), limit > 0 ? limit : 3);
    if (parser.isSet("selftest-double")) {
        const std::vector<QualityPair> pairs = parsePairs(parser.value("pairs"), ok);
        const double scale = parser.value("scale").toDouble(&ok) ;
        if (pairs.empty() || !ok || scale <= 0.05 || scale > 1) {
            std::fprintf(stderr, "synthscope inspect: --pairs must look like 90:70,70:90 (qualities 1..100) and --scale be in (0.05, 1]\n");
            return kExitBadInput;
        }
        return selftestDouble(QFile::encodeName(parser.value("selftest-double")).toStdString(), pairs, limit, scale);
    }
    if (positional.isEmpty()) {
        std::fprintf(stderr, "synthscope inspect: give at least one image file or folder\n");
        return kExitBadInput;
    }
    const int elaQuality = parser.value("ela-quality").toInt(&ok);
    if (!ok || elaQuality < 1 || elaQuality > 100) {
        std::fprintf(stderr, "synthscope inspect: --ela-quality must be a whole number from 1 to 100\n");
        return kExitBadInput;
    }
    const QString elaDir = parser.value("ela-dir");
    if (!elaDir.isEmpty() && !QDir().mkpath(elaDir)) {
        std::fprintf(stderr, "synthscope inspect: cannot create the ELA folder %s\n", qPrintable(elaDir));
        return kExitBadInput;
    }
    if (!outputFoldersWritable(parser, "inspect", {"json"})) return kExitBadInput;

    std::vector<std::string> inputs;
    for (const QString& p : positional) inputs.push_back(QFile::encodeName(p).toStdString());
    const CollectedFiles files = collectImageFiles(inputs);
    QJsonArray results, errors;
    for (const std::string& e : files.errors) {
        std::fprintf(stderr, "FAILED  %s\n", e.c_str());
        errors.append(QJsonObject{{"path", ""}, {"kind", "bad_input"}, {"message", qs(e)}});
    }
    int failed = int(files.errors.size()), flaggedTraces = 0, flaggedDouble = 0;
    bool outputFailed = false;
    for (const std::string& path : files.images) {
        std::vector<std::uint8_t> bytes;
        try {
            bytes = readFileBytes(path);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "FAILED  %s\n", e.what());
            errors.append(QJsonObject{{"path", qs(path)}, {"kind", "bad_input"}, {"message", e.what()}});
            ++failed;
            continue;
        }
        const std::string sha = sha256Hex(bytes);
        const JpegAnalysis jpeg = analyzeJpeg(bytes);
        MetadataReport metadata = readMetadata(bytes);
        // The pixels, for the thumbnail comparison and ELA: an image that cannot be decoded still has its
        // history and metadata reported.
        auto failure = [&path](const std::exception& e) {
            const EngineError* ee = dynamic_cast<const EngineError*>(&e);
            return QJsonObject{{"path", qs(path)}, {"kind", ee ? errorKindName(ee->kind()) : "internal"}, {"message", e.what()}};
        };
        std::optional<LoadedImage> image;
        QJsonObject decodeFailure;
        try {
            image = decodeImage(bytes, path);
            checkThumbnail(metadata, image->rgb, image->header.exifOrientation);
        } catch (const std::exception& e) {
            decodeFailure = failure(e);
        }
        flaggedTraces += metadata.hasStrongGeneratorTrace();
        flaggedDouble += jpeg.doubleCompressionSuspected;

        std::printf("== %s  (%s, %zu bytes, sha256 %.12s)\n", path.c_str(), metadata.format.empty() ? "unknown format" : metadata.format.c_str(),
                    bytes.size(), sha.c_str());
        printJpeg(jpeg);
        printMetadata(metadata, parser.isSet("all-tags"));

        QJsonObject result{{"path", qs(path)}, {"sha256", qs(sha)}, {"file_size", double(bytes.size())}, {"jpeg", toJson(jpeg)},
                           {"metadata", toJson(metadata)}};
        if (image) {
            try {
                const ElaResult ela = errorLevelAnalysis(image->rgb, elaQuality);
                std::printf("  Error level analysis (q%d): mean %.2f, p99 %.0f, max %.0f levels\n", elaQuality, ela.mean, ela.p99, ela.max);
                result["ela"] = toJson(ela);
                std::string error;
                if (!elaDir.isEmpty() && !writeEla(elaDir, path, sha, ela, error)) {
                    std::fprintf(stderr, "synthscope inspect: ELA image for %s not written: %s\n", path.c_str(), error.c_str());
                    outputFailed = true;
                }
            } catch (const std::exception& e) {
                decodeFailure = failure(e);
            }
        }
        if (!decodeFailure.isEmpty()) {
            std::printf("  Error level analysis: not possible: %s\n", qPrintable(decodeFailure["message"].toString()));
            result["ela_error"] = decodeFailure["message"];
            errors.append(decodeFailure);
            ++failed;
        }
        std::fflush(stdout);
        results.append(result);
    }
    std::fprintf(stderr, "Inspected %lld of %zu images: %d with a strong generator trace in the metadata, %d with signs of double JPEG "
                         "compression; %d failed (in part)%s.\n",
                 static_cast<long long>(results.size()), files.images.size(), flaggedTraces, flaggedDouble,
                 failed - int(files.errors.size()), pathsNotReadNote(files.errors.size()).c_str());

    if (parser.isSet("json")) {
        const QJsonObject root{
            {"format", "synthscope-inspect/1"},
            {"software", QJsonObject{{"name", "SynthScope"}, {"version", SYNTHSCOPE_VERSION}}},
            {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
            {"ela_quality", elaQuality},
            {"double_compression_threshold", kDoubleCompressionThreshold},
            {"results", results},
            {"errors", errors},
        };
        std::string error;
        if (!writeJsonFile(parser.value("json"), root, error)) {
            std::fprintf(stderr, "synthscope inspect: cannot write %s: %s\n", qPrintable(parser.value("json")), error.c_str());
            return kExitInternal;
        }
    }
    if (outputFailed) return kExitInternal;
    return failed > 0 ? kExitBadInput : kExitOk;
}

}  // namespace synthscope::cli
