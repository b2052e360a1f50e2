#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>

#include <opencv2/imgproc.hpp>

#include "engine/errors.h"
#include "engine/fingerprint.h"
#include "engine/fingerprint_builder.h"
#include "engine/fingerprint_match.h"
#include "engine/fingerprint_trainer.h"
#include "engine/model_registry.h"
#include "engine/npy.h"
#include "engine/residual.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

const std::vector<std::string> kDifGenerators = {"biggan", "cyclegan", "dalle_2", "dalle_mini", "gaugan", "glide", "mj",
                                                 "progan", "sd14",   "sd21",     "stargan", "stylegan", "stylegan2"};

// A tiny .npy writer independent of the engine's: any version, descr, order and shape, raw data bytes.
std::vector<std::uint8_t> npyBytes(int major, const std::string& dict, const std::vector<std::uint8_t>& data) {
    std::string header = dict;
    const std::size_t preamble = major == 1 ? 10 : 12;
    while ((preamble + header.size() + 1) % 16 != 0) header += ' ';
    header += '\n';
    std::vector<std::uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', std::uint8_t(major), 0};
    const std::size_t n = header.size();
    out.push_back(std::uint8_t(n & 0xff));
    out.push_back(std::uint8_t(n >> 8));
    if (major > 1) {
        out.push_back(std::uint8_t(n >> 16));
        out.push_back(std::uint8_t(n >> 24));
    }
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::vector<std::uint8_t> floatsLe(const std::vector<float>& values, bool bigEndian = false) {
    std::vector<std::uint8_t> out;
    for (float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        for (int b = 0; b < 4; ++b) out.push_back(std::uint8_t(bits >> (8 * (bigEndian ? 3 - b : b))));
    }
    return out;
}

std::string dict(const std::string& descr, const std::string& order, const std::string& shape) {
    return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}

std::vector<float> ramp(std::size_t n) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = float(i) * 0.25f - 3.0f;
    return v;
}

