#include "app/cli/cli_support.h"

#include "engine/analysis_result.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

#include <cctype>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace synthscope::cli {

std::string counted(long long n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

std::string pathsNotReadNote(std::size_t errors) {
    if (errors == 0) return {};
    return "; " + counted(static_cast<long long>(errors), "path") + " given could not be read (above)";
}

bool outputFoldersWritable(const QCommandLineParser& parser, const char* command, std::initializer_list<const char*> options) {
    for (const char* option : options) {
        if (!parser.isSet(option)) continue;
        const QFileInfo file(parser.value(option));
        const QString folder = file.absolutePath();
        QString problem;
        if (file.isDir()) problem = "is a folder: give a file name";
        else if (!QDir(folder).exists()) problem = "goes into the folder " + folder + ", which does not exist";
        else if (!QFileInfo(folder).isWritable()) problem = "goes into the folder " + folder + ", which cannot be written";
        if (!problem.isEmpty()) {
            std::fprintf(stderr, "synthscope %s: --%s %s %s; nothing was done\n", command, option, qPrintable(parser.value(option)),
                         qPrintable(problem));
            return false;
        }
    }
    return true;
}

bool writeJsonFile(const QString& path, const QJsonObject& root, std::string& error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = file.errorString().toStdString();
        return false;
    }
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        error = file.errorString().toStdString();
        return false;
    }
    return true;
}

bool writeRgbImage(const std::string& path, const cv::Mat& rgb, std::string& error) {
    try {
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        if (cv::imwrite(path, bgr)) return true;
        error = "OpenCV could not write " + path;
    } catch (const std::exception& e) {
        error = e.what();
    }
    return false;
}

void printResultLine(const AnalysisResult& r) {
    const Verdict& v = r.verdict;
    std::string label = verdictLabelName(v.label);
    for (char& c : label) c = char(std::toupper((unsigned char)c));
    std::string top;
    const std::optional<ClassScore> generator = r.likelyGenerator();
    if (generator && v.attribution.size() > 1 && v.label != VerdictLabel::Authentic)
        top = "  likely " + generator->name + " (" + std::to_string(int(generator->probability * 100 + 0.5)) + "%" +
              (r.likelyGeneratorIsUnnamed() ? ", a generator the model has no name for)"
                                         : v.combinedAttribution ? (v.combinedAttribution->lookWeight > 0 ? ", detector + fingerprints + look)"
                                                                                                         : ", detector + fingerprints)")
                                                                 : ")");
    const std::string region = r.image.region ? " [" + r.image.region->describe() + "]" : "";
    std::printf("%-13s p=%.2f ±%.2f  %s%s  [%dx%d, %zu patches, %.0f ms]%s\n", label.c_str(), v.syntheticProbability,
                v.spread, r.image.path.c_str(), region.c_str(), r.image.width, r.image.height, r.patches.size(),
                r.timings.totalMs, top.c_str());
    for (const std::string& warning : r.warnings) std::printf("  warning: %s\n", warning.c_str());
    if (const std::optional<RegionControls>& c = r.controls) {  // a region's control parts (region_controls.h)
        if (!c->done()) {
            std::printf("  controls: %s\n", c->error.c_str());
        } else {
            std::printf("  controls: %s\n", c->explanation.c_str());
            for (const ControlPart& part : c->parts)
                std::printf("    %-24s %-12s p=%.2f\n", part.region.brief().c_str(), verdictLabelName(part.label),
                            part.syntheticProbability);
            for (const ControlPart& part : c->inside)  // the region's own parts, compared at a smaller size
                std::printf("    own %-20s %-12s p=%.2f\n", part.region.brief().c_str(), verdictLabelName(part.label),
                            part.syntheticProbability);
        }
    }
    if (r.record)  // what the file's record says beside the verdict, as the verdict panel shows it
        for (const RecordNote& note : *r.record)
            std::printf("  %s %s\n", note.againstVerdict ? "record, against the verdict:" : "record:", note.text.c_str());
    std::fflush(stdout);
}

void printContributions(const AnalysisResult& r) {
    const std::optional<CombinedAttribution>& c = r.verdict.combinedAttribution;
    if (!c || r.verdict.label == VerdictLabel::Authentic) return;
    const auto rows = c->contributionRows(3);
    if (rows.empty()) return;
    const bool look = c->lookWeight > 0;
    const std::string temperature = c->temperature != 1 ? "; combined = softmax(score / " + QString::number(c->temperature).toStdString() + ")" : "";
    if (look)
        std::printf("  how the generator was chosen (score = log detector + %g x fingerprint log LR + %g x log look%s):\n", c->weight,
                    c->lookWeight, temperature.c_str());
    else
        std::printf("  how the generator was chosen (score = log detector + %g x fingerprint log LR%s):\n", c->weight, temperature.c_str());
    std::printf("    %-28s %9s %12s %6s %9s\n", "candidate", "detector", "fingerprint", look ? "look" : "", "combined");
    for (const auto& k : rows)
        std::printf("    %-28s %9s %12s %6s %9s\n", k.name.c_str(), k.detector.c_str(), k.evidence.c_str(), k.look.c_str(), k.combined.c_str());
    std::fflush(stdout);
}

void printRobustnessLine(const AnalysisResult& r, bool quiet) {
    if (!r.robustness) return;
    if (!r.robustness->done())
        std::fprintf(stderr, "  robustness check not done for %s: %s\n", r.image.path.c_str(), r.robustness->error.c_str());
    else if (!quiet)
        std::printf("  robustness: %s. %s\n", verdictLabelName(r.robustness->label), r.robustness->explanation.c_str());
    std::fflush(stdout);
}

}  // namespace synthscope::cli
