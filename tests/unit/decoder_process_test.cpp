// Decoding in a process of its own (engine/decoder_process.h): the real helper must answer as the
// in-process decoders do (pixels of every format, Exiv2 metadata), its fork server must serve many files
// and survive a stopped run and its own death, and a helper that crashes, hangs or answers nonsense
// must cost one file, with a sentence, and nothing else. Stand-ins for a misbehaving decoder are shell scripts.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QTemporaryDir>
#include <opencv2/imgproc.hpp>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // Exiv2 0.27's std::auto_ptr
#include <exiv2/exiv2.hpp>

#include "engine/decode_sandbox.h"
#include "engine/errors.h"
#include "engine/decoder_process.h"
#include "engine/image_analyzer.h"
#include "engine/image_loader.h"
#include "engine/metadata.h"
#include "engine/thumbnail_check.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// An executable shell script standing in for the helper.
std::string standIn(const QTemporaryDir& dir, const std::string& name, const std::string& body) {
    return writeShellScript(dir.path().toStdString(), name, body);
}

cv::Mat smoothColours() {
    cv::Mat m(72, 104, CV_8UC3);
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(30 + 2 * x), uchar(220 - 2 * y), uchar(x ^ y));
    return m;
}

// Sets `cancel` from another thread 300 ms from now, as a user pressing Cancel would.
std::thread cancelAfter300ms(std::atomic<bool>& cancel) {
    return std::thread([&cancel] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancel = true;
    });
}

// The error decodeInHelper throws for `helper` on a small HEIC, checked to be of `kind`.
std::string helperError(const std::string& helper, ErrorKind kind, const DecodeHelperLimits& limits = {}) {
    const std::vector<std::uint8_t> bytes = encodeHeif(smoothColours(), false);
    try {
        (void)decodeInHelper(helper, limits, bytes, "evidence.heic", ImageFormat::Heif, 250'000'000);
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        EXPECT_NE(std::string(e.what()).find("evidence.heic"), std::string::npos) << "the sentence names the file: " << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no error from " << helper;
    return {};
}

}  // namespace

TEST(DecoderProcess, TheHelperAnswersAsTheDecoderInThisProcessDoes) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    const std::string helper = decodeHelperPath();
    ASSERT_FALSE(helper.empty()) << "the build folder's synthscope-decode is found";
    const cv::Mat rgb = smoothColours();
    for (const bool avif : {false, true}) {
        const std::vector<std::uint8_t> bytes = encodeHeif(rgb, avif);
        const ImageFormat format = avif ? ImageFormat::Avif : ImageFormat::Heif;
        const DecodedPicture inside = decodeHeifInProcess(bytes, "p", imageFormatName(format), 250'000'000);
        const DecodedPicture outside = decodeInHelper(helper, {}, bytes, "p", format, 250'000'000);
        EXPECT_EQ(outside.declared, cv::Size(104, 72)) << imageFormatName(format);
        EXPECT_EQ(outside.declared, inside.declared);
        ASSERT_EQ(outside.rgb.size(), inside.rgb.size()) << imageFormatName(format);
        ASSERT_EQ(outside.rgb.type(), CV_8UC3);
        EXPECT_EQ(cv::norm(outside.rgb, inside.rgb, cv::NORM_INF), 0.0) << imageFormatName(format) << ": the same pixels";
        EXPECT_LT(cv::norm(outside.rgb, rgb, cv::NORM_L1) / double(rgb.total() * 3), 3.0) << imageFormatName(format) << ": and the picture encoded";

        // Above the caller's limit: the size comes back, no pixels are decoded.
        const DecodedPicture large = decodeInHelper(helper, {}, bytes, "p", format, 104 * 72 - 1);
        EXPECT_EQ(large.declared, cv::Size(104, 72));
        EXPECT_TRUE(large.rgb.empty());

        // A damaged file gets the very sentence the in-process decoder gives.
        const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 2));
        std::string insideError, outsideError;
        try {
            (void)decodeHeifInProcess(cut, "cut", imageFormatName(format), 250'000'000);
        } catch (const EngineError& e) {
            insideError = e.what();
        }
        try {
            (void)decodeInHelper(helper, {}, cut, "cut", format, 250'000'000);
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            outsideError = e.what();
        }
        EXPECT_FALSE(insideError.empty()) << imageFormatName(format);
        EXPECT_EQ(outsideError, insideError) << imageFormatName(format);
    }
}

