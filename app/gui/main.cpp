// synthscope-gui: the SynthScope workstation.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>
#include <optional>

#include "engine/image_region.h"
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
        {"region", "also analyse this rectangle of each image alone, in a tab of its own (pixels of the image as shown,\n"
                   "after EXIF orientation), as Analysis > Analyse Selected Region does", "X,Y,W,H"},
        {"case", "open this case (a .sqlite file written by `synthscope batch` or Analyse Folder into Case)", "FILE"},
    });
    parser.process(app);
    std::optional<synthscope::ImageRegion> region;
    if (parser.isSet("region")) try {
        region = synthscope::parseImageRegion(parser.value("region").toStdString());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope-gui: %s\n", e.what());
        return 2;
    }

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
    QTimer::singleShot(200, &window, [&window, paths, caseFile, region] {
        window.openFiles(paths);
        if (region)  // each whole picture stays open beside its region, which it outlines
            for (const QString& path : paths) window.openRegion(path, *region);
        if (!caseFile.isEmpty()) window.openCase(caseFile);
    });
    return app.exec();
}
