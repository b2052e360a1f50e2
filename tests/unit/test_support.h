#pragma once
#include <functional>
#include <QString>
#include <QStringList>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/detector.h"
#include "engine/model_manifest.h"

namespace Exiv2 {
class Image;
}

namespace synthscope::test {

std::string testData(const std::string& name);    // tests/data/<name>
std::string sharedData(const std::string& name);  // ../shared/data/<name>
bool sharedDataPresent();

ModelManifest fixtureManifest(const std::string& stem);  // tests/data/<stem>.json
std::shared_ptr<Detector> fixtureDetector(const std::string& stem);

// Writes an 8-bit RGB image (given in RGB order) with OpenCV; the extension picks the format.
void writeRgb(const std::string& path, const cv::Mat& rgb, const std::vector<int>& params = {});
std::vector<std::uint8_t> encodeRgb(const std::string& ext, const cv::Mat& rgb, const std::vector<int>& params = {});
void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes);
// An executable shell script `name` in dir running `body` (a stand-in for a helper program); its path.
std::string writeShellScript(const std::string& dir, const std::string& name, const std::string& body);
// Writes EXIF/XMP with Exiv2 into an image held in memory (`edit` changes the opened image's metadata)
// and returns the new bytes.
std::vector<std::uint8_t> withExiv2(const std::vector<std::uint8_t>& image, const std::function<void(Exiv2::Image&)>& edit);

// An RGB image (CV_8UC3, or CV_16UC3 holding 10-bit values: a 10-bit HEIC, as HDR cameras save) encoded
// by libheif in memory as HEIC (avif false: HEVC with x265) or AVIF (AV1 with
// aom) at quality 95, with an EXIF block (TIFF bytes) and an XMP packet when given. Empty when this build
// has no libheif (the tests that need it skip: heifDecodingAvailable()).
// `extras` adds what phones store beside the primary image: a thumbnail, further top-level images.
struct HeifExtras {
    int thumbnailSide = 0;     // > 0: a thumbnail of the primary image within this many pixels
    int moreTopLevelImages = 0;  // copies of the image stored after the primary one
};
std::vector<std::uint8_t> encodeHeif(const cv::Mat& rgb, bool avif, const std::vector<std::uint8_t>& exifTiff = {},
                                     const std::string& xmpPacket = {}, const HeifExtras& extras = {});

// Sets an environment variable for one scope, restoring the old value (or its absence) afterwards.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

// The `synthscope` CLI run to the end (or killed at the deadline, which fails the test: a CLI that
// hangs is a bug), with what it printed.
struct CliRun {
    int exitCode = -1;
    bool finished = false;
    QString out, err;
};
CliRun runCli(const QStringList& args, int timeoutMs = 240000);

}  // namespace synthscope::test
