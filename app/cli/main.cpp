// synthscope: the command-line front end of the SynthScope engine.
#include <QCoreApplication>
#include <QStringList>

#include <cstdio>
#include <exception>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/version.h"

namespace {

const char* kUsage =
    "SynthScope " SYNTHSCOPE_VERSION " - forensic analysis of images that may be AI-generated\n"
    "\n"
    "Usage: synthscope COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  analyze PATH...   detect synthetic images: verdict, generator ranking, patch heatmap\n"
    "  models            list the detector models found and where they are looked for\n"
    "\n"
    "Run 'synthscope COMMAND --help' for a command's options.\n"
    "\n"
    "Exit codes: 0 all inputs analysed; 2 bad usage or some inputs could not be analysed\n"
    "(the others were); 3 no usable model or an internal error.\n";

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);  // QtCore services (file names, JSON); no event loop is run
    QCoreApplication::setApplicationName("synthscope");
    QCoreApplication::setApplicationVersion(SYNTHSCOPE_VERSION);
    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    if (args.isEmpty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(kUsage, args.isEmpty() ? stderr : stdout);
        return args.isEmpty() ? synthscope::cli::kExitBadInput : synthscope::cli::kExitOk;
    }
    if (args[0] == "--version") {
        std::puts("synthscope " SYNTHSCOPE_VERSION);
        return synthscope::cli::kExitOk;
    }
    try {
        if (args[0] == "analyze") return synthscope::cli::runAnalyze(args);
        if (args[0] == "models") return synthscope::cli::runModels(args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope: internal error: %s\n", e.what());
        return synthscope::cli::kExitInternal;
    }
    std::fprintf(stderr, "synthscope: unknown command '%s'\n\n%s", qPrintable(args[0]), kUsage);
    return synthscope::cli::kExitBadInput;
}
