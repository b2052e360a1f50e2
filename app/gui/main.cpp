// synthscope-gui: the SynthScope workstation.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "engine/version.h"
#include "ui/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("SynthScope");
    QApplication::setOrganizationName("SynthScope");
    QApplication::setApplicationVersion(SYNTHSCOPE_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription("SynthScope workstation: open images to see the verdict, heatmap and forensic panels.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("PATH", "images or folders to open", "[PATH...]");
    parser.addOptions({
        {"screenshot-dir", "when every image is analysed, save screenshots of the main views into DIR", "DIR"},
        {"quit-when-done", "quit once every image is analysed (automated runs)"},
        {"measure-stall", "measure the longest event-loop stall and print it on exit"},
        {"model", "use this model (name, manifest or TorchScript file) for this session", "NAME|FILE"},
        {"case", "open this case (a .sqlite file written by `synthscope batch` or Analyse Folder into Case)", "FILE"},
    });
    parser.process(app);

    synthscope::ui::AutomationOptions automation;
    automation.screenshotDir = parser.value("screenshot-dir");
    automation.quitWhenDone = parser.isSet("quit-when-done");
    automation.measureStall = parser.isSet("measure-stall");
    automation.model = parser.value("model");
    synthscope::ui::MainWindow window(automation);
    window.show();
    // Open the files once the window is on screen, so the first paint is not counted as a stall.
    const QStringList paths = parser.positionalArguments();
    const QString caseFile = parser.value("case");
    QTimer::singleShot(200, &window, [&window, paths, caseFile] {
        window.openFiles(paths);
        if (!caseFile.isEmpty()) window.openCase(caseFile);
    });
    return app.exec();
}