TEST(DecoderProcess, MetadataReadInTheHelperIsTheSameAsInThisProcess) {
    const std::string helper = decodeHelperPath();
    ASSERT_FALSE(helper.empty());
    // A JPEG with EXIF (a camera, a thumbnail), XMP and IPTC written by Exiv2; a PNG without any; and,
    // with libheif, a HEIC with an EXIF block and an XMP packet (libheif finds them, Exiv2 parses them).
    std::vector<std::pair<std::vector<std::uint8_t>, ImageFormat>> files;
    const std::vector<std::uint8_t> thumbnail = encodeRgb(".jpg", cv::Mat(12, 16, CV_8UC3, cv::Scalar(90, 140, 30)));
    files.emplace_back(withExiv2(encodeRgb(".jpg", smoothColours()), [&](Exiv2::Image& image) {
        image.exifData()["Exif.Image.Make"] = "Canon";
        image.exifData()["Exif.Photo.UserComment"] = "charset=Ascii a comment";
        Exiv2::ExifThumb(image.exifData()).setJpegThumbnail(thumbnail.data(), long(thumbnail.size()));
        image.xmpData()["Xmp.xmp.CreatorTool"] = "Some Editor 2";
        image.iptcData()["Iptc.Application2.Caption"] = "a caption";
    }), ImageFormat::Jpeg);
    files.emplace_back(encodeRgb(".png", smoothColours()), ImageFormat::Png);
    if (heifDecodingAvailable())
        files.emplace_back(encodeHeif(smoothColours(), false, {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0},
                                      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"></x:xmpmeta>"),
                           ImageFormat::Heif);
    auto same = [](const std::vector<MetadataEntry>& a, const std::vector<MetadataEntry>& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i].group != b[i].group || a[i].key != b[i].key || a[i].value != b[i].value) return false;
        return true;
    };
    for (const auto& [bytes, format] : files) {
        const Exiv2Reading inside = readExiv2InProcess(bytes.data(), bytes.size(), format);
        const Exiv2Reading outside = readExiv2InHelper(helper, {}, bytes.data(), bytes.size(), format);
        const char* name = imageFormatName(format);
        EXPECT_TRUE(same(outside.exif, inside.exif)) << name;
        EXPECT_TRUE(same(outside.xmp, inside.xmp)) << name;
        EXPECT_TRUE(same(outside.iptc, inside.iptc)) << name;
        EXPECT_EQ(outside.xmpPacket, inside.xmpPacket) << name;
        EXPECT_EQ(outside.hasThumbnail, inside.hasThumbnail) << name;
        EXPECT_EQ(outside.thumbnail, inside.thumbnail) << name;
        ASSERT_EQ(outside.problems.size(), inside.problems.size()) << name;
        for (std::size_t i = 0; i < inside.problems.size(); ++i) EXPECT_EQ(outside.problems[i].text, inside.problems[i].text);
        ASSERT_EQ(outside.facts.size(), inside.facts.size()) << name;
        for (std::size_t i = 0; i < inside.facts.size(); ++i) EXPECT_EQ(outside.facts[i].text, inside.facts[i].text);
    }
    // And they did carry something: the JPEG's entries of all three kinds and its thumbnail, the HEIC's
    // packet and container facts.
    const Exiv2Reading jpeg = readExiv2InHelper(helper, {}, files[0].first.data(), files[0].first.size(), ImageFormat::Jpeg);
    EXPECT_TRUE(jpeg.problems.empty());
    EXPECT_TRUE(std::any_of(jpeg.exif.begin(), jpeg.exif.end(), [](const MetadataEntry& e) { return e.key == "Exif.Image.Make" && e.value == "Canon"; }));
    EXPECT_FALSE(jpeg.xmp.empty());
    EXPECT_FALSE(jpeg.iptc.empty());
    EXPECT_TRUE(jpeg.hasThumbnail);
    EXPECT_EQ(jpeg.thumbnail, thumbnail);
    if (heifDecodingAvailable()) {
        const Exiv2Reading heic = readExiv2InHelper(helper, {}, files[2].first.data(), files[2].first.size(), ImageFormat::Heif);
        EXPECT_NE(heic.xmpPacket.find("xmpmeta"), std::string::npos);
        EXPECT_EQ(heic.facts.size(), 1u) << "its primary image comes alone";
    }
}