// Expects decodeNpyImage to refuse the bytes with a BadInput whose message contains `needle`.
void expectRefused(const std::vector<std::uint8_t>& bytes, const std::string& needle) {
    try {
        decodeNpyImage(bytes.data(), bytes.size(), "x.npy");
        ADD_FAILURE() << "accepted; expected a refusal mentioning \"" << needle << "\"";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

// A natural-looking image: a 1/f-like sum of smooth random fields, a few hard-edged shapes, and sensor noise.
cv::Mat naturalImage(int rows, int cols, unsigned seed) {
    cv::RNG rng(seed);
    cv::Mat acc(rows, cols, CV_32FC3, cv::Scalar::all(0));
    for (int scale : {64, 32, 16, 8, 4}) {
        cv::Mat n(rows / scale + 3, cols / scale + 3, CV_32FC3), up;
        rng.fill(n, cv::RNG::NORMAL, 0, 1);
        cv::resize(n, up, cv::Size(cols + 3 * scale, rows + 3 * scale), 0, 0, cv::INTER_CUBIC);
        acc += up(cv::Rect(scale, scale, cols, rows)) * (scale / 16.0);
    }
    cv::normalize(acc, acc, 30, 220, cv::NORM_MINMAX);
    for (int i = 0; i < 6; ++i) {
        const cv::Point c(rng.uniform(0, cols), rng.uniform(0, rows));
        const cv::Scalar colour(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
        if (i % 2) cv::circle(acc, c, rng.uniform(5, rows / 3), colour, cv::FILLED, cv::LINE_AA);
        else cv::rectangle(acc, cv::Rect(c.x, c.y, rng.uniform(5, cols / 2), rng.uniform(5, rows / 2)), colour, cv::FILLED);
    }
    cv::Mat noise(rows, cols, CV_32FC3);
    rng.fill(noise, cv::RNG::NORMAL, 0, 2.0);
    cv::Mat out;
    cv::Mat(acc + noise).convertTo(out, CV_8UC3);
    return out;
}

// A generator-like pattern: a period-8 grid (an up-sampling artefact) plus fixed random texture, in [-1, 1].
cv::Mat generatorPattern(int size, unsigned seed) {
    cv::RNG rng(seed);
    cv::Mat p(size, size, CV_32FC3);
    rng.fill(p, cv::RNG::UNIFORM, -0.5, 0.5);
    const int phase = int(seed % 8);
    for (int r = 0; r < size; ++r)
        for (int c = 0; c < size; ++c)
            if ((r + phase) % 8 == 0 || (c + 2 * phase) % 8 == 0) p.at<cv::Vec3f>(r, c) += cv::Vec3f(0.5f, -0.3f, 0.4f);
    return p;
}

// image + amplitude/255 * pattern, tiled from the image's origin.
cv::Mat withPattern(const cv::Mat& rgb8, const cv::Mat& pattern, double amplitude) {
    cv::Mat f;
    rgb8.convertTo(f, CV_32FC3);
    for (int r = 0; r < f.rows; ++r)
        for (int c = 0; c < f.cols; ++c) f.at<cv::Vec3f>(r, c) += pattern.at<cv::Vec3f>(r % pattern.rows, c % pattern.cols) * float(amplitude);
    cv::Mat out;
    f.convertTo(out, CV_8UC3);
    return out;
}

// A toy generator for the CLI tests: dir/fakes (12 images carrying one planted 64-px pattern), dir/reals
// (12 without it) and dir/probe.png (a new image with the pattern).
void writeToyGeneratorSet(const QString& dir) {
    QDir().mkpath(dir + "/fakes");
    QDir().mkpath(dir + "/reals");
    const cv::Mat pattern = generatorPattern(64, 4);
    for (unsigned i = 0; i < 12; ++i) {
        writeRgb((dir + "/fakes/" + QString::number(i) + ".png").toStdString(), withPattern(naturalImage(64, 64, 500 + i), pattern, 4.0));
        writeRgb((dir + "/reals/" + QString::number(i) + ".png").toStdString(), naturalImage(64, 64, 600 + i));
    }
    writeRgb((dir + "/probe.png").toStdString(), withPattern(naturalImage(64, 64, 700), pattern, 4.0));
}

Fingerprint syntheticFingerprint(const std::string& name, const cv::Mat& pattern) {
    Fingerprint f;
    f.name = name;
    f.pattern = pattern.clone();
    f.muReal = 0.0;
    f.muFake = 0.05;
    f.residual = "highpass";
    return f;
}

}  // namespace

// ---- .npy ----------------------------------------------------------------------------------------

TEST(Npy, ReadsFilesOfEveryVersionWrittenByAnIndependentWriter) {
    const std::vector<float> values = ramp(2 * 5 * 3);
    for (int major : {1, 2, 3}) {
        const auto bytes = npyBytes(major, dict("<f4", "False", "(2, 5, 3)"), floatsLe(values));
        const cv::Mat m = decodeNpyImage(bytes.data(), bytes.size());
        ASSERT_EQ(m.type(), CV_32FC3);
        ASSERT_EQ(m.rows, 2);
        ASSERT_EQ(m.cols, 5);
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 5; ++c)
                for (int ch = 0; ch < 3; ++ch) EXPECT_EQ(m.at<cv::Vec3f>(r, c)[ch], values[std::size_t((r * 5 + c) * 3 + ch)]);
    }
    // Key order, double quotes, no trailing comma and Python 2's long integers are all numpy's.
    const auto reordered = npyBytes(1, "{\"shape\": (2L, 5L, 3L), \"fortran_order\": False, \"descr\": \"<f4\"}", floatsLe(values));
    EXPECT_EQ(decodeNpyImage(reordered.data(), reordered.size()).at<cv::Vec3f>(1, 4)[2], values.back());
}

TEST(Npy, WriterRoundTripsAndAlignsLikeNumpy) {
    cv::Mat m(7, 9, CV_32FC3);
    cv::randu(m, -1, 1);
    const std::vector<std::uint8_t> bytes = encodeNpyImage(m);
    const NpyHeader h = parseNpyHeader(bytes.data(), bytes.size());
    EXPECT_EQ(h.majorVersion, 1);
    EXPECT_EQ(h.dataOffset % 64, 0u);
    EXPECT_EQ(h.shape, (std::vector<std::int64_t>{7, 9, 3}));
    const cv::Mat back = decodeNpyImage(bytes.data(), bytes.size());
    EXPECT_EQ(cv::norm(back, m, cv::NORM_INF), 0.0);

    QTemporaryDir dir;
    const std::string path = (dir.path() + "/a.npy").toStdString();
    writeNpyImage(path, m);
    EXPECT_EQ(cv::norm(readNpyImage(path), m, cv::NORM_INF), 0.0);
}

TEST(Npy, RefusesWhatIsNotALittleEndianFloat32HwcArrayWithAReason) {
    const std::vector<float> v = ramp(12);
    expectRefused(npyBytes(1, dict("<f8", "False", "(2, 2, 3)"), std::vector<std::uint8_t>(96)), "'<f8'");
    expectRefused(npyBytes(1, dict("<i4", "False", "(2, 2, 3)"), floatsLe(v)), "'<i4'");
    expectRefused(npyBytes(1, dict(">f4", "False", "(2, 2, 3)"), floatsLe(v, true)), "big-endian");
    expectRefused(npyBytes(1, dict("<f4", "True", "(2, 2, 3)"), floatsLe(v)), "Fortran");
    expectRefused(npyBytes(1, dict("<f4", "False", "(4, 3)"), floatsLe(v)), "height x width x 3");
    expectRefused(npyBytes(1, dict("<f4", "False", "(2, 2, 2, 3)"), floatsLe(ramp(24))), "height x width x 3");
    expectRefused(npyBytes(1, dict("<f4", "False", "(100000, 100000, 3)"), floatsLe(v)), "each side");
    expectRefused(npyBytes(1, dict("<f4", "False", "(99999999999999999999, 1, 3)"), floatsLe(v)), "too large");
    expectRefused(npyBytes(1, dict("<f4", "False", "(0, 2, 3)"), {}), "each side");
    // Truncated data, trailing data, a cut header, a bad magic string, an unknown version.
    std::vector<std::uint8_t> good = npyBytes(1, dict("<f4", "False", "(2, 2, 3)"), floatsLe(v));
    expectRefused(std::vector<std::uint8_t>(good.begin(), good.end() - 4), "truncated");
    std::vector<std::uint8_t> trailing = good;
    trailing.push_back(0);
    expectRefused(trailing, "after the array");
    expectRefused(std::vector<std::uint8_t>(good.begin(), good.begin() + 30), "cut short");
    expectRefused(std::vector<std::uint8_t>(good.begin(), good.begin() + 8), "magic");
    std::vector<std::uint8_t> badMagic = good;
    badMagic[1] = 'X';
    expectRefused(badMagic, "magic");
    std::vector<std::uint8_t> v4 = good;
    v4[6] = 4;
    expectRefused(v4, "version 4.0");
    // Header length beyond the file, or beyond numpy's 10000-byte limit (version 2 has 4 length bytes).
    std::vector<std::uint8_t> longHeader = npyBytes(2, dict("<f4", "False", "(2, 2, 3)"), floatsLe(v));
    longHeader[10] = 0x01;  // 65536 + ...
    expectRefused(longHeader, "10000");
    // Malformed dictionaries.
    expectRefused(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3), 'extra': 1}", floatsLe(v)), "unexpected key");
    expectRefused(npyBytes(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3)}", floatsLe(v)), "twice");
    expectRefused(npyBytes(1, "{'descr': '<f4', 'shape': (2, 2, 3)}", floatsLe(v)), "lacks");
    expectRefused(npyBytes(1, dict("<f4", "0", "(2, 2, 3)"), floatsLe(v)), "True or False");
    expectRefused(npyBytes(1, dict("<f4", "False", "(2, -2, 3)"), floatsLe(v)), "whole numbers");
    expectRefused(npyBytes(1, dict("<f4", "False", "(12)"), floatsLe(v)), "tuple");
    expectRefused(npyBytes(1, dict("<f\\x34", "False", "(2, 2, 3)"), floatsLe(v)), "escaped");
    expectRefused(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3)} + 1", floatsLe(v)), "after the dictionary");
    std::vector<std::uint8_t> nonAscii = good;
    nonAscii[13] = 0xe9;
    expectRefused(nonAscii, "ASCII");
    // Non-finite values.
    std::vector<float> withNan = v;
    withNan[5] = std::nanf("");
    expectRefused(npyBytes(1, dict("<f4", "False", "(2, 2, 3)"), floatsLe(withNan)), "non-finite");
}

