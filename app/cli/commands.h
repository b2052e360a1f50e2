#pragma once
#include <QStringList>

namespace synthscope::cli {

// Each command parses its own arguments (args[0] is the command name) and returns an exit code.
int runAnalyze(const QStringList& args);
int runModels(const QStringList& args);

}  // namespace synthscope::cli