TEST(DecoderProcess, ACrashInTheDecoderCostsOneFile) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    QTemporaryDir dir;
    const std::string crashing = standIn(dir, "crashing", "kill -SEGV $$");
    const std::string error = helperError(crashing, ErrorKind::BadInput);
    EXPECT_NE(error.find("crashed"), std::string::npos) << error;
    EXPECT_NE(error.find("Segmentation fault"), std::string::npos) << error;
    EXPECT_NE(error.find("nothing else was affected"), std::string::npos) << error;
    const std::vector<std::uint8_t> bytes = encodeHeif(smoothColours(), false);
    const Exiv2Reading metadata = readExiv2InHelper(crashing, {}, bytes.data(), bytes.size(), ImageFormat::Heif);
    ASSERT_EQ(metadata.problems.size(), 1u);
    EXPECT_NE(metadata.problems[0].text.find("Metadata could not be read: libheif or Exiv2 crashed"), std::string::npos) << metadata.problems[0].text;
    const std::vector<std::uint8_t> jpeg = encodeRgb(".jpg", smoothColours());
    const Exiv2Reading jpegMetadata = readExiv2InHelper(crashing, {}, jpeg.data(), jpeg.size(), ImageFormat::Jpeg);
    ASSERT_EQ(jpegMetadata.problems.size(), 1u);
    EXPECT_NE(jpegMetadata.problems[0].text.find("Metadata could not be read: Exiv2 crashed on it"), std::string::npos) << jpegMetadata.problems[0].text;

    {
        // Through the loader, as the workstation opens files: the helper the environment names is used.
        const ScopedEnv env("SYNTHSCOPE_DECODE_HELPER", crashing);
        try {
            (void)decodeImage(bytes, "evidence.heic");
            ADD_FAILURE() << "the stand-in crashed, yet the file loaded";
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find("libheif crashed"), std::string::npos) << e.what();
        }
        // A JPEG's decoder too runs there, and its crash is told in the same words.
        try {
            (void)decodeImage(jpeg, "evidence.jpg");
            ADD_FAILURE() << "the stand-in crashed, yet the JPEG loaded";
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find("evidence.jpg: the JPEG file could not be decoded: libjpeg-turbo crashed on it"),
                      std::string::npos)
                << e.what();
        }
        // Its metadata reading says the same, and what SynthScope reads itself is still there.
        const MetadataReport report = readMetadata(bytes);
        EXPECT_EQ(report.format, "HEIF");
        ASSERT_FALSE(report.problems.empty());
        EXPECT_NE(report.problems[0].text.find("crashed"), std::string::npos) << report.problems[0].text;
    }
    // And the next file is read as usual.
    EXPECT_EQ(decodeImage(encodeRgb(".png", smoothColours()), "next.png").width(), 104);
}

TEST(DecoderProcess, TheHelperRunsUnderAMemoryLimit) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    // 64 MiB of input under a 32 MiB address-space limit: the helper cannot even hold the file, and says
    // so instead of taking the machine's memory (or crashing).
    DecodeHelperLimits limits;
    limits.memoryBytes = std::int64_t(32) << 20;
    const std::vector<std::uint8_t> bytes(std::size_t(64) << 20, 7);
    try {
        (void)decodeInHelper(decodeHelperPath(), limits, bytes, "huge.heic", ImageFormat::Heif, 250'000'000);
        ADD_FAILURE() << "decoded under a limit smaller than the file";
    } catch (const EngineError& e) {
        if (!decodeHelperAnswersOutOfMemory()) {  // AddressSanitizer build: the helper aborts at the limit
            EXPECT_NE(std::string(e.what()).find("stopped with exit code"), std::string::npos) << e.what();
            return;
        }
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_NE(std::string(e.what()).find("huge.heic: the HEIF data could not be decoded (it needs more memory than the 32 MiB allowed"),
                  std::string::npos)
            << e.what();
    }
}

TEST(DecoderProcess, ADecoderThatNeverReturnsIsStopped) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    QTemporaryDir dir;
    DecodeHelperLimits limits;
    limits.timeoutSeconds = 1;
    const auto start = std::chrono::steady_clock::now();
    const std::string error = helperError(standIn(dir, "hanging", "exec sleep 60"), ErrorKind::BadInput, limits);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_NE(error.find("had not finished after 1 s and was stopped"), std::string::npos) << error;
    EXPECT_LT(seconds, 20.0) << "stopped at the limit, not after the stand-in's 60 s";
}

