#pragma once
#include <QCommandLineParser>

#include <memory>
#include <optional>
#include <vector>

#include "engine/detector.h"
#include "engine/heatmap.h"
#include "engine/image_analyzer.h"
#include "engine/image_degradation.h"
#include "engine/image_region.h"

// The model and analysis options shared by the commands that run the detector (analyze, batch, report).
namespace synthscope::cli {

// Adds --model, --device, --precision, --threads, --batch-size, --top-k, --stride, --verdict-only,
// --max-megapixels and --controls (a region's control parts).
void addAnalysisOptions(QCommandLineParser& parser);

// Reads them; prints "synthscope <command>: ..." and returns false on a bad value.
bool readAnalysisOptions(const QCommandLineParser& parser, const char* command, DetectorOptions& detector,
                         AnalysisSettings& settings);

// Resolves --model and opens it; prints the error and returns null when there is no usable model.
// Prints the one-line model identity on stderr when it opens.
std::shared_ptr<Detector> openDetector(const QCommandLineParser& parser, const char* command, const DetectorOptions& options);

// --robustness-copies LIST: the degraded copies the robustness check analyses (analyze, batch, evaluate, report).
QCommandLineOption robustnessCopiesOption();

// The robustness check's copies from --robustness-copies, else the default ones when --robustness is set;
// empty when neither is (no check). Prints "synthscope <command>: ..." and returns false on a bad list.
bool readRobustnessCopies(const QCommandLineParser& parser, const char* command, std::vector<Degradation>& copies);

// --colours turbo|cividis (analyze, report): the heatmap's colour scale (engine/heatmap.h).
QCommandLineOption heatmapColoursOption();
// Prints "synthscope <command>: ..." and returns false on an unknown name.
bool readHeatmapColours(const QCommandLineParser& parser, const char* command, HeatmapColours& colours);

// --region X,Y,W,H (analyze, report): the region, or none when the option is not given. Prints
// "synthscope <command>: ..." and returns false on a bad one.
bool readRegion(const QCommandLineParser& parser, const char* command, std::optional<ImageRegion>& region);

}  // namespace synthscope::cli
