#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/ela.h"
#include "engine/errors.h"
#include "engine/jpeg_analysis.h"
#include "engine/jpeg_quality.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// A textured colour image: gradients, a few shapes and noise, so every DCT frequency is populated.
cv::Mat texturedImage(int w, int h, int seed = 1) {
    cv::Mat rgb(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 255 / w), uchar(y * 255 / h), uchar((x + y) % 256));
    cv::circle(rgb, {w / 3, h / 2}, std::min(w, h) / 4, cv::Scalar(200, 40, 90), -1);
    cv::rectangle(rgb, cv::Rect(w / 2, h / 5, w / 3, h / 3), cv::Scalar(30, 160, 220), -1);
    cv::Mat noise(h, w, CV_8UC3);
    cv::RNG rng(seed);
    rng.fill(noise, cv::RNG::NORMAL, 0, 12);
    cv::Mat out;
    cv::add(rgb, noise, out, cv::noArray(), CV_8UC3);
    cv::GaussianBlur(out, out, {3, 3}, 0.6);
    return out;
}

// BSDS photos, sorted by name (they are JPEGs themselves, at quality 95).
std::vector<std::string> bsdsPhotos() {
    std::vector<std::string> files;
    const std::string dir = sharedData("real/bsds");
    if (!std::filesystem::is_directory(dir)) return files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".jpg") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

// A BSDS photo resized by 3/4: the resampling erases the grid of its own JPEG compression, so that what
// follows is a first ("single") compression.
cv::Mat uncompressedPhoto(const std::string& path) {
    cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR), rgb;
    cv::resize(bgr, bgr, {}, 0.75, 0.75, cv::INTER_AREA);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

cv::Mat decodeRgb(const std::vector<std::uint8_t>& jpeg) {
    cv::Mat bgr = cv::imdecode(jpeg, cv::IMREAD_COLOR), rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

std::vector<std::uint8_t> jpegAt(const cv::Mat& rgb, int quality) { return encodeRgb(".jpg", rgb, {cv::IMWRITE_JPEG_QUALITY, quality}); }

bool hasSeverity(const std::vector<Finding>& findings, const std::string& severity) {
    return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.severity == severity; });
}

}  // namespace

TEST(JpegQuality, Quality50IsTheAnnexKTableAndQuality100IsAllOnes) {
    const auto lum50 = ijgQuantTable(50, false), chr50 = ijgQuantTable(50, true);
    EXPECT_EQ(lum50[0], 16);
    EXPECT_EQ(lum50[1], 11);
    EXPECT_EQ(lum50[63], 99);
    EXPECT_EQ(chr50[0], 17);
    EXPECT_EQ(chr50[63], 99);
    for (std::uint16_t v : ijgQuantTable(100, false)) EXPECT_EQ(v, 1);
    for (std::uint16_t v : ijgQuantTable(1, true)) EXPECT_EQ(v, 255) << "baseline tables are clamped to 255";
}

TEST(JpegAnalysis, QualityEstimateIsExactForOpenCvEncodesAtEveryQuality) {
    const cv::Mat rgb = texturedImage(48, 40);
    for (int q = 1; q <= 100; ++q) {
        const JpegAnalysis a = analyzeJpeg(jpegAt(rgb, q));
        ASSERT_TRUE(a.readable) << q << ": " << a.error;
        EXPECT_EQ(a.estimatedQuality, q);
        EXPECT_TRUE(a.standardTables) << q;
        EXPECT_DOUBLE_EQ(a.qualityFitError, 0.0) << q;
    }
    for (int q : {40, 65, 90}) {
        const JpegAnalysis a = analyzeJpeg(jpegAt(texturedImage(200, 120, q), q));
        EXPECT_EQ(a.estimatedQuality, q);
        EXPECT_EQ(a.width, 200);
        EXPECT_EQ(a.height, 120);
        EXPECT_EQ(a.components, 3);
        ASSERT_EQ(a.tables.size(), 2u);
        EXPECT_EQ(a.tables[0].values, ijgQuantTable(q, false));
        EXPECT_EQ(a.tables[1].values, ijgQuantTable(q, true));
    }
}

TEST(JpegAnalysis, NonStandardTablesGiveTheNearestQualityAndAFitError) {
    auto lum = ijgQuantTable(80, false), chr = ijgQuantTable(80, true);
    lum[5] += 3;
    chr[9] -= 2;
    const QualityEstimate e = estimateIjgQuality(lum, &chr);
    EXPECT_EQ(e.quality, 80);
    EXPECT_FALSE(e.exact);
    EXPECT_NEAR(e.meanAbsError, 5.0 / 128, 1e-12);
}