TEST(Npy, MutatedFilesAreReadOrRefusedNeverCrash) {
    cv::Mat m(4, 4, CV_32FC3, cv::Scalar(0.5, -0.25, 1));
    const std::vector<std::uint8_t> good = encodeNpyImage(m);
    std::mt19937 rng(7);
    int refused = 0;
    for (int i = 0; i < 3000; ++i) {
        std::vector<std::uint8_t> b = good;
        const int edits = 1 + int(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % b.size();
            switch (rng() % 3) {
            case 0: b[at] = std::uint8_t(rng()); break;
            case 1: b.resize(at); break;
            default: b.insert(b.begin() + long(at), std::uint8_t(rng())); break;
            }
            if (b.empty()) break;
        }
        try {
            const cv::Mat out = decodeNpyImage(b.data(), b.size());
            EXPECT_EQ(out.type(), CV_32FC3);
            EXPECT_EQ(out.total() * 12 + parseNpyHeader(b.data(), b.size()).dataOffset, b.size());
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            ++refused;
        }
    }
    EXPECT_GT(refused, 1000);
}

// ---- fingerprints on disk ----------------------------------------------------------------------------

TEST(Fingerprint, ReadsThe13PublishedDifFingerprintsAndTheirSidecars) {
    if (!sharedDataPresent()) GTEST_SKIP() << "shared data not present";
    const FingerprintLibrary library = loadFingerprintLibrary(sharedData("dif_fingerprints"));
    EXPECT_TRUE(library.errors.empty()) << library.errors.front();
    ASSERT_EQ(library.fingerprints.size(), kDifGenerators.size());
    for (std::size_t i = 0; i < kDifGenerators.size(); ++i) {
        const Fingerprint& f = library.fingerprints[i];
        EXPECT_EQ(f.name, kDifGenerators[i]);
        EXPECT_EQ(f.pattern.rows, 256);
        EXPECT_EQ(f.pattern.cols, 256);
        EXPECT_EQ(f.pattern.type(), CV_32FC3);
        double lo = 0, hi = 0;
        cv::minMaxLoc(f.pattern.reshape(1), &lo, &hi);
        EXPECT_GE(lo, -1.0) << f.name;  // the U-Net ends in tanh
        EXPECT_LE(hi, 1.0) << f.name;
        EXPECT_GT(hi - lo, 0.01) << f.name;
        EXPECT_LT(std::abs(f.muReal), 0.1) << f.name;
        EXPECT_LT(std::abs(f.muFake), 0.1) << f.name;
        EXPECT_NE(f.muReal, f.muFake) << f.name;
        EXPECT_EQ(f.residual, "") << "DIF's sidecars name no residual of ours";
        // The sidecar as a whole is kept (its note and generator fields included).
        const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(f.sidecarJson)).object();
        EXPECT_EQ(o["generator"].toString().toStdString(), f.name);
        EXPECT_EQ(o["mu_fake"].toDouble(), f.muFake);
    }
    // Distinct generators have distinct fingerprints.
    EXPECT_LT(std::abs(correlation(library.fingerprints[8].pattern, library.fingerprints[1].pattern)), 0.9);
}

TEST(Fingerprint, SavesAndLoadsKeepingUnknownSidecarFields) {
    QTemporaryDir dir;
    Fingerprint f = syntheticFingerprint("mygen", generatorPattern(32, 3));
    f.sidecarJson = R"({"note": "kept", "mu_real": 123})";
    f.sigmaReal = 0.001;
    f.sigmaFake = 0.002;
    f.clip = 3;
    saveFingerprint(f, dir.path().toStdString());
    const Fingerprint back = loadFingerprint((dir.path() + "/mygen.npy").toStdString());
    EXPECT_EQ(back.name, "mygen");
    EXPECT_EQ(cv::norm(back.pattern, f.pattern, cv::NORM_INF), 0.0);
    EXPECT_EQ(back.muReal, f.muReal);
    EXPECT_EQ(back.muFake, f.muFake);
    EXPECT_EQ(back.residual, "highpass");
    EXPECT_EQ(back.sigmaReal, 0.001);
    EXPECT_EQ(back.sigmaFake, 0.002);
    EXPECT_EQ(back.clip, 3.0);
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(back.sidecarJson)).object();
    EXPECT_EQ(o["note"].toString(), "kept");
    EXPECT_THROW(saveFingerprint(syntheticFingerprint("../escape", f.pattern), dir.path().toStdString()), EngineError);
}

