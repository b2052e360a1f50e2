#pragma once
#include <QStringList>

namespace synthscope::cli {

// A CLI command parses its own arguments (args[0] is the command name) and returns an exit code
// (exit_codes.h). To add one: write run<Name>() in its own file and add a row to kCommands.
using CommandFunction = int (*)(const QStringList& args);

struct Command {
    const char* name;
    const char* summary;  // one line for `synthscope --help`
    CommandFunction run;
    // Runs under a QGuiApplication on the "offscreen" platform (fonts for PDF) instead of a QCoreApplication.
    bool needsGui = false;
};

int runAnalyze(const QStringList& args);
int runBench(const QStringList& args);
int runBatch(const QStringList& args);
int runEvaluate(const QStringList& args);
int runFingerprint(const QStringList& args);
int runInspect(const QStringList& args);
int runModels(const QStringList& args);
int runReport(const QStringList& args);
int runSpectrum(const QStringList& args);

inline constexpr Command kCommands[] = {
    {"analyze", "detect synthetic images: verdict, generator ranking, patch heatmap", runAnalyze},
    {"bench", "speed and memory of the engine beside the published SuSy recipe in Python (--reference)", runBench},
    {"batch", "analyse folders into a case file (SQLite): streamed, cached by content, resumable", runBatch},
    {"evaluate", "measure a detector on labelled images (CSV or folder): accuracy, ROC AUC, attribution, calibration, JPEG conditions, robustness", runEvaluate},
    {"fingerprint", "generator fingerprints (DIF): attribute images, build, evaluate, blank-image experiment", runFingerprint},
    {"inspect", "JPEG history (tables, quality, double compression), error level analysis, metadata and generator traces", runInspect},
    {"models", "list the detector models found and where they are looked for", runModels},
    {"report", "case exports (CSV, JSON) and evidence reports (HTML, PDF) per image and per case", runReport, true},
    {"spectrum", "Fourier spectra of noise residuals: up-sampling peaks, folder averages, peak rates", runSpectrum},
};

}  // namespace synthscope::cli