TEST(JpegAnalysis, GreyJpegAndSubsampling) {
    cv::Mat grey;
    cv::cvtColor(texturedImage(64, 64), grey, cv::COLOR_RGB2GRAY);
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(cv::imencode(".jpg", grey, bytes, {cv::IMWRITE_JPEG_QUALITY, 77}));
    const JpegAnalysis a = analyzeJpeg(bytes);
    EXPECT_EQ(a.components, 1);
    EXPECT_EQ(a.subsampling, "grey");
    EXPECT_EQ(a.estimatedQuality, 77);
    EXPECT_TRUE(a.standardTables);
    EXPECT_EQ(analyzeJpeg(jpegAt(texturedImage(64, 64), 77)).subsampling, "4:2:0");
}

TEST(JpegAnalysis, PngIsNotAJpeg) {
    const JpegAnalysis a = analyzeJpeg(encodeRgb(".png", texturedImage(32, 32)));
    EXPECT_FALSE(a.isJpeg);
    EXPECT_FALSE(a.readable);
    EXPECT_TRUE(a.tables.empty());
    EXPECT_EQ(a.estimatedQuality, 0);
    ASSERT_FALSE(a.findings.empty());
    EXPECT_NE(a.findings[0].text.find("Not a JPEG"), std::string::npos);
    EXPECT_FALSE(analyzeJpeg(std::vector<std::uint8_t>{}).isJpeg);
}

TEST(JpegAnalysis, TruncatedOrCorruptJpegGivesAnErrorFindingNotACrash) {
    const std::vector<std::uint8_t> good = jpegAt(texturedImage(160, 160), 85);
    // Cut inside the headers: libjpeg gives up.
    for (std::size_t cut : {std::size_t(3), std::size_t(20), std::size_t(150)}) {
        const JpegAnalysis a = analyzeJpeg(std::vector<std::uint8_t>(good.begin(), good.begin() + std::ptrdiff_t(cut)));
        EXPECT_TRUE(a.isJpeg);
        EXPECT_FALSE(a.readable) << cut;
        EXPECT_FALSE(a.error.empty());
        EXPECT_TRUE(hasSeverity(a.findings, "error")) << cut;
    }
    // Cut inside the entropy-coded data: the tables are read, libjpeg warns about the premature end.
    const JpegAnalysis half = analyzeJpeg(std::vector<std::uint8_t>(good.begin(), good.begin() + std::ptrdiff_t(good.size() / 2)));
    EXPECT_TRUE(half.readable);
    EXPECT_EQ(half.estimatedQuality, 85);
    EXPECT_FALSE(half.decoderWarnings.empty());
    EXPECT_TRUE(hasSeverity(half.findings, "error"));
    // Garbage after a JPEG signature, and a broken table marker.
    std::vector<std::uint8_t> garbage = {0xFF, 0xD8, 0xFF};
    cv::RNG rng(7);
    for (int i = 0; i < 5000; ++i) garbage.push_back(std::uint8_t(rng.uniform(0, 256)));
    EXPECT_TRUE(hasSeverity(analyzeJpeg(garbage).findings, "error"));
    std::vector<std::uint8_t> badTable = good;
    for (std::size_t i = 0; i + 3 < badTable.size(); ++i)
        if (badTable[i] == 0xFF && badTable[i + 1] == 0xDB) {  // DQT: claim a length past the file's end
            badTable[i + 2] = 0xFF;
            badTable[i + 3] = 0xFF;
            break;
        }
    EXPECT_TRUE(hasSeverity(analyzeJpeg(badTable).findings, "error"));
}

TEST(JpegAnalysis, ForgedDimensionsAreRefusedBeforeAllocatingCoefficients) {
    // A small file whose frame header claims 60000 x 4000 pixels (under the 250-megapixel limit): libjpeg
    // would allocate ~1.4 GB of coefficients for data that cannot exist in a few kilobytes.
    std::vector<std::uint8_t> forged = jpegAt(texturedImage(64, 64), 90);
    bool patched = false;
    for (std::size_t i = 0; i + 8 < forged.size() && !patched; ++i)
        if (forged[i] == 0xFF && forged[i + 1] == 0xC0) {  // SOF0: length(2) precision(1) height(2) width(2)
            forged[i + 5] = 4000 >> 8;
            forged[i + 6] = 4000 & 0xFF;
            forged[i + 7] = 60000 >> 8;
            forged[i + 8] = 60000 & 0xFF;
            patched = true;
        }
    ASSERT_TRUE(patched);
    const JpegAnalysis a = analyzeJpeg(forged);
    EXPECT_FALSE(a.readable);
    EXPECT_NE(a.error.find("cannot hold them"), std::string::npos) << a.error;
    EXPECT_EQ(a.width, 60000);
    EXPECT_FALSE(a.tables.empty()) << "the tables were read before the refusal";
    EXPECT_TRUE(hasSeverity(a.findings, "error"));
}

