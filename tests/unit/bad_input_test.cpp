// Issue 7: bad input end to end. `synthscope analyze` over a folder that mixes good images with every
// kind of bad file the issue lists: each good one gets a result, each bad one a clear message naming it,
// the batch goes on, and the exit code says "bad input". Broken or mismatched TorchScript files behind a
// manifest are refused with a message, the sha256 before anything is loaded. (The loader's own unit
// tests are in image_loader_test.cpp, the model checks in detector_test.cpp; the fuzz harnesses replay in
// fuzz_regressions_*.)
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include <zlib.h>

#include "engine/errors.h"
#include "engine/image_loader.h"
#include "engine/metadata.h"
#include "engine/png_text.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

QJsonObject readJson(const QString& path) {
    QFile f(path);
    EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
    return QJsonDocument::fromJson(f.readAll()).object();
}

cv::Mat bright(int w, int h) { return cv::Mat(h, w, CV_8UC3, cv::Scalar(240, 235, 230)); }

const QString kModel = QString::fromStdString(testData("brightness_detector.json"));

// A copy of the brightness fixture's manifest whose weights are `weights`, with the given sha256.
QString manifestFor(const QTemporaryDir& dir, const QString& weights, const QJsonValue& sha256) {
    QFile in(kModel);
    EXPECT_TRUE(in.open(QIODevice::ReadOnly));
    QJsonObject o = QJsonDocument::fromJson(in.readAll()).object();
    o["weights"] = weights;
    o["sha256"] = sha256;
    const QString path = dir.path() + "/" + QFileInfo(weights).completeBaseName() + ".json";
    QFile out(path);
    EXPECT_TRUE(out.open(QIODevice::WriteOnly));
    out.write(QJsonDocument(o).toJson());
    return path;
}

}  // namespace

TEST(BadInput, AnalyzeGoesOnPastEveryKindOfBadFile) {
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString() + "/mixed";
    std::filesystem::create_directories(root + "/nested");
    // Good: a PNG, a PNG named .jpg (extensions are ignored), a TIFF in a subfolder, a non-UTF-8 name.
    writeRgb(root + "/good.png", bright(40, 30));
    writeBytes(root + "/really_a_png.jpg", encodeRgb(".png", bright(33, 20)));
    writeRgb(root + "/nested/good.tif", bright(20, 20));
    writeBytes(root + "/caf\xe9.png", encodeRgb(".png", bright(16, 16)));  // Latin-1 byte: not UTF-8
    // Bad: each with the word its message must contain.
    const std::vector<std::uint8_t> jpeg = encodeRgb(".jpg", bright(64, 64));
    std::vector<std::uint8_t> png = encodeRgb(".png", bright(64, 64));
    writeBytes(root + "/empty.png", {});
    writeBytes(root + "/truncated.jpg", std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + long(jpeg.size() / 2)));
    for (std::size_t i = 60; i < png.size() - 20; ++i) png[i] ^= 0x5A;  // header intact, compressed data garbage
    writeBytes(root + "/corrupt.png", png);
    // A decompression bomb: the header claims 100000 x 100000 pixels (30 GB decoded).
    writeBytes(root + "/bomb.png", {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                    0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0, 0, 0, 0, 0});
    const std::string text = "not an image, whatever the extension says\n";
    writeBytes(root + "/text.webp", std::vector<std::uint8_t>(text.begin(), text.end()));
    const std::vector<std::pair<QString, QString>> bad{{"empty.png", "empty"},       {"truncated.jpg", "truncated"},
                                                       {"corrupt.png", "could not be decoded"},
                                                       {"bomb.png", "above the limit"}, {"text.webp", "not an image"}};
    // A named FIFO and a missing file given on the command line: refused, not waited on.
    const std::string fifo = dir.path().toStdString() + "/pipe.png";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // An unreadable folder (only meaningful when not root: root reads every folder).
    const bool canLock = ::geteuid() != 0;
    if (canLock) {
        std::filesystem::create_directories(root + "/locked");
        writeRgb(root + "/locked/hidden.png", bright(8, 8));
        std::filesystem::permissions(root + "/locked", std::filesystem::perms::none);
    }

    const QString json = dir.path() + "/out.json";
    const CliRun run = runCli({"analyze", "--model", kModel, "--device", "cpu", "--verdict-only", QString::fromStdString(root),
                               QString::fromStdString(fifo), dir.path() + "/missing.png", "--json", json}, 120000);
    if (canLock) std::filesystem::permissions(root + "/locked", std::filesystem::perms::owner_all);
    ASSERT_TRUE(run.finished) << "the CLI hung on bad input";
    EXPECT_EQ(run.exitCode, 2) << "exit code 2: some inputs could not be analysed\n" << run.err.toStdString();
    for (const auto& [file, word] : bad) {
        const QStringList lines = run.err.split('\n').filter(file);
        ASSERT_EQ(lines.size(), 1) << file.toStdString() << " must get exactly one message:\n" << run.err.toStdString();
        EXPECT_TRUE(lines[0].contains(word)) << lines[0].toStdString();
    }
    EXPECT_TRUE(run.err.contains("pipe.png")) << run.err.toStdString();
    EXPECT_TRUE(run.err.contains("missing.png")) << run.err.toStdString();
    if (canLock) EXPECT_TRUE(run.err.contains("cannot read folder")) << run.err.toStdString();

    const QJsonObject out = readJson(json);
    const QJsonObject summary = out["summary"].toObject();
    EXPECT_EQ(summary["analysed"].toInt(), 4) << "every good image gets a result";
    EXPECT_EQ(summary["failed"].toInt(), int(bad.size()) + 2 + (canLock ? 1 : 0));
    const QJsonArray results = out["results"].toArray();
    ASSERT_EQ(results.size(), 4);
    for (const QJsonValue& r : results) {
        EXPECT_EQ(r["verdict"].toObject()["label"].toString(), "synthetic") << "the bright fixture images";
        EXPECT_EQ(r["image"].toObject()["sha256"].toString().size(), 64);
    }
    for (const QJsonValue& e : out["errors"].toArray()) {
        EXPECT_EQ(e["kind"].toString(), "bad_input") << e["message"].toString().toStdString();
        EXPECT_FALSE(e["message"].toString().isEmpty());
    }
}

