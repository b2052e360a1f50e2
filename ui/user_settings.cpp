#include "ui/user_settings.h"

#include <QSettings>

#include <algorithm>

namespace synthscope::ui {
namespace {
constexpr int kMaxRecent = 10;
}

UserSettings UserSettings::load() {
    QSettings s;
    UserSettings u;
    u.model = s.value("analysis/model", u.model).toString();
    u.device = s.value("analysis/device", u.device).toString();
    u.precision = s.value("analysis/precision", u.precision).toString();
    u.threads = s.value("analysis/threads", u.threads).toInt();
    u.topK = s.value("analysis/topK", u.topK).toInt();
    u.fullHeatmap = s.value("analysis/fullHeatmap", u.fullHeatmap).toBool();
    u.robustnessCheck = s.value("analysis/robustnessCheck", u.robustnessCheck).toBool();
    u.regionControls = std::clamp(s.value("analysis/regionControls", u.regionControls).toInt(), 0, kMaxRegionControls);
    u.darkPalette = s.value("view/darkPalette", u.darkPalette).toBool();
    u.heatmapColours = s.value("view/heatmapColours", u.heatmapColours).toString();
    u.fingerprintLibrary = s.value("fingerprints/library").toString();
    u.recentFiles = s.value("files/recent").toStringList();
    return u;
}

void UserSettings::save() const {
    QSettings s;
    s.setValue("analysis/model", model);
    s.setValue("analysis/device", device);
    s.setValue("analysis/precision", precision);
    s.setValue("analysis/threads", threads);
    s.setValue("analysis/topK", topK);
    s.setValue("analysis/fullHeatmap", fullHeatmap);
    s.setValue("analysis/robustnessCheck", robustnessCheck);
    s.setValue("analysis/regionControls", regionControls);
    s.setValue("view/darkPalette", darkPalette);
    s.setValue("view/heatmapColours", heatmapColours);
    s.setValue("fingerprints/library", fingerprintLibrary);
    s.setValue("files/recent", recentFiles);
}

void UserSettings::addRecentFile(const QString& path) {
    recentFiles.removeAll(path);
    recentFiles.prepend(path);
    while (recentFiles.size() > kMaxRecent) recentFiles.removeLast();
}

HeatmapColours UserSettings::colours() const {
    return parseHeatmapColours(heatmapColours.toStdString()).value_or(HeatmapColours::Turbo);  // an unknown name: the default
}

DetectorOptions UserSettings::detectorOptions() const {
    DetectorOptions o;
    o.device = device.toStdString();
    o.precision = precision == "fp16" ? Precision::Fp16 : precision == "bf16" ? Precision::Bf16 : Precision::Fp32;
    o.threads = threads;
    return o;
}

AnalysisSettings UserSettings::analysisSettings() const {
    AnalysisSettings a;
    a.topK = topK;
    a.fullHeatmap = fullHeatmap;
    a.regionControls = regionControls;
    return a;
}

}  // namespace synthscope::ui
