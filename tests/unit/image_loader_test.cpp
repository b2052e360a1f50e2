#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

#include <utime.h>

#include <QTemporaryDir>

#include <filesystem>

#include <opencv2/imgcodecs.hpp>

#include "engine/errors.h"
#include "engine/file_collector.h"
#include "engine/file_facts.h"
#include "engine/heif_decoder.h"
#include "engine/heif_grid.h"
#include "engine/image_loader.h"
#include "engine/sha256.h"
#include "tests/unit/test_support.h"


using namespace synthscope;
using namespace synthscope::test;

namespace {

// A small RGB image whose pixels differ per channel, so a channel swap or a flip shows.
cv::Mat pattern(int w, int h) {
    cv::Mat rgb(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(200), uchar((x * 7) % 256), uchar((y * 11) % 256));
    return rgb;
}

std::string expectBadInput(const std::vector<std::uint8_t>& bytes, const LoadOptions& options = {}) {
    try {
        decodeImage(bytes, "input", options);
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        return e.what();
    }
    ADD_FAILURE() << "no error";
    return {};
}

// Inserts an EXIF APP1 segment with the given orientation right after a JPEG's SOI marker.
std::vector<std::uint8_t> withExifOrientation(std::vector<std::uint8_t> jpeg, std::uint8_t orientation) {
    const std::vector<std::uint8_t> tiff{'I', 'I', 0x2A, 0, 8, 0, 0, 0,       // little-endian header, IFD at 8
                                         1, 0,                                // one entry
                                         0x12, 0x01, 3, 0, 1, 0, 0, 0,        // tag 0x0112 SHORT count 1
                                         orientation, 0, 0, 0, 0, 0, 0, 0};   // value, next IFD = 0
    std::vector<std::uint8_t> app1{0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
    app1.insert(app1.end(), tiff.begin(), tiff.end());
    const std::size_t len = app1.size() - 2;
    app1[2] = std::uint8_t(len >> 8);
    app1[3] = std::uint8_t(len & 0xFF);
    jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
    return jpeg;
}


}  // namespace

TEST(ImageLoader, ReadsHeicAndAvifPhotos) {
    // Phones save HEIC; the web serves AVIF. OpenCV reads neither: libheif does (heif_decoder.h).
    EXPECT_TRUE(hasImageExtension("IMG_0001.HEIC") && hasImageExtension("a.heif") && hasImageExtension("b.avif"))
        << "folders and drops pick them up";
    if (!heifDecodingAvailable()) {
        const std::string error = expectBadInput({0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'});
        EXPECT_NE(error.find("install libheif-dev"), std::string::npos) << error;
        GTEST_SKIP() << "built without libheif";
    }
    const cv::Mat rgb = [] {  // smooth colours: lossy codecs keep them close
        cv::Mat m(96, 128, CV_8UC3);
        for (int y = 0; y < m.rows; ++y)
            for (int x = 0; x < m.cols; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(40 + x), uchar(200 - y), uchar(90));
        return m;
    }();
    for (const auto& [avif, expected] : {std::pair{false, ImageFormat::Heif}, std::pair{true, ImageFormat::Avif}}) {
        const std::vector<std::uint8_t> bytes = encodeHeif(rgb, avif);
        ASSERT_GT(bytes.size(), 100u);
        const LoadedImage img = decodeImage(bytes, "photo");
        EXPECT_EQ(img.header.format, expected) << imageFormatName(expected);
        ASSERT_EQ(img.width(), 128) << imageFormatName(expected);
        ASSERT_EQ(img.height(), 96);
        EXPECT_EQ(img.rgb.type(), CV_8UC3);
        // In RGB order and close to the original: the mean error is small for a lossy codec at quality 95.
        EXPECT_LT(cv::norm(img.rgb, rgb, cv::NORM_L1) / double(rgb.total() * 3), 3.0) << imageFormatName(expected);
        EXPECT_EQ(img.sha256, sha256Hex(bytes));

        // The size is refused before decoding, from the container's own numbers.
        LoadOptions small;
        small.maxPixels = 128 * 96 - 1;
        EXPECT_NE(expectBadInput(bytes, small).find("above the limit"), std::string::npos);
        // Cut short: a sentence, not a crash.
        const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 2));
        const std::string error = expectBadInput(cut);
        EXPECT_NE(error.find(std::string("the ") + imageFormatName(expected) + " data could not be decoded"), std::string::npos) << error;
    }
}

// A forged HEIF grid kept as a fuzz regression: the grid heifPrimaryGrid reads from it, after checking
// that the loader refuses the file with a message containing `why`.
std::optional<HeifGrid> forgedGrid(const std::string& regression, const std::string& why) {
    const std::vector<std::uint8_t> bytes = readFileBytes(SYNTHSCOPE_FUZZ_REGRESSIONS_DIR "/image_decode/" + regression);
    if (heifDecodingAvailable()) {
        const std::string error = expectBadInput(bytes);
        EXPECT_NE(error.find(why), std::string::npos) << regression << ": " << error;
    }
    return heifPrimaryGrid(bytes.data(), bytes.size());
}

TEST(ImageLoader, RefusesForgedHeifGrids) {
    // Found by fuzzing: 541 bytes whose tile grid declares 26228x31088 pixels behind an image size of
    // 24x16. libheif 1.15 allocated 2.4 GB for the grid and then crashed the process.
    const std::optional<HeifGrid> grid = forgedGrid("heif-grid-larger-than-its-image", "tile grid declares 26228x31088 pixels but its image 24x16");
    ASSERT_TRUE(grid.has_value());
    EXPECT_EQ(grid->width, 26228u);
    EXPECT_EQ(grid->height, 31088u);
    // The same grid made as large as its image reaches libheif, which answers with an error of its own
    // (the tile is not a real HEVC picture) rather than a crash.
    const std::vector<std::uint8_t> bytes = readFileBytes(SYNTHSCOPE_FUZZ_REGRESSIONS_DIR "/image_decode/heif-grid-larger-than-its-image");
    std::vector<std::uint8_t> honest = bytes;
    const std::uint8_t declared[] = {0x66, 0x74, 0x79, 0x70};  // 26228, 31088 in the idat descriptor
    const auto at = std::search(honest.begin() + 87, honest.end(), std::begin(declared), std::end(declared));
    ASSERT_NE(at, honest.end());
    at[0] = 0, at[1] = 24, at[2] = 0, at[3] = 16;
    const std::optional<HeifGrid> fixed = heifPrimaryGrid(honest.data(), honest.size());
    ASSERT_TRUE(fixed.has_value());
    EXPECT_EQ(fixed->width, 24u);
    if (heifDecodingAvailable()) {
        try {
            (void)decodeImage(honest, "grid");
        } catch (const EngineError& e) {
            EXPECT_EQ(std::string(e.what()).find("tile grid declares"), std::string::npos) << e.what();
        }
    }
    // Found next: a grid that names itself as its tile (libheif recursed for 14 s and 2.5 GB).
    const std::optional<HeifGrid> selfTiled = forgedGrid("heif-grid-that-is-its-own-tile", "names itself or another derived image as a tile");
    ASSERT_TRUE(selfTiled.has_value());
    EXPECT_TRUE(selfTiled->derivedTile);
    EXPECT_FALSE(grid->derivedTile);
    // And one whose tile reference box claims more bytes than its parent holds (libheif read it anyway).
    const std::optional<HeifGrid> unreadable = forgedGrid("heif-grid-reference-box-too-long", "references to its tiles cannot be read");
    ASSERT_TRUE(unreadable.has_value());
    EXPECT_FALSE(unreadable->readable);
    EXPECT_TRUE(selfTiled->readable);
    // And one whose grid description is cut short (32-bit sizes in 8 bytes); libheif decoded it to
    // 3843x8192 pixels behind a declared 24x16.
    const std::optional<HeifGrid> cut = forgedGrid("heif-decodes-larger-than-declared", "cannot be read");
    ASSERT_TRUE(cut.has_value());
    EXPECT_FALSE(cut->readable);
    // libheif 1.15's own HEIC is a one-tile grid as large as its image (so every HEIC test above passes
    // this check); bytes that are no HEIF have no grid.
    if (heifDecodingAvailable()) {
        const std::vector<std::uint8_t> plain = encodeHeif(cv::Mat(32, 48, CV_8UC3, cv::Scalar(10, 90, 200)), false);
        const std::optional<HeifGrid> own = heifPrimaryGrid(plain.data(), plain.size());
        ASSERT_TRUE(own.has_value());
        EXPECT_FALSE(own->derivedTile);
        EXPECT_TRUE(own->readable);
        EXPECT_EQ(own->width, 48u);
        EXPECT_EQ(own->height, 32u);
    }
    EXPECT_FALSE(heifPrimaryGrid(bytes.data(), 40).has_value());
    EXPECT_FALSE(heifPrimaryGrid(nullptr, 0).has_value());
}

TEST(ImageLoader, ReadsTenBitHeicAsEightBit) {
    // HDR phones and cameras save 10-bit HEIC; the analyses work on 8-bit RGB, which libheif converts to.
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    cv::Mat rgb8(64, 96, CV_8UC3);
    for (int y = 0; y < rgb8.rows; ++y)
        for (int x = 0; x < rgb8.cols; ++x) rgb8.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(60 + 2 * x), uchar(220 - 2 * y), uchar(25));
    cv::Mat rgb10;
    rgb8.convertTo(rgb10, CV_16UC3, 1023.0 / 255.0);
    const std::vector<std::uint8_t> bytes = encodeHeif(rgb10, false);
    ASSERT_GT(bytes.size(), 100u);
    const LoadedImage img = decodeImage(bytes, "hdr");
    EXPECT_EQ(img.header.format, ImageFormat::Heif);
    ASSERT_EQ(img.rgb.type(), CV_8UC3);
    ASSERT_EQ(img.rgb.size(), rgb8.size());
    // Scaled to 0-255, not cut to the low 8 bits (which would wrap the bright red channel round).
    EXPECT_LT(cv::norm(img.rgb, rgb8, cv::NORM_L1) / double(rgb8.total() * 3), 3.0);
}