TEST(BadInput, SpecialFilesAreRefusedWithoutReadingThem) {
    QTemporaryDir dir;
    const std::string fifo = dir.path().toStdString() + "/pipe.jpg";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Opening a FIFO for reading would wait for a writer for ever.
    for (const std::string& path : {fifo, std::string("/dev/zero"), dir.path().toStdString()}) {
        try {
            loadImage(path);
            ADD_FAILURE() << path << " was read";
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        }
    }
}

TEST(BadInput, BrokenOrMismatchedTorchScriptIsRefusedWithAMessage) {
    QTemporaryDir dir;
    const QString image = dir.path() + "/good.png";
    writeRgb(image.toStdString(), bright(40, 40));
    std::ifstream in(testData("brightness_detector.pt"), std::ios::binary);
    const std::vector<std::uint8_t> weights((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(weights.size(), 100u);

    struct Case {
        QString name;
        std::vector<std::uint8_t> bytes;
        QJsonValue sha256;
        QString expected;
    };
    const std::vector<Case> cases{
        // The weights' sha256 is checked before LibTorch sees the file: a mismatch is refused even when the
        // file is not a model at all (the message is the sha256's, not the loader's).
        {"not_a_model.pt", {'g', 'a', 'r', 'b', 'a', 'g', 'e'}, QString(64, 'a'), "does not match its manifest"},
        {"truncated_checked.pt", std::vector<std::uint8_t>(weights.begin(), weights.begin() + long(weights.size() / 2)),
         QString(64, 'b'), "does not match its manifest"},
        // Without a sha256 in the manifest, LibTorch's own failure is turned into a sentence.
        {"truncated.pt", std::vector<std::uint8_t>(weights.begin(), weights.begin() + long(weights.size() / 2)), QJsonValue(),
         "not a TorchScript model"},
        {"empty.pt", {}, QJsonValue(), "not a TorchScript model"},
    };
    for (const Case& c : cases) {
        const QString pt = dir.path() + "/" + c.name;
        writeBytes(pt.toStdString(), c.bytes);
        const CliRun run = runCli({"analyze", "--model", manifestFor(dir, pt, c.sha256), "--device", "cpu", image}, 120000);
        ASSERT_TRUE(run.finished) << c.name.toStdString();
        EXPECT_EQ(run.exitCode, 3) << c.name.toStdString() << ": no usable model\n" << run.err.toStdString();
        EXPECT_TRUE(run.err.contains(c.expected)) << c.name.toStdString() << ":\n" << run.err.toStdString();
        EXPECT_FALSE(run.out.contains("SYNTHETIC") || run.out.contains("AUTHENTIC")) << "no verdict from a refused model";
    }
}

TEST(BadInput, PngTextBombIsCappedInTotal) {
    // 40 zTXt chunks of about 1 KB each, each inflating to 1 MiB of zeros: 40 MiB of text from a 40 KB file.
    const std::string zeros(std::size_t(1) << 20, 'a');
    std::vector<std::uint8_t> compressed(compressBound(uLong(zeros.size())));
    uLongf n = uLongf(compressed.size());
    ASSERT_EQ(compress2(compressed.data(), &n, reinterpret_cast<const Bytef*>(zeros.data()), uLong(zeros.size()), 9), Z_OK);
    compressed.resize(n);
    auto chunk = [](const std::string& type, const std::vector<std::uint8_t>& body) {
        std::vector<std::uint8_t> c{std::uint8_t(body.size() >> 24), std::uint8_t(body.size() >> 16),
                                    std::uint8_t(body.size() >> 8), std::uint8_t(body.size())};
        c.insert(c.end(), type.begin(), type.end());
        c.insert(c.end(), body.begin(), body.end());
        c.insert(c.end(), 4, 0);  // CRC (not checked)
        return c;
    };
    std::vector<std::uint8_t> png = encodeRgb(".png", bright(4, 4));
    std::vector<std::uint8_t> ztxt{'k', 0, 0};
    ztxt.insert(ztxt.end(), compressed.begin(), compressed.end());
    for (int i = 0; i < 40; ++i) {
        const std::vector<std::uint8_t> c = chunk("zTXt", ztxt);
        png.insert(png.begin() + 33, c.begin(), c.end());  // after the signature and IHDR
    }
    const PngChunkScan scan = scanPngChunks(png.data(), png.size());
    std::size_t total = 0;
    for (const PngTextChunk& t : scan.text) total += t.text.size();
    EXPECT_LE(total, kMaxPngTextTotalBytes + kMaxPngTextBytes);
    EXPECT_GE(total, kMaxPngTextTotalBytes) << "text up to the cap is still read";
    ASSERT_FALSE(scan.problems.empty());
    EXPECT_NE(scan.problems.back().find("not read"), std::string::npos) << scan.problems.back();
    // The image itself is unaffected, and readMetadata reports the cap as a problem.
    EXPECT_EQ(decodeImage(png, "bomb.png").width(), 4);
    const MetadataReport report = readMetadata(png);
    bool reported = false;
    for (const Finding& f : report.problems) reported |= f.text.find("not read") != std::string::npos;
    EXPECT_TRUE(reported);
}
