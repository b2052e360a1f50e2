#pragma once
#include <QCommandLineParser>
#include <QJsonObject>
#include <QString>

#include <initializer_list>
#include <string>

#include <opencv2/core.hpp>

namespace synthscope {
struct AnalysisResult;
}

// Small helpers every CLI command shares.
namespace synthscope::cli {

inline QString qs(const std::string& s) { return QString::fromStdString(s); }

// Before any work: each file the named options give (--json, --pdf, ...) must go into a folder that exists and
// can be written, and must not be a folder itself, so that a mistyped path costs a message at once, not an
// analysis thrown away at its end. Prints "synthscope <command>: --json PATH goes into the folder F, which does
// not exist; nothing was done" (or why else) and returns false otherwise.
bool outputFoldersWritable(const QCommandLineParser& parser, const char* command, std::initializer_list<const char*> options);

// "1 file", "2 files": a count with its noun, plural by adding "s" (enough for the summaries' nouns).
std::string counted(long long n, const std::string& noun);

// For a command's closing summary: "; 1 path given could not be read (above)" when some of the paths given
// led to nothing (not there, a broken link, an unreadable folder), else "". They are not images, so they
// are told apart from the images that failed.
std::string pathsNotReadNote(std::size_t errors);

// Writes JSON through a temporary file renamed into place: a crash or kill never leaves it half-written.
bool writeJsonFile(const QString& path, const QJsonObject& root, std::string& error);

// Writes an 8-bit RGB image (converted to OpenCV's BGR) as PNG or whatever the extension says.
bool writeRgbImage(const std::string& path, const cv::Mat& rgb, std::string& error);

// The one line per analysed image on stdout (analyze, batch): label, probability, spread, path, size, time;
// then one indented line per warning the result carries (padding, beyond the model's validated range),
// and one per note on the file's record ("record, against the verdict: ...", "record: ...").
void printResultLine(const AnalysisResult& result);
// With analyze --explain: how the generator was chosen, as indented lines under the result line (what the
// detector, the fingerprints and the look said of the first candidates; CombinedAttribution::contributionRows).
// Nothing when the result was not combined or is authentic.
void printContributions(const AnalysisResult& result);
// The robustness check's answer, when the result carries one: an indented line on stdout (unless quiet),
// or on stderr when the check could not be done (analyze, batch).
void printRobustnessLine(const AnalysisResult& result, bool quiet);

}  // namespace synthscope::cli