TEST(DecoderProcess, CancellingStopsTheHelperAtOnce) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    QTemporaryDir dir;
    std::atomic<bool> cancel{false};
    DecodeHelperLimits limits;
    limits.cancel = &cancel;
    const std::vector<std::uint8_t> bytes = encodeHeif(smoothColours(), false);
    std::thread canceller = cancelAfter300ms(cancel);
    const auto start = std::chrono::steady_clock::now();
    try {
        (void)decodeInHelper(standIn(dir, "slow", "exec sleep 60"), limits, bytes, "large.heic", ImageFormat::Heif, 250'000'000);
        ADD_FAILURE() << "not cancelled";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled) << e.what();
    }
    canceller.join();
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);

    // As an analysis is cancelled: its cancel flag reaches the loader (LoadOptions::cancel).
    const std::string file = dir.filePath("large.heic").toStdString();
    writeBytes(file, bytes);
    const ScopedEnv env("SYNTHSCOPE_DECODE_HELPER", standIn(dir, "slow2", "exec sleep 60"));
    cancel = false;
    std::thread again = cancelAfter300ms(cancel);
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    const auto analysisStart = std::chrono::steady_clock::now();
    try {
        (void)analyzer.analyze(file, nullptr, &cancel);
        ADD_FAILURE() << "not cancelled";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled) << e.what();
    }
    again.join();
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - analysisStart).count(), 10.0);
}

TEST(DecoderProcess, NonsenseFromTheHelperIsRefused) {
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    QTemporaryDir dir;
    // Says 2x2 pixels follow, then sends 5 bytes instead of 12.
    const std::string shortAnswer = helperError(
        standIn(dir, "short", "printf 'SSDECO3\\n\\000\\000\\000\\000\\002\\000\\000\\000\\002\\000\\000\\000\\000\\000\\000\\000abcde'"),
        ErrorKind::Internal);
    EXPECT_NE(shortAnswer.find("gave an answer SynthScope cannot read"), std::string::npos) << shortAnswer;
    const std::string failed = helperError(standIn(dir, "failing", "exit 3"), ErrorKind::Internal);
    EXPECT_NE(failed.find("stopped with exit code 3"), std::string::npos) << failed;
    const std::string silent = helperError(standIn(dir, "silent", "cat > /dev/null"), ErrorKind::Internal);
    EXPECT_NE(silent.find("cannot read"), std::string::npos) << silent;
}

TEST(DecoderProcess, TheEnvironmentChoosesTheHelper) {
    {
        const ScopedEnv env("SYNTHSCOPE_DECODE_HELPER", "in-process");
        EXPECT_TRUE(decodeHelperPath().empty());
        if (heifDecodingAvailable()) EXPECT_EQ(decodeImage(encodeHeif(smoothColours(), false), "x.heic").width(), 104);
    }
    const ScopedEnv env("SYNTHSCOPE_DECODE_HELPER", "/nonexistent/synthscope-decode");
    try {
        (void)decodeHelperPath();
        ADD_FAILURE() << "a helper that is not there was accepted";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Internal);
        EXPECT_NE(std::string(e.what()).find("not an executable file"), std::string::npos) << e.what();
    }
}

