#include <QCommandLineParser>

#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/model_registry.h"

namespace synthscope::cli {

int runModels(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription("List the detector models SynthScope finds, and where it looks.");
    parser.addHelpOption();
    if (!parser.parse(args)) {
        std::fprintf(stderr, "synthscope models: %s\n", qPrintable(parser.errorText()));
        return kExitBadInput;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    const std::vector<std::string> paths = modelSearchPaths();
    const ModelCatalog catalog = scanModels(paths);
    std::printf("Model folders (first match wins):\n");
    for (const std::string& p : paths) std::printf("  %s\n", p.c_str());
    std::printf("\nModels:\n");
    if (catalog.models.empty()) std::printf("  none\n");
    for (const ModelManifest& m : catalog.models) {
        std::printf("  %-14s %-10s %-14s %zu classes, %dpx patches  %s\n", m.name.c_str(), m.version.c_str(),
                    m.weightsPresent() ? "installed" : "NOT INSTALLED", m.classes.size(), m.inputSize, m.manifestPath.c_str());
        if (!m.description.empty()) std::printf("               %s\n", m.description.c_str());
    }
    for (const std::string& e : catalog.errors) std::printf("  broken: %s\n", e.c_str());
    return kExitOk;
}

}  // namespace synthscope::cli
