#pragma once
// Shared by the `synthscope fingerprint` subcommands (fingerprint_command.cpp, fingerprint_bench.cpp).
#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "engine/denoiser.h"

namespace synthscope::cli::fingerprint {

// The fingerprint folder: --library when given, else $SYNTHSCOPE_FINGERPRINTS, else the first
// "fingerprints" folder under the model search paths. Empty (and error set) when there is none.
QString resolveLibrary(const QString& given, std::string& error);

// Image files under a folder (recursive, sorted), as the analyze command collects them.
std::vector<std::string> imagesIn(const QString& dir);

// --denoiser MANIFEST: the learned denoiser that --residual's "denoiser" stands for.
QCommandLineOption denoiserOption();
// --residual NAME[,NAME...]: highpass, median, wavelet, nlm, or denoiser (the --denoiser MANIFEST, else the
// installed learned denoiser, see resolveDenoiser()); "all": the four built-in filters, then the denoiser
// when there is one. An empty list, an unknown name, or a denoiser that is missing or cannot be loaded,
// prints an error and returns false.
bool parseResidualList(const QCommandLineParser& parser, const char* command, std::vector<ResidualSource>& out);
// One --residual (not a list); empty text gives nullopt.
bool parseResidual(const QCommandLineParser& parser, const char* command, std::optional<ResidualSource>& out);
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