TEST(ImageLoader, LosslessFormatsRoundTripInRgbOrder) {
    const cv::Mat rgb = pattern(37, 23);
    for (const std::string ext : {".png", ".bmp", ".tiff", ".webp"}) {
        std::vector<int> params;
        if (ext == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, 101};  // > 100: lossless
        const LoadedImage img = decodeImage(encodeRgb(ext, rgb, params), "x" + ext);
        EXPECT_EQ(img.width(), 37) << ext;
        EXPECT_EQ(img.height(), 23) << ext;
        EXPECT_EQ(img.header.width, 37) << ext << ": header sniffed before decoding";
        EXPECT_EQ(img.header.height, 23) << ext;
        EXPECT_EQ(cv::norm(img.rgb, rgb, cv::NORM_INF), 0.0) << ext;
    }
}

TEST(ImageLoader, JpegIsDecodedCloseToTheOriginal) {
    const cv::Mat rgb(64, 48, CV_8UC3, cv::Scalar(10, 120, 230));
    const LoadedImage img = decodeImage(encodeRgb(".jpg", rgb, {cv::IMWRITE_JPEG_QUALITY, 95}), "x.jpg");
    EXPECT_EQ(img.header.format, ImageFormat::Jpeg);
    EXPECT_EQ(img.header.width, 48);
    EXPECT_EQ(img.header.height, 64);
    EXPECT_LT(cv::norm(img.rgb, rgb, cv::NORM_INF), 6.0);
}