TEST(DecoderProcess, EveryFormatDecodesInTheHelperAsInThisProcess) {
    const std::string helper = decodeHelperPath();
    ASSERT_FALSE(helper.empty());
    const cv::Mat rgb = smoothColours();
    cv::Mat grey, wide;
    cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    rgb.convertTo(wide, CV_16UC3, 257.0);
    const std::vector<std::pair<std::vector<std::uint8_t>, ImageFormat>> files = {
        {encodeRgb(".jpg", rgb), ImageFormat::Jpeg},      {encodeRgb(".png", wide), ImageFormat::Png},
        {encodeRgb(".tiff", grey), ImageFormat::Tiff},    {encodeRgb(".webp", rgb), ImageFormat::WebP},
        {encodeRgb(".bmp", rgb), ImageFormat::Bmp},
    };
    for (const auto& [bytes, format] : files) {
        const DecodedPicture inside = decodeInProcess(bytes, "p", format, 250'000'000);
        const DecodedPicture outside = decodeInHelper(helper, {}, bytes, "p", format, 250'000'000);
        ASSERT_EQ(outside.rgb.size(), cv::Size(104, 72)) << imageFormatName(format);
        EXPECT_EQ(outside.declared, cv::Size(104, 72));
        ASSERT_EQ(outside.rgb.type(), CV_8UC3);
        EXPECT_EQ(cv::norm(outside.rgb, inside.rgb, cv::NORM_INF), 0.0) << imageFormatName(format) << ": the same pixels";
    }
    // The 16-bit PNG comes back as the 8-bit picture it was made from, the grey TIFF as grey RGB.
    EXPECT_EQ(cv::norm(decodeInHelper(helper, {}, files[1].first, "p", ImageFormat::Png, 250'000'000).rgb, rgb, cv::NORM_INF), 0.0);
    const cv::Mat tiff = decodeInHelper(helper, {}, files[2].first, "p", ImageFormat::Tiff, 250'000'000).rgb;
    cv::Mat channels[3];
    cv::split(tiff, channels);
    EXPECT_EQ(cv::norm(channels[0], grey, cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(channels[2], grey, cv::NORM_INF), 0.0);

    // The EXIF orientation is applied, unless the caller asks for the stored pixels (EXIF thumbnails).
    const std::vector<std::uint8_t> turned = withExiv2(files[0].first, [](Exiv2::Image& image) {
        image.exifData()["Exif.Image.Orientation"] = uint16_t(6);  // rotate 90 degrees clockwise to show
    });
    EXPECT_EQ(decodeInHelper(helper, {}, turned, "p", ImageFormat::Jpeg, 250'000'000).rgb.size(), cv::Size(72, 104));
    EXPECT_EQ(decodeInHelper(helper, {}, turned, "p", ImageFormat::Jpeg, 250'000'000, ExifOrientation::Ignore).rgb.size(), cv::Size(104, 72));

    // A damaged file gets the very sentence the in-process decoder gives, with what the library printed
    // (into the helper's own memory file, not onto the workstation's standard error); a size above the
    // limit is refused.
    std::vector<std::uint8_t> damaged = files[1].first;
    std::fill(damaged.begin() + 40, damaged.end(), std::uint8_t(0));
    std::string insideError, outsideError;
    try {
        (void)decodeInProcess(damaged, "damaged.png", ImageFormat::Png, 250'000'000);
    } catch (const EngineError& e) {
        insideError = e.what();
    }
    try {
        (void)decodeInHelper(helper, {}, damaged, "damaged.png", ImageFormat::Png, 250'000'000);
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        outsideError = e.what();
    }
    EXPECT_NE(insideError.find("damaged.png: the PNG data could not be decoded"), std::string::npos) << insideError;
    EXPECT_EQ(outsideError.substr(0, insideError.size()), insideError);
    EXPECT_EQ(outsideError.substr(insideError.size()), "; the decoder printed: \"libpng error: IDA[00]: invalid chunk type\"");
    try {
        (void)decodeInHelper(helper, {}, files[0].first, "big.jpg", ImageFormat::Jpeg, 104 * 72 - 1);
        ADD_FAILURE() << "decoded above the pixel limit";
    } catch (const EngineError& e) {
        EXPECT_NE(std::string(e.what()).find("big.jpg: 0.0 MP is above the limit"), std::string::npos) << e.what();
    }
}

TEST(DecoderProcess, WhatADecoderPrintsIsToldAsPrintableText) {
    EXPECT_EQ(printableDiagnostics("", 0), "");
    const std::string libpng = "libpng error: PNG input buffer is incomplete\nlibpng error: PNG input buffer is incomplete\n";
    EXPECT_EQ(printableDiagnostics(libpng.data(), libpng.size()), "libpng error: PNG input buffer is incomplete");
    // A terminal's escape sequences (here: set the window title, then clear the screen) lose their control bytes.
    const std::string hostile = "warning: \x1b]0;owned\x07tag\n\x1b[2J\x1b[Hsecond\r\n\n";
    EXPECT_EQ(printableDiagnostics(hostile.data(), hostile.size()), "warning: ]0;ownedtag; [2J[Hsecond");
    const std::string endless(5000, 'x');
    EXPECT_EQ(printableDiagnostics(endless.data(), endless.size()).size(), 600u);
}

TEST(DecoderProcess, AnEmbeddedThumbnailIsDecodedInTheHelperToo) {
    const std::vector<std::uint8_t> thumbnail = encodeRgb(".jpg", cv::Mat(12, 16, CV_8UC3, cv::Scalar(90, 140, 30)));
    EXPECT_EQ(thumbnailPicture(thumbnail, 1).size(), cv::Size(16, 12));
    QTemporaryDir dir;
    const ScopedEnv env("SYNTHSCOPE_DECODE_HELPER", standIn(dir, "crashing", "kill -SEGV $$"));
    EXPECT_TRUE(thumbnailPicture(thumbnail, 1).empty()) << "its decoder crashed: no thumbnail, and this process goes on";
}

namespace {

// The fork server this process started (helper_launcher.h): its child whose command line is
// "synthscope-decode serve". 0: none is running.
pid_t forkServerPid() {
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string statText((std::istreambuf_iterator<char>(stat)), {});
        const std::size_t close = statText.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(statText.substr(close + 2));
        char state = 0;
        pid_t parent = 0;
        rest >> state >> parent;
        if (parent != ::getpid()) continue;
        std::ifstream cmdline(entry.path() / "cmdline");
        const std::string command((std::istreambuf_iterator<char>(cmdline)), {});
        if (command.find("synthscope-decode") != std::string::npos && command.find(std::string("\0serve", 6)) != std::string::npos)
            return pid_t(std::stoi(name));
    }
    return 0;
}

}  // namespace

