#pragma once
// Shared by the `synthscope fingerprint` subcommands (fingerprint_command.cpp, fingerprint_bench.cpp).
#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "engine/residual.h"

namespace synthscope::cli::fingerprint {

// The fingerprint folder: --library when given, else $SYNTHSCOPE_FINGERPRINTS, else the first
// "fingerprints" folder under the model search paths. Empty (and error set) when there is none.
QString resolveLibrary(const QString& given, std::string& error);

// Image files under a folder (recursive, sorted), as the analyze command collects them.
std::vector<std::string> imagesIn(const QString& dir);

// Parses --residual: empty text gives nullopt; an unknown name prints an error and returns false.
bool parseResidual(const QString& text, const char* command, std::optional<ResidualMethod>& out);
bool intOption(const QCommandLineParser& parser, const char* name, int lo, int hi, int& out, const char* command);
bool doubleOption(const QCommandLineParser& parser, const char* name, double lo, double hi, double& out, const char* command);

// Set by SIGINT once installCancelHandler() was called: long runs stop at the next step.
std::atomic<bool>& cancelFlag();
void installCancelHandler();

// Parses the common --help handling; returns -1 to go on, or an exit code.
int parseOrExit(QCommandLineParser& parser, const QStringList& args, const char* command);

int runEvaluate(const QStringList& args);
int runCrossval(const QStringList& args);

}  // namespace synthscope::cli::fingerprint