TEST(ImageLoader, SixteenBitGreyAndAlphaBecomeEightBitRgb) {
    cv::Mat sixteen(10, 12, CV_16UC3, cv::Scalar(257 * 30, 257 * 60, 257 * 90));  // BGR for imencode
    std::vector<std::uint8_t> bytes;
    cv::imencode(".png", sixteen, bytes);
    LoadedImage img = decodeImage(bytes, "16.png");
    EXPECT_EQ(img.header.bitDepth, 16);
    EXPECT_EQ(img.rgb.type(), CV_8UC3);
    EXPECT_EQ(img.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(90, 60, 30));

    cv::Mat grey(8, 8, CV_8UC1, cv::Scalar(77));
    cv::imencode(".png", grey, bytes);
    img = decodeImage(bytes, "grey.png");
    EXPECT_EQ(img.header.channels, 1);
    EXPECT_EQ(img.rgb.at<cv::Vec3b>(3, 3), cv::Vec3b(77, 77, 77));

    cv::Mat bgra(8, 8, CV_8UC4, cv::Scalar(1, 2, 3, 0));  // fully transparent
    cv::imencode(".png", bgra, bytes);
    img = decodeImage(bytes, "alpha.png");
    EXPECT_TRUE(img.header.hasAlpha);
    EXPECT_EQ(img.rgb.channels(), 3);
    EXPECT_EQ(img.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(3, 2, 1)) << "alpha is dropped, colour kept";
}