TEST(DecoderProcess, TheForkServerServesManyFilesAndRecovers) {
    const std::string helper = decodeHelperPath();
    ASSERT_FALSE(helper.empty());
    const std::vector<std::uint8_t> jpeg = encodeRgb(".jpg", smoothColours());
    const cv::Mat expected = decodeInProcess(jpeg, "p", ImageFormat::Jpeg, 250'000'000).rgb;
    // From several threads at once, as a batch's workers load files.
    std::atomic<int> right{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t)
        workers.emplace_back([&] {
            for (int i = 0; i < 5; ++i)
                if (cv::norm(decodeInHelper(helper, {}, jpeg, "p", ImageFormat::Jpeg, 250'000'000).rgb, expected, cv::NORM_INF) == 0) ++right;
        });
    for (std::thread& w : workers) w.join();
    EXPECT_EQ(right.load(), 20);
#ifndef __SANITIZE_ADDRESS__  // sanitizer builds start a process per run (helper_launcher.h)
    const pid_t server = forkServerPid();
    ASSERT_GT(server, 0) << "the runs were forked by one server";

    // A run cancelled before it could end is stopped, and the server goes on serving.
    cv::Mat large(4000, 4000, CV_8UC3);
    cv::randu(large, 0, 255);
    const std::vector<std::uint8_t> largeJpeg = encodeRgb(".jpg", large);
    std::atomic<bool> cancel{true};
    DecodeHelperLimits limits;
    limits.cancel = &cancel;
    try {
        (void)decodeInHelper(helper, limits, largeJpeg, "large.jpg", ImageFormat::Jpeg, 250'000'000);
        ADD_FAILURE() << "a 16-megapixel JPEG decoded within the first 20 ms, or the cancel was not seen";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled) << e.what();
    }
    EXPECT_EQ(cv::norm(decodeInHelper(helper, {}, jpeg, "p", ImageFormat::Jpeg, 250'000'000).rgb, expected, cv::NORM_INF), 0.0);
    EXPECT_EQ(forkServerPid(), server);

    // A server that died (killed here) is started again for the next file, which is decoded as usual.
    ASSERT_EQ(::kill(server, SIGKILL), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(cv::norm(decodeInHelper(helper, {}, jpeg, "p", ImageFormat::Jpeg, 250'000'000).rgb, expected, cv::NORM_INF), 0.0);
    const pid_t again = forkServerPid();
    EXPECT_GT(again, 0);
    EXPECT_NE(again, server);
#endif
}