TEST(Fingerprint, RefusesBrokenSidecarsWithAReason) {
    QTemporaryDir dir;
    const std::string base = dir.path().toStdString() + "/g";
    writeNpyImage(base + ".npy", generatorPattern(16, 1));
    auto expectMessage = [&](const std::string& needle) {
        try {
            loadFingerprint(base + ".npy");
            ADD_FAILURE() << "accepted";
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expectMessage("missing");
    auto sidecar = [&](const std::string& text) { writeBytes(base + ".json", std::vector<std::uint8_t>(text.begin(), text.end())); };
    sidecar("[1, 2]");
    expectMessage("not a JSON object");
    sidecar(R"({"mu_real": 0.1})");
    expectMessage("mu_fake");
    sidecar(R"({"mu_real": 0.1, "mu_fake": 0.1})");
    expectMessage("equal");
    sidecar(R"({"mu_real": 0.0, "mu_fake": 0.1, "shape_hwc": [256, 256, 3]})");
    expectMessage("shape_hwc");
    sidecar(R"({"mu_real": 0.0, "mu_fake": 0.1, "shape_hwc": [16, 16, 3]})");
    EXPECT_NO_THROW(loadFingerprint(base + ".npy"));
    // A library reports a broken entry and keeps the good ones.
    writeNpyImage(dir.path().toStdString() + "/broken.npy", generatorPattern(16, 2));
    const FingerprintLibrary lib = loadFingerprintLibrary(dir.path().toStdString());
    EXPECT_EQ(lib.fingerprints.size(), 1u);
    EXPECT_EQ(lib.errors.size(), 1u);
}

// ---- correlation and attribution -------------------------------------------------------------------

TEST(FingerprintMatch, ResidualCorrelatesFullyWithItselfAndNotWithAnUnrelatedOne) {
    const cv::Mat a = computeResidual(naturalImage(256, 256, 1), ResidualMethod::HighPass);
    const cv::Mat b = computeResidual(naturalImage(256, 256, 2), ResidualMethod::HighPass);
    EXPECT_NEAR(correlation(a, a), 1.0, 1e-9);
    EXPECT_NEAR(correlation(a, -a), -1.0, 1e-9);
    EXPECT_NEAR(correlation(a, a * 3.0 + cv::Scalar::all(0.2)), 1.0, 1e-6);  // scale and offset do not matter
    EXPECT_LT(std::abs(correlation(a, b)), 0.05);
    EXPECT_EQ(correlation(a, cv::Mat(a.size(), CV_32FC3, cv::Scalar::all(1))), 0.0);  // flat: no correlation, no NaN
}

TEST(FingerprintMatch, CentreCropIsPlacedAsPilPlacesIt) {
    // PIL rounds the box's (w - 256) / 2 half to even: 112.5 -> 112, 113.5 -> 114.
    EXPECT_EQ(centreCropRect(cv::Size(481, 321), 256), cv::Rect(112, 32, 256, 256));
    EXPECT_EQ(centreCropRect(cv::Size(483, 256), 256), cv::Rect(114, 0, 256, 256));
    EXPECT_EQ(centreCropRect(cv::Size(512, 512), 256), cv::Rect(128, 128, 256, 256));
    EXPECT_EQ(centreCropRect(cv::Size(200, 300), 256), cv::Rect(0, 22, 200, 256));
    const std::vector<cv::Rect> grid = cropRects(cv::Size(512, 512), 256, 64, 128);
    EXPECT_EQ(grid.size(), 9u);
    for (const cv::Rect& r : grid) EXPECT_EQ(r.x % 128 + r.y % 128, 0);
    EXPECT_EQ(cropRects(cv::Size(1024, 1024), 256, 4, 128).size(), 4u);
    EXPECT_EQ(cropRects(cv::Size(512, 512), 256, 1, 128), std::vector<cv::Rect>{cv::Rect(128, 128, 256, 256)});
}

TEST(FingerprintMatch, EvidenceAgreesWithDifsRuleAndWeighsSeparation) {
    Fingerprint sharp = syntheticFingerprint("sharp", generatorPattern(16, 1));
    sharp.muReal = -0.001;
    sharp.muFake = 0.02;
    sharp.sigmaReal = sharp.sigmaFake = 0.002;
    Fingerprint vague = sharp;
    vague.muFake = 0.004;
    vague.sigmaReal = vague.sigmaFake = 0.006;
    for (double c = -0.03; c <= 0.03; c += 0.0007) {
        EXPECT_EQ(sharp.evidence(c) > 0, sharp.nearerFake(c)) << c;
        EXPECT_EQ(vague.evidence(c) > 0, vague.nearerFake(c)) << c;
    }
    EXPECT_NEAR(sharp.evidence(0.5 * (sharp.muReal + sharp.muFake)), 0.0, 1e-12);
    // At each one's own fake centre, the well-separated fingerprint is far surer; by score they tie.
    EXPECT_GT(sharp.evidence(sharp.muFake), 10 * vague.evidence(vague.muFake));
    EXPECT_DOUBLE_EQ(sharp.score(sharp.muFake), vague.score(vague.muFake));
    EXPECT_TRUE(rankByEvidence({sharp, vague}));
    vague.sigmaFake = 0;  // DIF's publish no spread: ranking falls back to scores
    EXPECT_FALSE(rankByEvidence({sharp, vague}));
    EXPECT_EQ(vague.evidence(0.1), 0.0);
}

TEST(FingerprintMatch, PlantedPatternIsRankedFirstAmongSyntheticFingerprints) {
    std::vector<Fingerprint> library;
    for (unsigned g = 0; g < 5; ++g) library.push_back(syntheticFingerprint("gen" + std::to_string(g), generatorPattern(128, 10 + g)));
    // Residual of each pattern: what a fingerprint made from residuals would look like.
    for (Fingerprint& f : library) {
        cv::Mat blurred;
        cv::blur(f.pattern, blurred, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REFLECT_101);
        f.pattern = f.pattern - blurred;
    }
    for (int planted = 0; planted < 5; ++planted) {
        const cv::Mat image = withPattern(naturalImage(300, 340, 50 + planted), generatorPattern(128, 10 + planted), 4.0);
        MatchOptions o;
        o.maxCrops = 4;
        const FingerprintAttribution a = attributeByFingerprints(image, library, o);
        ASSERT_EQ(a.ranking.size(), 5u);
        EXPECT_EQ(a.ranking.front().generator, "gen" + std::to_string(planted));
        EXPECT_EQ(a.crops, 4);
        EXPECT_FALSE(a.partial);
    }
    // A clean image matches none of them (its correlations are nearer each mu_real = 0).
    const FingerprintAttribution clean = attributeByFingerprints(naturalImage(256, 256, 99), library);
    EXPECT_EQ(clean.generator, "");
    // A small image is compared over the overlap; a tiny one is refused.
    EXPECT_TRUE(attributeByFingerprints(naturalImage(100, 90, 3), library).partial);
    EXPECT_THROW(attributeByFingerprints(naturalImage(20, 20, 3), library), EngineError);
}

TEST(FingerprintMatch, ImageWithAScaledDifFingerprintCorrelatesMostWithIt) {
    if (!sharedDataPresent()) GTEST_SKIP() << "shared data not present";
    const FingerprintLibrary library = loadFingerprintLibrary(sharedData("dif_fingerprints"));
    ASSERT_EQ(library.fingerprints.size(), kDifGenerators.size());
    for (const char* planted : {"sd14", "dalle_mini", "stylegan2"}) {
        const auto it = std::find_if(library.fingerprints.begin(), library.fingerprints.end(), [&](const Fingerprint& f) { return f.name == planted; });
        ASSERT_NE(it, library.fingerprints.end());
        const cv::Mat image = withPattern(naturalImage(256, 256, 7), it->pattern, 6.0);
        MatchOptions o;
        o.residual = ResidualMethod::HighPass;
        const FingerprintAttribution a = attributeByFingerprints(image, library.fingerprints, o);
        const GeneratorMatch* best = &a.ranking.front();
        for (const GeneratorMatch& m : a.ranking)
            if (m.correlation > best->correlation) best = &m;
        EXPECT_EQ(best->generator, planted);
        EXPECT_GT(best->correlation, 0.05) << planted;
    }
}

TEST(FingerprintMatch, LibraryResidualStandsInForFingerprintsMadeWithADenoiser) {
    // The box3 fixture denoiser's residual is exactly the built-in highpass one (see denoiser_test).
    FingerprintLibrary library;
    library.defaultResidual = ResidualSource(ResidualMethod::NonLocalMeans,
                                             TorchDenoiser::open(loadDenoiserManifest(testData("box3_denoiser.json")), "cpu"));
    const cv::Mat pattern = generatorPattern(128, 3);
    cv::Mat patternResidual;  // what a fingerprint made from highpass residuals looks like
    cv::blur(pattern, patternResidual, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REFLECT_101);
    patternResidual = pattern - patternResidual;
    for (const char* residual : {"", "highpass", "denoiser:box3_denoiser", "denoiser:someone_elses", "median"}) {
        Fingerprint f = syntheticFingerprint(std::string("fp_") + residual, patternResidual);
        f.residual = residual;
        library.fingerprints.push_back(f);
    }
    const cv::Mat image = withPattern(naturalImage(128, 128, 5), pattern, 4.0);  // the centre crop is the pattern, in phase
    auto byName = [](const FingerprintAttribution& a, const std::string& name) {
        const auto it = std::find_if(a.ranking.begin(), a.ranking.end(), [&](const GeneratorMatch& m) { return m.generator == name; });
        EXPECT_NE(it, a.ranking.end()) << name;
        return it == a.ranking.end() ? GeneratorMatch{} : *it;
    };
    const FingerprintAttribution withLibrary = attributeByFingerprints(image, library);
    // Those naming no residual (DIF's), this denoiser, or another denoiser get the library's denoiser.
    for (const char* name : {"fp_", "fp_denoiser:box3_denoiser", "fp_denoiser:someone_elses"})
        EXPECT_EQ(byName(withLibrary, name).residual, "denoiser:box3_denoiser") << name;
    EXPECT_EQ(byName(withLibrary, "fp_highpass").residual, "highpass");
    EXPECT_EQ(byName(withLibrary, "fp_median").residual, "median");
    // The denoiser's residual is the highpass one, so the correlations agree.
    EXPECT_NEAR(byName(withLibrary, "fp_").correlation, byName(withLibrary, "fp_highpass").correlation, 1e-4);
    EXPECT_GT(byName(withLibrary, "fp_").correlation, 0.05);
    // Given only the fingerprints, the built-in default (non-local means) stands in instead.
    const FingerprintAttribution plain = attributeByFingerprints(image, library.fingerprints);
    EXPECT_EQ(byName(plain, "fp_").residual, "nlm");
    EXPECT_EQ(byName(plain, "fp_denoiser:box3_denoiser").residual, "nlm");
    // An explicit residual overrides every fingerprint's own.
    MatchOptions forced;
    forced.residual = ResidualMethod::Median;
    for (const GeneratorMatch& m : attributeByFingerprints(image, library, forced).ranking) EXPECT_EQ(m.residual, "median") << m.generator;
}

TEST(FingerprintLibrary, InstalledLibraryUsesTheLearnedDenoiserOrSaysWhyNot) {
    QTemporaryDir dir;
    const std::string folder = dir.path().toStdString();
    Fingerprint dif = syntheticFingerprint("gen", generatorPattern(64, 1));
    dif.residual = "";  // as DIF's publish them: made with their denoiser
    saveFingerprint(dif, folder);
    {
        ScopedEnv denoiser("SYNTHSCOPE_DENOISER", testData("box3_denoiser.json"));
        EXPECT_EQ(resolveDenoiser(), testData("box3_denoiser.json"));
        const FingerprintLibrary lib = loadInstalledFingerprints(folder);
        EXPECT_EQ(lib.folder, folder);
        ASSERT_EQ(lib.fingerprints.size(), 1u);
        EXPECT_EQ(lib.defaultResidual.name(), "denoiser:box3_denoiser");
        EXPECT_EQ(lib.residualNote, "");
    }
    {
        ScopedEnv denoiser("SYNTHSCOPE_DENOISER", folder + "/no-such-denoiser.json");
        const FingerprintLibrary lib = loadInstalledFingerprints(folder);
        ASSERT_EQ(lib.fingerprints.size(), 1u);  // the fingerprints are still usable
        EXPECT_EQ(lib.defaultResidual.name(), "nlm");
        EXPECT_NE(lib.residualNote.find("could not be used"), std::string::npos) << lib.residualNote;
        EXPECT_NE(lib.residualNote.find("no-such-denoiser.json"), std::string::npos) << lib.residualNote;
    }
    {
        ScopedEnv denoiser("SYNTHSCOPE_DENOISER", "none");
        EXPECT_EQ(resolveDenoiser(), "");
        const FingerprintLibrary lib = loadInstalledFingerprints(folder);
        EXPECT_EQ(lib.defaultResidual.name(), "nlm");
        EXPECT_EQ(lib.residualNote, "");
    }
    EXPECT_THROW(loadInstalledFingerprints(folder + "/missing"), EngineError);
    // A library whose fingerprints all name a built-in residual does not load (or complain about) a denoiser.
    QTemporaryDir own;
    saveFingerprint(syntheticFingerprint("gen", generatorPattern(64, 1)), own.path().toStdString());
    ScopedEnv broken("SYNTHSCOPE_DENOISER", folder + "/no-such-denoiser.json");
    const FingerprintLibrary lib = loadInstalledFingerprints(own.path().toStdString());
    EXPECT_EQ(lib.residualNote, "");
    EXPECT_EQ(lib.defaultResidual.name(), "nlm");
}

// ---- building ------------------------------------------------------------------------------------

TEST(FingerprintBuilder, TrainingFreeBuildRecoversAPlantedPattern) {
    QTemporaryDir dir;
    QDir().mkpath(dir.path() + "/fakes");
    QDir().mkpath(dir.path() + "/reals");
    const cv::Mat pattern = generatorPattern(96, 5);
    std::vector<std::string> fakePaths, realPaths;
    for (unsigned i = 0; i < 30; ++i) {
        fakePaths.push_back((dir.path() + "/fakes/" + QString::number(i) + ".png").toStdString());
        writeRgb(fakePaths.back(), withPattern(naturalImage(96, 96, 100 + i), pattern, 3.0));
        realPaths.push_back((dir.path() + "/reals/" + QString::number(i) + ".png").toStdString());
        writeRgb(realPaths.back(), naturalImage(96, 128, 200 + i));  // wider: the centre crop is in the middle
    }
    realPaths.push_back((dir.path() + "/reals/small.png").toStdString());
    writeRgb(realPaths.back(), naturalImage(40, 40, 1));  // too small: skipped, not fatal
    const ResidualCrops fakes = loadResidualCrops(fakePaths, 96, ResidualMethod::HighPass);
    const ResidualCrops reals = loadResidualCrops(realPaths, 96, ResidualMethod::HighPass);
    EXPECT_EQ(fakes.residuals.size(), 30u);
    EXPECT_EQ(reals.residuals.size(), 30u);
    ASSERT_EQ(reals.skipped.size(), 1u);

    BuildOptions o;
    o.name = "planted";
    o.size = 96;
    o.residual = ResidualMethod::HighPass;  // how the crops above were made
    const Fingerprint fp = buildFingerprint(fakes, reals, o);
    cv::Mat patternResidual;
    cv::blur(pattern, patternResidual, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REFLECT_101);
    patternResidual = pattern - patternResidual;
    EXPECT_GT(correlation(fp.pattern, patternResidual), 0.5);
    EXPECT_GT(fp.muFake, fp.muReal + 0.02);  // measured leave-one-out
    EXPECT_TRUE(fp.hasSpread());
    EXPECT_GT(fp.muFake - fp.muReal, fp.sigmaReal + fp.sigmaFake);  // the classes are well apart
    EXPECT_EQ(fp.clip, 3.0);
    EXPECT_EQ(fp.residual, "highpass");
    double lo = 0, hi = 0;
    cv::minMaxLoc(fp.pattern.reshape(1), &lo, &hi);
    EXPECT_NEAR(std::max(-lo, hi), 1.0, 1e-6);

    // New images: with the pattern they are attributed, without it not.
    const std::vector<Fingerprint> library{fp};
    EXPECT_EQ(attributeByFingerprints(withPattern(naturalImage(96, 96, 999), pattern, 3.0), library).generator, "planted");
    EXPECT_EQ(attributeByFingerprints(naturalImage(96, 96, 998), library).generator, "");
    // Too few images is an error a user can act on.
    EXPECT_THROW(buildMeanFingerprint("x", {fakes.residuals[0]}, reals.residuals), EngineError);
}

TEST(FingerprintTrainer, LearnedTrainingRunsQuicklyOnCpuReportsProgressAndCancels) {
    std::vector<cv::Mat> fakes, reals;
    const cv::Mat pattern = generatorPattern(32, 9);
    for (unsigned i = 0; i < 6; ++i) {
        fakes.push_back(computeResidual(withPattern(naturalImage(32, 32, 300 + i), pattern, 4.0), ResidualMethod::HighPass));
        reals.push_back(computeResidual(naturalImage(32, 32, 400 + i), ResidualMethod::HighPass));
    }
    TrainerOptions o;
    o.steps = 6;
    o.batchSize = 8;
    o.net.width = 4;
    o.net.depth = 2;
    o.device = "cpu";
    std::vector<int> steps;
    const auto t0 = std::chrono::steady_clock::now();
    const LearnedFingerprint learned = trainFingerprint(fakes, reals, o, [&](const TrainingProgress& p) { steps.push_back(p.step); });
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 20.0);
    EXPECT_EQ(steps, (std::vector<int>{1, 2, 3, 4, 5, 6}));
    ASSERT_EQ(learned.pattern.type(), CV_32FC3);
    EXPECT_EQ(learned.pattern.size(), cv::Size(32, 32));
    EXPECT_EQ(learned.loss.size(), 6u);
    for (float l : learned.loss) EXPECT_TRUE(std::isfinite(l));
    double lo = 0, hi = 0;
    cv::minMaxLoc(learned.pattern.reshape(1), &lo, &hi);
    EXPECT_GE(lo, -1.0);
    EXPECT_LE(hi, 1.0);
    EXPECT_EQ(learned.device, "cpu");
    EXPECT_TRUE(std::isfinite(learned.muReal) && std::isfinite(learned.muFake));

    // Cancelled from the progress callback after the second step: no third step runs.
    std::atomic<bool> cancel{false};
    int seen = 0;
    o.steps = 50;
    try {
        trainFingerprint(fakes, reals, o, [&](const TrainingProgress& p) {
            seen = p.step;
            if (p.step == 2) cancel = true;
        }, &cancel);
        ADD_FAILURE() << "not cancelled";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
    }
    EXPECT_EQ(seen, 2);

    // Unusable input is refused with a reason.
    EXPECT_THROW(trainFingerprint({fakes[0]}, reals, o), EngineError);
    o.net.depth = 6;  // 32 is not a multiple of 64
    EXPECT_THROW(trainFingerprint(fakes, reals, o), EngineError);
}

TEST(FingerprintTrainer, LearnedFingerprintSeparatesImagesWithAPlantedPattern) {
    std::vector<cv::Mat> fakes, reals;
    const cv::Mat pattern = generatorPattern(32, 11);
    for (unsigned i = 0; i < 12; ++i) {
        fakes.push_back(computeResidual(withPattern(naturalImage(32, 32, 800 + i), pattern, 10.0), ResidualMethod::HighPass));
        reals.push_back(computeResidual(naturalImage(32, 32, 900 + i), ResidualMethod::HighPass));
    }
    TrainerOptions o;
    o.batchSize = 16;
    o.learningRate = 2e-3;
    o.net.width = 8;
    o.net.depth = 2;
    o.device = "cpu";
    // Separation of the classes' correlations in pooled standard deviations (the sign is free: DIF's loss
    // only asks the classes to be apart).
    auto separation = [&](int steps) {
        o.steps = steps;
        const LearnedFingerprint l = trainFingerprint(fakes, reals, o);
        return std::abs(l.muFake - l.muReal) / std::sqrt(0.5 * (l.sigmaFake * l.sigmaFake + l.sigmaReal * l.sigmaReal));
    };
    const double untrained = separation(1), trained = separation(80);
    EXPECT_GT(trained, 1.0);
    EXPECT_GT(trained, untrained);
}

TEST(FingerprintTrainer, BlankExperimentFitsGreyAndReturnsItsSpectrum) {
    BlankOptions o;
    o.size = 32;
    o.steps = 30;
    o.learningRate = 1e-3;
    o.net.width = 4;
    o.net.depth = 2;
    o.device = "cpu";
    const BlankResult r = runBlankExperiment(o);
    ASSERT_EQ(r.output.type(), CV_32FC3);
    EXPECT_EQ(r.output.size(), cv::Size(32, 32));
    ASSERT_EQ(r.spectrum.type(), CV_32F);
    EXPECT_EQ(r.spectrum.size(), cv::Size(32, 32));
    double lo = 0, hi = 0;
    cv::minMaxLoc(r.spectrum, &lo, &hi);
    EXPECT_NEAR(lo, 0.0, 1e-6);
    EXPECT_NEAR(hi, 1.0, 1e-6);
    ASSERT_EQ(r.loss.size(), 30u);
    EXPECT_LT(r.loss.back(), r.loss.front());
    std::atomic<bool> cancel{true};
    EXPECT_THROW(runBlankExperiment(o, {}, &cancel), EngineError);
}

TEST(FingerprintCli, BuildsAFingerprintAndAttributesWithIt) {
    QTemporaryDir dir;
    writeToyGeneratorSet(dir.path());
    QProcess p;
    p.start(SYNTHSCOPE_CLI, {"fingerprint", "build", "--fakes", dir.path() + "/fakes", "--reals", dir.path() + "/reals", "--name", "toy",
                             "--out", dir.path() + "/lib", "--crop", "64"});
    ASSERT_TRUE(p.waitForFinished(60000));
    EXPECT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString();
    EXPECT_TRUE(QFile::exists(dir.path() + "/lib/toy.npy"));
    EXPECT_TRUE(QFile::exists(dir.path() + "/lib/toy.spectrum.png"));
    p.start(SYNTHSCOPE_CLI, {"fingerprint", "attribute", "--library", dir.path() + "/lib", dir.path() + "/probe.png"});
    ASSERT_TRUE(p.waitForFinished(60000));
    EXPECT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString();
    EXPECT_TRUE(QString::fromUtf8(p.readAllStandardOutput()).contains("probe.png: toy (score"));
    p.start(SYNTHSCOPE_CLI, {"fingerprint", "build", "--fakes", dir.path() + "/fakes", "--name", "toy", "--out", dir.path()});
    ASSERT_TRUE(p.waitForFinished(60000));
    EXPECT_EQ(p.exitCode(), 2);
    EXPECT_TRUE(QString::fromUtf8(p.readAllStandardError()).contains("--reals is required"));
}

TEST(FingerprintCli, BuildsAndAttributesWithALearnedDenoiser) {
    QTemporaryDir dir;
    writeToyGeneratorSet(dir.path());
    const QString box3 = QString::fromStdString(testData("box3_denoiser.json"));
    auto run = [&](const QString& denoiserEnv, const QStringList& args, QString& out, QString& err) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("SYNTHSCOPE_DENOISER", denoiserEnv);
        p.setProcessEnvironment(env);
        p.start(SYNTHSCOPE_CLI, QStringList{"fingerprint"} + args);
        EXPECT_TRUE(p.waitForFinished(60000));
        out = QString::fromUtf8(p.readAllStandardOutput());
        err = QString::fromUtf8(p.readAllStandardError());
        return p.exitCode();
    };
    QString out, err;
    ASSERT_EQ(run("none", {"build", "--fakes", dir.path() + "/fakes", "--reals", dir.path() + "/reals", "--name", "toy", "--out",
                           dir.path() + "/lib", "--crop", "64", "--residual", "denoiser", "--denoiser", box3}, out, err), 0)
        << err.toStdString();
    QFile sidecar(dir.path() + "/lib/toy.json");
    ASSERT_TRUE(sidecar.open(QIODevice::ReadOnly));
    EXPECT_EQ(QJsonDocument::fromJson(sidecar.readAll()).object().value("residual").toString(), "denoiser:box3_denoiser");

    // Attribution uses the installed denoiser for it; without one, non-local means stands in.
    EXPECT_EQ(run(box3, {"attribute", "--library", dir.path() + "/lib", dir.path() + "/probe.png"}, out, err), 0) << err.toStdString();
    EXPECT_TRUE(out.contains("probe.png: toy (score")) << out.toStdString();
    EXPECT_TRUE(out.contains("[denoiser:box3_denoiser]")) << out.toStdString();
    EXPECT_EQ(run("none", {"attribute", "--library", dir.path() + "/lib", dir.path() + "/probe.png"}, out, err), 0) << err.toStdString();
    EXPECT_TRUE(out.contains("[nlm]")) << out.toStdString();
    // Asking for the learned denoiser when there is none is an error that says what to do.
    EXPECT_EQ(run("none", {"attribute", "--library", dir.path() + "/lib", "--residual", "denoiser", dir.path() + "/probe.png"}, out, err), 2);
    EXPECT_TRUE(err.contains("no learned denoiser is installed")) << err.toStdString();
    EXPECT_EQ(run("none", {"attribute", "--library", dir.path() + "/lib", "--residual", "gaussian", dir.path() + "/probe.png"}, out, err), 2);
}