TEST(ImageLoader, ExifOrientationIsApplied) {
    const cv::Mat rgb = pattern(40, 20);
    const auto jpeg = withExifOrientation(encodeRgb(".jpg", rgb, {cv::IMWRITE_JPEG_QUALITY, 100}), 6);  // rotate 90 cw
    const LoadedImage img = decodeImage(jpeg, "rotated.jpg");
    EXPECT_EQ(img.header.exifOrientation, 6);
    EXPECT_EQ(img.width(), 20);
    EXPECT_EQ(img.height(), 40);
    // Rotating 90 degrees clockwise puts the stored bottom-left pixel at the top-left.
    EXPECT_LT(cv::norm(cv::Vec3d(img.rgb.at<cv::Vec3b>(0, 0)) - cv::Vec3d(rgb.at<cv::Vec3b>(19, 0))), 12.0);
}

// The metadata panel's "File" group: what the file system and the header say, in words a record can keep.
TEST(FileFacts, NameFolderSizeHashFormatAndModificationTime) {
    QTemporaryDir dir;
    const std::string folder = dir.path().toStdString(), path = folder + "/evidence photo.jpg";
    writeBytes(path, withExifOrientation(encodeRgb(".jpg", pattern(400, 200), {cv::IMWRITE_JPEG_QUALITY, 95}), 6));
    const utimbuf times{1614834367, 1614834367};  // 2021-03-04 05:06:07 UTC
    ASSERT_EQ(utime(path.c_str(), &times), 0);
    const LoadedImage image = loadImage(folder + "/../" + std::filesystem::path(folder).filename().string() + "/evidence photo.jpg");
    std::map<std::string, std::string> facts;
    for (const MetadataEntry& e : fileFacts(image)) {
        EXPECT_EQ(e.group, "File");
        facts[e.key] = e.value;
    }
    EXPECT_EQ(facts["File"], "evidence photo.jpg");
    EXPECT_EQ(facts["Folder"], folder) << "absolute, without \"..\"";
    const std::size_t size = image.bytes.size();
    ASSERT_TRUE(size > 1024 && size < 1000000) << size;
    char expected[64];
    std::snprintf(expected, sizeof expected, "%zu,%03zu bytes (%.1f KiB)", size / 1000, size % 1000, size / 1024.0);
    EXPECT_EQ(facts["Size"], expected);
    EXPECT_EQ(facts["SHA-256"], sha256OfFile(path));
    EXPECT_EQ(facts["Format"], "JPEG, 400 x 200 px, 8-bit, 3 channels") << "the stored size, as the header says";
    EXPECT_EQ(facts["Orientation"], "EXIF orientation 6: shown and analysed turned upright, 200 x 400 px");
    EXPECT_EQ(facts["Modified"], "2021-03-04 05:06:07 UTC");

    // Decoded from memory: no file to stat, no modification time; an upright image has no orientation line.
    const LoadedImage inMemory = decodeImage(encodeRgb(".png", pattern(9, 9)), "pasted.png");
    std::map<std::string, std::string> memoryFacts;
    for (const MetadataEntry& e : fileFacts(inMemory)) memoryFacts[e.key] = e.value;
    EXPECT_EQ(memoryFacts.count("Modified"), 0u);
    EXPECT_EQ(memoryFacts.count("Orientation"), 0u);
    EXPECT_EQ(memoryFacts["Size"].find(" bytes"), memoryFacts["Size"].size() - 6) << "under 1 KiB: bytes only, " << memoryFacts["Size"];
}

