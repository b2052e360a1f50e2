#pragma once
#include <QString>
#include <QStringList>

#include "engine/detector.h"
#include "engine/heatmap.h"
#include "engine/image_analyzer.h"

namespace synthscope::ui {

// The user's choices, kept with QSettings between sessions: one place reads and writes them.
struct UserSettings {
    QString model;                 // empty: the preferred installed model
    QString device = "auto";
    QString precision = "fp32";
    int threads = 0;
    int topK = 0;                  // 0: the model's
    bool fullHeatmap = true;
    bool robustnessCheck = false;  // also analyse JPEG 90, JPEG 65 and 0.75-rescaled copies of each image
    int regionControls = kDefaultRegionControls;  // parts of a region's size elsewhere analysed with it (0: none)
    bool darkPalette = false;
    QString heatmapColours = "turbo";  // a heatmapColoursName(); colours() reads it
    // The fingerprint library the Fingerprints tab and reports compare images with (chosen in Analysis >
    // Generator Fingerprints); empty: the installed one, or $SYNTHSCOPE_FINGERPRINTS (resolveFingerprintLibrary).
    QString fingerprintLibrary;
    QStringList recentFiles;

    static UserSettings load();
    void save() const;
    void addRecentFile(const QString& path);

    HeatmapColours colours() const;
    DetectorOptions detectorOptions() const;
    AnalysisSettings analysisSettings() const;
};

}  // namespace synthscope::ui
