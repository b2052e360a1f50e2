// HEIF/AVIF decoding in a process of its own (engine/heif_process.h): the real helper must answer as the
// in-process decoder does, and a helper that crashes, hangs or answers nonsense must cost one file, with
// a sentence, and nothing else. Stand-ins for a misbehaving libheif are small shell scripts.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include <QTemporaryDir>

#include "engine/errors.h"
#include "engine/heif_process.h"
#include "engine/image_loader.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// An executable shell script standing in for the helper.
std::string standIn(const QTemporaryDir& dir, const std::string& name, const std::string& body) {
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
}

cv::Mat smoothColours() {
    cv::Mat m(72, 104, CV_8UC3);
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(30 + 2 * x), uchar(220 - 2 * y), uchar(x ^ y));
    return m;
}

// The error decodeHeifInHelper throws for `helper` on a small HEIC, checked to be of `kind`.
std::string helperError(const std::string& helper, ErrorKind kind, const HeifHelperLimits& limits = {}) {
    const std::vector<std::uint8_t> bytes = encodeHeif(smoothColours(), false);
    try {
        (void)decodeHeifInHelper(helper, limits, bytes, "evidence.heic", "HEIC", 250'000'000);
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        EXPECT_NE(std::string(e.what()).find("evidence.heic"), std::string::npos) << "the sentence names the file: " << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no error from " << helper;
    return {};
}

}  // namespace

TEST(HeifProcess, TheHelperAnswersAsTheDecoderInThisProcessDoes) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    const std::string helper = heifHelperPath();
    ASSERT_FALSE(helper.empty()) << "the build folder's synthscope-heif-decode is found";
    const cv::Mat rgb = smoothColours();
    for (const bool avif : {false, true}) {
        const std::vector<std::uint8_t> bytes = encodeHeif(rgb, avif);
        const char* format = avif ? "AVIF" : "HEIC";
        const HeifPicture inside = decodeHeifInProcess(bytes, "p", format, 250'000'000);
        const HeifPicture outside = decodeHeifInHelper(helper, {}, bytes, "p", format, 250'000'000);
        EXPECT_EQ(outside.declared, cv::Size(104, 72)) << format;
        EXPECT_EQ(outside.declared, inside.declared);
        ASSERT_EQ(outside.rgb.size(), inside.rgb.size()) << format;
        ASSERT_EQ(outside.rgb.type(), CV_8UC3);
        EXPECT_EQ(cv::norm(outside.rgb, inside.rgb, cv::NORM_INF), 0.0) << format << ": the same pixels";
        EXPECT_LT(cv::norm(outside.rgb, rgb, cv::NORM_L1) / double(rgb.total() * 3), 3.0) << format << ": and the picture encoded";

        // Above the caller's limit: the size comes back, no pixels are decoded.
        const HeifPicture large = decodeHeifInHelper(helper, {}, bytes, "p", format, 104 * 72 - 1);
        EXPECT_EQ(large.declared, cv::Size(104, 72));
        EXPECT_TRUE(large.rgb.empty());

        // A damaged file gets the very sentence the in-process decoder gives.
        const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 2));
        std::string insideError, outsideError;
        try {
            (void)decodeHeifInProcess(cut, "cut", format, 250'000'000);
        } catch (const EngineError& e) {
            insideError = e.what();
        }
        try {
            (void)decodeHeifInHelper(helper, {}, cut, "cut", format, 250'000'000);
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            outsideError = e.what();
        }
        EXPECT_FALSE(insideError.empty()) << format;
        EXPECT_EQ(outsideError, insideError) << format;
    }
    // Metadata blocks come back byte for byte.
    const std::vector<std::uint8_t> exif{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0};
    const std::string xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"></x:xmpmeta>";
    const std::vector<std::uint8_t> tagged = encodeHeif(rgb, false, exif, xmp);
    const HeifMetadataBlocks inside = readHeifMetadataInProcess(tagged.data(), tagged.size());
    const HeifMetadataBlocks outside = readHeifMetadataInHelper(helper, {}, tagged.data(), tagged.size());
    EXPECT_TRUE(outside.error.empty()) << outside.error;
    EXPECT_EQ(outside.exifTiff, inside.exifTiff);
    EXPECT_EQ(outside.exifTiff, exif);
    EXPECT_EQ(outside.xmpPacket, inside.xmpPacket);
    EXPECT_NE(outside.xmpPacket.find("xmpmeta"), std::string::npos);
}

