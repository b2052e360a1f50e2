// synthscope: the command-line front end of the SynthScope engine.
#include <QCoreApplication>
#include <QGuiApplication>
#include <QStringList>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/decoder_process.h"
#include "engine/version.h"

namespace {

std::string usage() {
    std::string text = "SynthScope " SYNTHSCOPE_VERSION " - forensic analysis of images that may be AI-generated\n\n"
                       "Usage: synthscope COMMAND [OPTIONS]\n\nCommands:\n";
    for (const synthscope::cli::Command& c : synthscope::cli::kCommands) {
        std::string name = c.name;
        name.resize(std::max<std::size_t>(name.size() + 2, 14), ' ');
        text += "  " + name + c.summary + "\n";
    }
    text += "\nRun 'synthscope COMMAND --help' for a command's options.\n\n"
            "Exit codes: 0 all inputs analysed; 2 bad usage or some inputs could not be analysed\n"
            "(the others were); 3 no usable model or an internal error.\n";
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace synthscope::cli;
    // QtCore services (file names, JSON); no event loop is run. Commands that lay out text (PDF reports)
    // need Qt Gui's fonts: they get a QGuiApplication on the "offscreen" platform, so no display is needed.
    bool needsGui = false;
    for (const Command& c : kCommands) needsGui |= argc > 1 && std::string(argv[1]) == c.name && c.needsGui;
    if (needsGui && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> app = needsGui ? std::make_unique<QGuiApplication>(argc, argv)
                                                     : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName("synthscope");
    QCoreApplication::setApplicationVersion(SYNTHSCOPE_VERSION);
    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    if (args.isEmpty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(usage().c_str(), args.isEmpty() ? stderr : stdout);
        return args.isEmpty() ? kExitBadInput : kExitOk;
    }
    if (args[0] == "--version") {
        std::puts("synthscope " SYNTHSCOPE_VERSION);
        std::puts(("decoders: " + synthscope::describeDecoders()).c_str());
        return kExitOk;
    }
    for (const Command& c : kCommands) {
        if (args[0] != c.name) continue;
        try {
            return c.run(args);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "synthscope %s: internal error: %s\n", c.name, e.what());
            return kExitInternal;
        }
    }
    std::fprintf(stderr, "synthscope: unknown command '%s'\n\n%s", qPrintable(args[0]), usage().c_str());
    return kExitBadInput;
}