TEST(FingerprintPreview, StretchIgnoresAFewExtremeValues) {
    // 0..9999 plus one huge value (like a spectrum's zero frequency): min-max would crush the ramp into
    // the darkest grey levels; the percentile stretch spans the ramp over 0..255 and saturates the outlier.
    cv::Mat ramp(100, 100, CV_32FC1);
    for (int i = 0; i < 10000; ++i) ramp.at<float>(i / 100, i % 100) = float(i);
    ramp.at<float>(0, 0) = 1e9f;
    const cv::Mat eight = stretchTo8Bit(ramp);
    ASSERT_EQ(eight.type(), CV_8UC1);
    EXPECT_EQ(eight.at<std::uint8_t>(0, 0), 255);
    EXPECT_EQ(eight.at<std::uint8_t>(0, 10), 0);          // below the 0.5th percentile
    EXPECT_NEAR(eight.at<std::uint8_t>(50, 0), 128, 2);   // the middle of the ramp is mid-grey
    EXPECT_EQ(eight.at<std::uint8_t>(99, 99), 255);

    const cv::Mat flat = stretchTo8Bit(cv::Mat(8, 8, CV_32FC3, cv::Scalar::all(0.25)));
    ASSERT_EQ(flat.type(), CV_8UC3);
    EXPECT_EQ(flat.at<cv::Vec3b>(3, 3), cv::Vec3b(128, 128, 128));
}