TEST(DecoderProcess, ADecodingProcessCanOpenNoFileStartNoProgramAndReachNoSocket) {
    // What the helper's decoding processes do before reading the file (decode_sandbox.h), done in a child
    // of this test; each check sets a bit of the exit code when it fails.
    int pipeFds[2];
    ASSERT_EQ(::pipe(pipeFds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int failed = 0;
        if (!confineToDecoding().empty()) ::_exit(100);
        if (::open("/etc/hostname", O_RDONLY) != -1 || errno != EPERM) failed |= 1;
        if (::openat(AT_FDCWD, "/tmp/synthscope-confined", O_WRONLY | O_CREAT, 0600) != -1 || errno != EPERM) failed |= 2;
        if (::socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != EPERM) failed |= 4;
        const pid_t grandchild = ::fork();
        if (grandchild == 0) ::_exit(0);
        if (grandchild != -1 || errno != EPERM) failed |= 8;
        char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
        if (::execv("/bin/true", argv) != -1 || errno != EPERM) failed |= 16;
        if (::kill(::getppid(), 0) != -1 || errno != EPERM) failed |= 32;
        // What decoding needs still works: memory, threads, the descriptors it was given, signals to itself.
        std::vector<std::uint8_t> memory(std::size_t(64) << 20, 1);
        int fromThread = 0;
        std::thread([&] {
            ::prctl(PR_SET_NAME, "decoder-worker");  // dav1d and libde265 name their threads
            fromThread = int(memory[12345]) + 1;
        }).join();
        if (fromThread != 2) failed |= 64;
        if (::write(pipeFds[1], "ok", 2) != 2 || ::kill(::getpid(), 0) != 0) failed |= 128;
        // An allow list: calls it does not name fail, also those no deny list would have thought of.
        if (::ioctl(pipeFds[1], FIONREAD, &fromThread) != -1 || errno != EPERM) failed |= 256;
        if (::dup(pipeFds[1]) != -1 || errno != EPERM) failed |= 512;
        // Nothing is made executable: data an attacked decoder wrote cannot be run as code.
        void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED) failed |= 1024;
        else if (::mprotect(page, 4096, PROT_READ | PROT_EXEC) != -1 || errno != EPERM) failed |= 2048;
        if (::mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED || errno != EPERM) failed |= 4096;
        // prctl() names threads and does nothing else (here: making itself traceable again).
        if (::prctl(PR_SET_DUMPABLE, 1) != -1 || errno != EPERM) failed |= 8192;
        // More bits than an exit status holds: the answer goes through the pipe it was given.
        ::_exit(::write(pipeFds[1], &failed, sizeof failed) == sizeof failed ? 0 : 99);
    }
    ::close(pipeFds[1]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "the confined child was killed by signal " << WTERMSIG(status);
    EXPECT_NE(WEXITSTATUS(status), 100) << "seccomp could not be set up";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the child could not write its answer";
    char said[3] = {};
    EXPECT_EQ(::read(pipeFds[0], said, 2), 2);
    EXPECT_STREQ(said, "ok");
    int failed = -1;
    EXPECT_EQ(::read(pipeFds[0], &failed, sizeof failed), ssize_t(sizeof failed));
    EXPECT_EQ(failed, 0) << "checks that failed (bits: open, openat, socket, fork, exec, kill, memory+thread, write, ioctl, dup, "
                            "mmap, mprotect exec, mmap exec, prctl)";
    ::close(pipeFds[0]);
    EXPECT_EQ(::access("/tmp/synthscope-confined", F_OK), -1) << "the confined child made a file";
}

TEST(DecoderProcess, AnAnswerCannotBeCutShortWhileItIsRead) {
    // A helper that leaves a process behind holding its answer file, which tries to cut the file short
    // after the engine has taken the answer: the engine seals the file against shrinking before it maps
    // it (reading a mapping past a file's end would kill the reader). `true`, not `:`: a redirection that
    // fails on a special built-in ends the shell.
    QTemporaryDir dir;
    const std::string result = dir.filePath("result").toStdString();
    const std::string helper = standIn(dir, "lingering",
                                       "printf 'SSDECO3\\n\\000\\000\\000\\000\\002\\000\\000\\000\\002\\000\\000\\000\\000\\000\\000\\000abcdefghijkl'\n"
                                       "( exec 3>&1; sleep 0.3; if true > /proc/self/fd/3 2>/dev/null; then echo truncated; else echo refused; fi > '" +
                                           result + "' ) &\n");
    const DecodedPicture picture = decodeInHelper(helper, {}, encodeRgb(".png", smoothColours()), "p.png", ImageFormat::Png, 250'000'000);
    ASSERT_EQ(picture.rgb.size(), cv::Size(2, 2));
    EXPECT_EQ(picture.rgb.at<cv::Vec3b>(1, 1), cv::Vec3b('j', 'k', 'l'));
    std::string said;
    for (int i = 0; i < 100 && said.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::ifstream in(result);
        std::getline(in, said);
    }
    EXPECT_EQ(said, "refused");
}

TEST(DecoderProcess, AnswersAreReadOnlyAsFarAsTheyGo) {
    // The fuzz harness's seeds (tests/fuzz/make_corpus.py) are answers the engine reads; cut short, none is.
    const std::string corpus = std::string(SYNTHSCOPE_FUZZ_REGRESSIONS_DIR) + "/../corpus/helper_answer/";
    auto answer = [&](const char* name) {
        const std::vector<std::uint8_t> bytes = readFileBytes(corpus + name);
        return std::vector<std::uint8_t>(bytes.begin() + 1, bytes.end());  // the harness's choice byte off
    };
    const std::vector<std::uint8_t> pixels = answer("pixels_3x2");
    const std::optional<DecodedPicture> picture = readDecodeAnswer(pixels.data(), pixels.size(), 250'000'000);
    ASSERT_TRUE(picture.has_value());
    EXPECT_EQ(picture->rgb.size(), cv::Size(3, 2));
    const std::optional<DecodedPicture> above = readDecodeAnswer(pixels.data(), pixels.size(), 5);
    EXPECT_FALSE(above.has_value()) << "pixels sent for a picture above the caller's limit are not taken";
    const std::vector<std::uint8_t> large = answer("above_limit");
    const std::optional<DecodedPicture> declared = readDecodeAnswer(large.data(), large.size(), 1'000'000);
    ASSERT_TRUE(declared.has_value());
    EXPECT_EQ(declared->declared, cv::Size(4000, 3000));
    EXPECT_TRUE(declared->rgb.empty());
    const std::vector<std::uint8_t> refused = answer("refused");
    EXPECT_THROW((void)readDecodeAnswer(refused.data(), refused.size(), 250'000'000), EngineError);
    const std::vector<std::uint8_t> metadata = answer("metadata");
    const std::optional<Exiv2Reading> reading = readMetadataAnswer(metadata.data(), metadata.size());
    ASSERT_TRUE(reading.has_value());
    ASSERT_EQ(reading->exif.size(), 2u);
    EXPECT_EQ(reading->exif[0].value, "Canon");
    EXPECT_TRUE(reading->hasThumbnail);
    EXPECT_EQ(reading->facts.size(), 1u);
    for (std::size_t cut = 0; cut < pixels.size(); ++cut) EXPECT_FALSE(readDecodeAnswer(pixels.data(), cut, 250'000'000).has_value()) << cut;
    for (std::size_t cut = 0; cut < metadata.size(); ++cut) EXPECT_FALSE(readMetadataAnswer(metadata.data(), cut).has_value()) << cut;
    EXPECT_FALSE(readDecodeAnswer(metadata.data(), metadata.size(), 250'000'000).has_value()) << "a metadata answer is not a picture";
}

namespace {

// How many of this process's mappings are helper answers (/proc/self/maps names them after their memory file).
int mappedAnswers() {
    std::ifstream maps("/proc/self/maps");
    int n = 0;
    for (std::string line; std::getline(maps, line);) n += line.find("memfd:synthscope-decode-out") != std::string::npos;
    return n;
}

}  // namespace

TEST(DecoderProcess, ThePixelsAreTheAnswerItselfAndGoWithTheLastCopy) {
    // The decoded picture is the helper's answer mapped in place (no copy of a 100 MP picture): it can be
    // written to like any picture, and its mapping goes when the last cv::Mat that shares it does.
    const std::string helper = decodeHelperPath();
    ASSERT_FALSE(helper.empty());
    const std::vector<std::uint8_t> png = encodeRgb(".png", smoothColours());
    const int before = mappedAnswers();
    {
        DecodedPicture picture = decodeInHelper(helper, {}, png, "p.png", ImageFormat::Png, 250'000'000);
        ASSERT_EQ(picture.rgb.size(), cv::Size(104, 72));
        EXPECT_EQ(cv::norm(picture.rgb, smoothColours(), cv::NORM_INF), 0.0);
        EXPECT_EQ(mappedAnswers(), before + 1);
        cv::Mat shared = picture.rgb;                  // shares the mapping
        const cv::Mat region = picture.rgb(cv::Rect(10, 10, 20, 20));
        picture.rgb.at<cv::Vec3b>(0, 0) = cv::Vec3b(1, 2, 3);  // written privately: the file is not touched
        EXPECT_EQ(shared.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
        picture.rgb.release();
        shared.release();
        EXPECT_EQ(mappedAnswers(), before + 1) << "the region still holds it";
        EXPECT_EQ(region.at<cv::Vec3b>(0, 0), smoothColours().at<cv::Vec3b>(10, 10));
    }
    EXPECT_EQ(mappedAnswers(), before) << "unmapped with its last copy";
    for (int i = 0; i < 5; ++i) (void)decodeImage(png, "again.png");
    EXPECT_EQ(mappedAnswers(), before) << "loaded images that are gone leave nothing mapped";
}