TEST(HeifProcess, ACrashInTheDecoderCostsOneFile) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    QTemporaryDir dir;
    const std::string crashing = standIn(dir, "crashing", "kill -SEGV $$");
    const std::string error = helperError(crashing, ErrorKind::BadInput);
    EXPECT_NE(error.find("crashed"), std::string::npos) << error;
    EXPECT_NE(error.find("Segmentation fault"), std::string::npos) << error;
    EXPECT_NE(error.find("nothing else was affected"), std::string::npos) << error;
    const std::vector<std::uint8_t> bytes = encodeHeif(smoothColours(), false);
    EXPECT_NE(readHeifMetadataInHelper(crashing, {}, bytes.data(), bytes.size()).error.find("crashed"), std::string::npos);

    // Through the loader, as the workstation opens files: the helper the environment names is used.
    const ScopedEnv env("SYNTHSCOPE_HEIF_HELPER", crashing);
    try {
        (void)decodeImage(bytes, "evidence.heic");
        ADD_FAILURE() << "the stand-in crashed, yet the file loaded";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_NE(std::string(e.what()).find("crashed"), std::string::npos) << e.what();
    }
    // And the next file, of another format, is read as usual.
    EXPECT_EQ(decodeImage(encodeRgb(".png", smoothColours()), "next.png").width(), 104);
}

TEST(HeifProcess, TheHelperRunsUnderAMemoryLimit) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    // 64 MiB of input under a 32 MiB address-space limit: the helper cannot even hold the file, and says
    // so instead of taking the machine's memory (or crashing).
    HeifHelperLimits limits;
    limits.memoryBytes = std::int64_t(32) << 20;
    const std::vector<std::uint8_t> bytes(std::size_t(64) << 20, 7);
    try {
        (void)decodeHeifInHelper(heifHelperPath(), limits, bytes, "huge.heic", "HEIC", 250'000'000);
        ADD_FAILURE() << "decoded under a limit smaller than the file";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_NE(std::string(e.what()).find("huge.heic: the HEIC data could not be decoded (it needs more memory than the 32 MiB allowed"),
                  std::string::npos)
            << e.what();
    }
}

TEST(HeifProcess, ADecoderThatNeverReturnsIsStopped) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    QTemporaryDir dir;
    HeifHelperLimits limits;
    limits.timeoutSeconds = 1;
    const auto start = std::chrono::steady_clock::now();
    const std::string error = helperError(standIn(dir, "hanging", "exec sleep 60"), ErrorKind::BadInput, limits);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_NE(error.find("had not finished after 1 s and was stopped"), std::string::npos) << error;
    EXPECT_LT(seconds, 20.0) << "stopped at the limit, not after the stand-in's 60 s";
}

TEST(HeifProcess, NonsenseFromTheHelperIsRefused) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    QTemporaryDir dir;
    // Says 2x2 pixels follow, then sends 5 bytes instead of 12.
    const std::string shortAnswer = helperError(
        standIn(dir, "short", "printf 'SSHEIF1\\n\\000\\000\\000\\000\\002\\000\\000\\000\\002\\000\\000\\000\\000\\000\\000\\000abcde'"),
        ErrorKind::Internal);
    EXPECT_NE(shortAnswer.find("gave an answer SynthScope cannot read"), std::string::npos) << shortAnswer;
    const std::string failed = helperError(standIn(dir, "failing", "exit 3"), ErrorKind::Internal);
    EXPECT_NE(failed.find("stopped with exit code 3"), std::string::npos) << failed;
    const std::string silent = helperError(standIn(dir, "silent", "cat > /dev/null"), ErrorKind::Internal);
    EXPECT_NE(silent.find("cannot read"), std::string::npos) << silent;
}

TEST(HeifProcess, TheEnvironmentChoosesTheHelper) {
    {
        const ScopedEnv env("SYNTHSCOPE_HEIF_HELPER", "in-process");
        EXPECT_TRUE(heifHelperPath().empty());
        if (heifDecodingAvailable()) EXPECT_EQ(decodeImage(encodeHeif(smoothColours(), false), "x.heic").width(), 104);
    }
    const ScopedEnv env("SYNTHSCOPE_HEIF_HELPER", "/nonexistent/synthscope-heif-decode");
    try {
        (void)heifHelperPath();
        ADD_FAILURE() << "a helper that is not there was accepted";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Internal);
        EXPECT_NE(std::string(e.what()).find("not an executable file"), std::string::npos) << e.what();
    }
}
