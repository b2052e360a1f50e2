#include "tests/unit/test_support.h"

#include <gtest/gtest.h>

#include <QProcess>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace synthscope::test {

std::string testData(const std::string& name) { return std::string(SYNTHSCOPE_TEST_DATA_DIR) + "/" + name; }
std::string sharedData(const std::string& name) { return std::string(SYNTHSCOPE_SHARED_DATA_DIR) + "/" + name; }
bool sharedDataPresent() { return std::filesystem::is_directory(SYNTHSCOPE_SHARED_DATA_DIR); }

ModelManifest fixtureManifest(const std::string& stem) { return loadManifest(testData(stem + ".json")); }

std::shared_ptr<Detector> fixtureDetector(const std::string& stem) {
    DetectorOptions options;
    options.device = "cpu";
    options.threads = 1;
    return Detector::open(fixtureManifest(stem), options);
}

std::vector<std::uint8_t> encodeRgb(const std::string& ext, const cv::Mat& rgb, const std::vector<int>& params) {
    cv::Mat bgr;
    if (rgb.channels() == 3) cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    else bgr = rgb;
    std::vector<std::uint8_t> bytes;
    if (!cv::imencode(ext, bgr, bytes, params)) throw std::runtime_error("imencode failed for " + ext);
    return bytes;
}

void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

void writeRgb(const std::string& path, const cv::Mat& rgb, const std::vector<int>& params) {
    writeBytes(path, encodeRgb(std::filesystem::path(path).extension().string(), rgb, params));
}

CliRun runCli(const QStringList& args, int timeoutMs) {
    QProcess p;
    p.start(SYNTHSCOPE_CLI, args);
    CliRun run;
    run.finished = p.waitForFinished(timeoutMs);
    EXPECT_TRUE(run.finished) << "synthscope " << args.join(' ').toStdString() << " did not finish in " << timeoutMs << " ms";
    if (!run.finished) p.kill(), p.waitForFinished();
    run.exitCode = p.exitCode();
    run.out = QString::fromUtf8(p.readAllStandardOutput());
    run.err = QString::fromUtf8(p.readAllStandardError());
    return run;
}

}  // namespace synthscope::test
