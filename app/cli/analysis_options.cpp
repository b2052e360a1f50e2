#include "app/cli/analysis_options.h"

#include <cstdio>

#include "engine/model_registry.h"
#include "engine/robustness_check.h"

namespace synthscope::cli {

void addAnalysisOptions(QCommandLineParser& parser) {
    parser.addOptions({
        {"model", "model name, manifest (.json) or TorchScript file with a manifest beside it (default: the preferred installed model)", "NAME|FILE"},
        {"device", "auto (CUDA when available), cpu or cuda", "DEVICE", "auto"},
        {"precision", "fp32; fp16 (CUDA only); bf16 (CUDA, or CPUs with native BF16)", "PRECISION", "fp32"},
        {"threads", "CPU threads for inference (default: all cores)", "N", "0"},
        {"batch-size", "patches per forward pass (default: the model's)", "N", "0"},
        {"top-k", "patches that decide the verdict (default: the model's)", "N", "0"},
        {"stride", "patch stride in pixels (default: minimal overlap)", "N", "0"},
        {"verdict-only", "classify only the top-k patches (no full heatmap)"},
        {"max-megapixels", "refuse images larger than this", "MP", "250"},
        {"controls", QString("with --region: parts of the region's size elsewhere in the picture analysed with it (verdict\n"
                             "only) to say whether the region stands out from the rest; when none of its size fits, smaller\n"
                             "parts, compared with the region's own parts of that size; 0 for none (default %1)")
                         .arg(kDefaultRegionControls),
         "N", QString::number(kDefaultRegionControls)},
    });
}

bool readAnalysisOptions(const QCommandLineParser& parser, const char* command, DetectorOptions& detector,
                         AnalysisSettings& settings) {
    auto intOption = [&](const char* name, int lo, int hi, int& out) {
        bool ok = false;
        out = parser.value(name).toInt(&ok);
        if (!ok || out < lo || out > hi) {
            std::fprintf(stderr, "synthscope %s: --%s must be a whole number from %d to %d\n", command, name, lo, hi);
            return false;
        }
        return true;
    };
    int maxMegapixels = 0;
    if (!intOption("threads", 0, 1024, detector.threads) || !intOption("batch-size", 0, 4096, detector.batchSize) ||
        !intOption("top-k", 0, 100000, settings.topK) || !intOption("stride", 0, 100000, settings.stride) ||
        !intOption("max-megapixels", 1, 100000, maxMegapixels) || !intOption("controls", 0, kMaxRegionControls, settings.regionControls))
        return false;
    settings.load.maxPixels = std::int64_t(maxMegapixels) * 1'000'000;
    settings.fullHeatmap = !parser.isSet("verdict-only");
    detector.device = parser.value("device").toStdString();
    if (detector.device != "auto" && detector.device != "cpu" && detector.device != "cuda") {
        std::fprintf(stderr, "synthscope %s: --device must be auto, cpu or cuda\n", command);
        return false;
    }
    const QString precision = parser.value("precision");
    if (precision != "fp32" && precision != "fp16" && precision != "bf16") {
        std::fprintf(stderr, "synthscope %s: --precision must be fp32, fp16 or bf16\n", command);
        return false;
    }
    detector.precision = precision == "fp16" ? Precision::Fp16 : precision == "bf16" ? Precision::Bf16 : Precision::Fp32;
    return true;
}

std::shared_ptr<Detector> openDetector(const QCommandLineParser& parser, const char* command, const DetectorOptions& options) {
    std::shared_ptr<Detector> detector;
    try {
        const ModelManifest manifest = resolveModel(parser.value("model").toStdString(), scanModels(modelSearchPaths()));
        detector = Detector::open(manifest, options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope %s: %s\n", command, e.what());
        return nullptr;
    }
    const ModelManifest& m = detector->manifest();
    std::fprintf(stderr, "Model: %s %s (sha256 %.12s) on %s, %s, %d threads, batch %d\n", m.name.c_str(), m.version.c_str(),
                 detector->weightsSha256().c_str(), detector->deviceName().c_str(), precisionName(detector->precision()),
                 detector->threads(), detector->batchSize());
    for (const std::string& note : detector->notes()) std::fprintf(stderr, "Note: %s\n", note.c_str());
    return detector;
}

QCommandLineOption robustnessCopiesOption() {
    return {"robustness-copies",
            "the copies the robustness check analyses, comma-separated: jpegQ, rescaleS, maxsideN, contrastC "
            "(default jpeg90,jpeg65,rescale0.75; implies --robustness)",
            "LIST"};
}

QCommandLineOption heatmapColoursOption() {
    return {"colours",
            "the heatmap's colours: turbo (blue 0, red 1; the default) or cividis (dark blue 0, yellow 1: readable with "
            "red-green colour blindness and when printed in grey)",
            "NAME", "turbo"};
}

bool readHeatmapColours(const QCommandLineParser& parser, const char* command, HeatmapColours& colours) {
    const std::optional<HeatmapColours> parsed = parseHeatmapColours(parser.value("colours").toStdString());
    if (!parsed) {
        std::fprintf(stderr, "synthscope %s: --colours must be turbo or cividis, not \"%s\"\n", command, qPrintable(parser.value("colours")));
        return false;
    }
    colours = *parsed;
    return true;
}

bool readRobustnessCopies(const QCommandLineParser& parser, const char* command, std::vector<Degradation>& copies) {
    copies.clear();
    if (!parser.isSet("robustness-copies")) {
        if (parser.isSet("robustness")) copies = defaultRobustnessDegradations();
        return true;
    }
    try {
        for (const QString& item : parser.value("robustness-copies").split(',', Qt::SkipEmptyParts))
            copies.push_back(parseDegradation(item.trimmed().toStdString()));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope %s: --robustness-copies: %s\n", command, e.what());
        return false;
    }
    if (copies.empty()) {
        std::fprintf(stderr, "synthscope %s: --robustness-copies needs at least one copy, e.g. jpeg90,contrast1.3\n", command);
        return false;
    }
    return true;
}

bool readRegion(const QCommandLineParser& parser, const char* command, std::optional<ImageRegion>& region) {
    region.reset();
    if (!parser.isSet("region")) return true;
    try {
        region = parseImageRegion(parser.value("region").toStdString());
        return true;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope %s: %s\n", command, e.what());
        return false;
    }
}

}  // namespace synthscope::cli