TEST(JpegAnalysis, TinyImagesAreNotAssessedForDoubleCompression) {
    const JpegAnalysis a = analyzeJpeg(jpegAt(texturedImage(40, 40), 80));
    EXPECT_TRUE(a.readable);
    EXPECT_FALSE(a.doubleCompression.analysed);
    EXPECT_FALSE(a.doubleCompressionSuspected);
    EXPECT_FALSE(a.doubleCompressionFinding.empty());
}

// The direction of the double-compression score on natural photos. Rates over the whole BSDS set are
// measured by `synthscope inspect --selftest-double`, not here.
TEST(JpegAnalysis, DoubleCompressionScoresHigherThanSingleOnPhotos) {
    const std::vector<std::string> photos = bsdsPhotos();
    if (photos.size() < 4) GTEST_SKIP() << "shared data (real/bsds) not present";
    double single70 = 0, double90to70 = 0;
    for (int i = 0; i < 4; ++i) {
        const cv::Mat rgb = uncompressedPhoto(photos[std::size_t(i)]);
        const JpegAnalysis once = analyzeJpeg(jpegAt(rgb, 70));
        const JpegAnalysis twice = analyzeJpeg(jpegAt(decodeRgb(jpegAt(rgb, 90)), 70));
        ASSERT_TRUE(once.doubleCompression.analysed && twice.doubleCompression.analysed);
        single70 += once.doubleCompressionScore() / 4;
        double90to70 += twice.doubleCompressionScore() / 4;
        EXPECT_EQ(twice.estimatedQuality, 70) << "the tables are the last compression's";
        // Quality raised on re-save (70 then 90): the strong case, with empty histogram bins.
        const JpegAnalysis once90 = analyzeJpeg(jpegAt(rgb, 90));
        const JpegAnalysis up = analyzeJpeg(jpegAt(decodeRgb(jpegAt(rgb, 70)), 90));
        EXPECT_FALSE(once90.doubleCompressionSuspected) << photos[std::size_t(i)] << " score " << once90.doubleCompressionScore();
        EXPECT_TRUE(up.doubleCompressionSuspected) << photos[std::size_t(i)] << " score " << up.doubleCompressionScore();
        EXPECT_EQ(up.doubleCompression.primaryQuality, 70) << photos[std::size_t(i)];
    }
    EXPECT_GT(double90to70, single70 * 1.5) << "quality lowered on re-save (90 then 70) is the weak case, but still apart on average";
}

TEST(Ela, KeepsTheSizeAndShowsARegionPastedAfterCompression) {
    // Compress once at 75, paste an uncompressed textured patch, then ELA at 75: the pasted patch has
    // not converged to this quality and changes more.
    cv::Mat base = decodeRgb(jpegAt(texturedImage(256, 192, 3), 75));
    const cv::Rect patch(128, 64, 64, 64);
    texturedImage(64, 64, 9).copyTo(base(patch));
    const ElaResult r = errorLevelAnalysis(base, 75);
    ASSERT_EQ(r.ela.size(), base.size());
    EXPECT_EQ(r.ela.type(), CV_8UC3);
    EXPECT_EQ(r.quality, 75);
    EXPECT_GT(r.mean, 0);
    EXPECT_GE(r.p99, r.mean);
    EXPECT_GE(r.max, r.p99);
    cv::Mat outside = cv::Mat::ones(base.size(), CV_8U);
    outside(patch).setTo(0);
    const double inPatch = cv::mean(r.ela(patch))[0], elsewhere = cv::mean(r.ela, outside)[0];
    EXPECT_GT(inPatch, 1.5 * elsewhere) << inPatch << " vs " << elsewhere;
    EXPECT_THROW(errorLevelAnalysis(cv::Mat()), EngineError);
    EXPECT_THROW(errorLevelAnalysis(base, 0), EngineError);
}