TEST(ImageLoader, KeepsOriginalBytesAndHashesThem) {
    EXPECT_EQ(sha256Hex({'a', 'b', 'c'}), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/p.png";
    writeRgb(path, pattern(9, 9));
    const LoadedImage img = loadImage(path);
    EXPECT_EQ(img.bytes, readFileBytes(path));
    EXPECT_EQ(img.sha256, sha256OfFile(path));
}

TEST(ImageLoader, WrongExtensionIsIgnored) {
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/really_a_png.jpg";
    writeRgb(dir.path().toStdString() + "/tmp.png", pattern(5, 6));
    std::filesystem::rename(dir.path().toStdString() + "/tmp.png", path);
    const LoadedImage img = loadImage(path);
    EXPECT_EQ(img.header.format, ImageFormat::Png);
    EXPECT_EQ(img.width(), 5);
}

TEST(ImageLoader, HugeDimensionsAreRefusedBeforeDecoding) {
    // A PNG header that claims 100000 x 100000 pixels and nothing else: must fail on the header.
    std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                  0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0, 0, 0, 0, 0};
    const std::string message = expectBadInput(png);
    EXPECT_NE(message.find("100000x100000"), std::string::npos) << message;
    EXPECT_NE(message.find("limit"), std::string::npos) << message;

    // A 64x64 JPEG whose frame header was changed to claim 60000 x 4000 (under the pixel limit): the
    // decoder would allocate the whole frame; a few kilobytes cannot hold it.
    std::vector<std::uint8_t> jpeg = encodeRgb(".jpg", pattern(64, 64));
    const std::uint8_t sofMarker[] = {0xFF, 0xC0};
    const auto sof = std::search(jpeg.begin(), jpeg.end(), std::begin(sofMarker), std::end(sofMarker));
    ASSERT_NE(sof, jpeg.end());
    const std::uint8_t dims[] = {4000 >> 8, 4000 & 0xFF, 60000 >> 8, 60000 & 0xFF};  // height, width
    std::copy(std::begin(dims), std::end(dims), sof + 5);
    const std::string forged = expectBadInput(jpeg);
    EXPECT_NE(forged.find("cut short or forged"), std::string::npos) << forged;

    LoadOptions small;
    small.maxPixels = 100;
    EXPECT_NE(expectBadInput(encodeRgb(".png", pattern(20, 20)), small).find("limit"), std::string::npos);
}

TEST(ImageLoader, BrokenInputsGiveClearErrors) {
    EXPECT_NE(expectBadInput({}).find("empty"), std::string::npos);
    const std::string text = "this is not an image";
    EXPECT_NE(expectBadInput(std::vector<std::uint8_t>(text.begin(), text.end())).find("not an image"), std::string::npos);

    std::vector<std::uint8_t> jpeg = encodeRgb(".jpg", pattern(64, 64));
    jpeg.resize(jpeg.size() / 2);
    EXPECT_NE(expectBadInput(jpeg).find("truncated"), std::string::npos);

    std::vector<std::uint8_t> png = encodeRgb(".png", pattern(64, 64));
    png.resize(png.size() / 2);
    EXPECT_NE(expectBadInput(png).find("could not be decoded"), std::string::npos);

    try {
        loadImage("/nonexistent/file.png");
        ADD_FAILURE();
    } catch (const EngineError& e) {
        EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos);
    }
}

TEST(ImageLoader, NonUtf8FileNamesWork) {
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/caf\xe9.png";  // Latin-1 byte, invalid UTF-8
    writeBytes(path, encodeRgb(".png", pattern(4, 4)));
    EXPECT_EQ(loadImage(path).width(), 4);
}

TEST(ImageLoader, ReadsTheSharedCorpusFormats) {
    if (!sharedDataPresent()) GTEST_SKIP() << "../shared/data not present";
    // BSDS JPEG, classic TIFF/BMP, DIF real "PNG" files that are really JPEGs.
    for (const std::string rel : {"real/bsds", "real/classic"}) {
        int n = 0;
        for (const auto& entry : std::filesystem::directory_iterator(sharedData(rel))) {
            const LoadedImage img = loadImage(entry.path().string());
            EXPECT_GT(img.width(), 0);
            if (++n == 8) break;
        }
        EXPECT_GT(n, 0) << rel;
    }
}
