#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <atomic>
#include <cmath>

#include <opencv2/imgcodecs.hpp>

#include "engine/errors.h"
#include "engine/spectrum.h"
#include "engine/spectrum_json.h"
#include "engine/torch_signal.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

// Mid-grey plus Gaussian noise (sigma in grey levels): a stand-in for camera noise.
cv::Mat noiseImage(int rows, int cols, double sigma, int seed) {
    cv::Mat noise(rows, cols, CV_32FC3);
    cv::RNG(seed).fill(noise, cv::RNG::NORMAL, 128, sigma);
    cv::Mat rgb;
    noise.convertTo(rgb, CV_8UC3);
    return rgb;
}

// Adds `amplitude` grey levels on a lattice of dots every `period` pixels in x and y, as a generator's
// up-sampling grid does.
cv::Mat withDotGrid(cv::Mat rgb, int period, int amplitude) {
    for (int y = 0; y < rgb.rows; y += period)
        for (int x = 0; x < rgb.cols; x += period)
            for (int c = 0; c < 3; ++c) rgb.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(rgb.at<cv::Vec3b>(y, x)[c] + amplitude);
    return rgb;
}

const SpectralPeak* peakAt(const Spectrum& s, double fx, double fy) {
    for (const SpectralPeak& p : s.peaks)
        if (std::abs(p.fx - fx) < 1.5 / s.logPower.cols && std::abs(p.fy - fy) < 1.5 / s.logPower.rows) return &p;
    return nullptr;
}

// Index of frequency -k on an fftshifted axis of length n.
int mirror(int i, int n) { return n % 2 == 0 ? (n - i) % n : n - 1 - i; }

}  // namespace

TEST(Spectrum, PeriodFourPatternGivesAnUpsamplingPeakAtAQuarterCycle) {
    // Vertical stripes +3, 0, -3, 0 (period 4 px) over noise.
    cv::Mat rgb = noiseImage(256, 256, 6, 1);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x)
            for (int c = 0; c < 3; ++c)
                rgb.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(rgb.at<cv::Vec3b>(y, x)[c] + (x % 4 == 0 ? 3 : x % 4 == 2 ? -3 : 0));
    const Spectrum s = computeSpectrum(rgb, ResidualMethod::HighPass, 0);
    ASSERT_FALSE(s.peaks.empty());
    const SpectralPeak& p = s.peaks.front();  // the strongest
    EXPECT_NEAR(p.fx, 0.25, 1e-9);
    EXPECT_NEAR(p.fy, 0.0, 1e-9);
    EXPECT_NEAR(p.periodX, 4.0, 1e-9);
    EXPECT_EQ(p.periodY, 0.0);
    EXPECT_EQ(periodText(p.periodX) + " x " + periodText(p.periodY), "4.0 x -") << "no period along y, not a period of 0 px";
    EXPECT_TRUE(p.upsamplingHarmonic);
    EXPECT_FALSE(p.jpegGrid);
    EXPECT_GT(p.strengthDb, 10.0);
    EXPECT_TRUE(s.hasUpsamplingPeak());
    EXPECT_EQ(s.residual, "highpass");
}

TEST(Spectrum, TheThreeFrequenciesOf2xUpsamplingHaveALowerBar) {
    // A faint 2-px dot grid (+1 level every other pixel and row) over noise: its peaks at 1/2 cycle/px
    // stand out by a z-score that the 2x threshold accepts and the general one would not.
    SpectrumOptions options;
    const Spectrum s = computeSpectrum(withDotGrid(noiseImage(256, 256, 16, 21), 2, 1), options);
    const SpectralPeak* p = peakAt(s, 0.5, 0.5);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(p->upsamplingHarmonic);
    EXPECT_GE(p->zScore, options.peaks.minZAt2x);
    EXPECT_LT(p->zScore, options.peaks.minZ);
    options.peaks.minZAt2x = options.peaks.minZ;
    EXPECT_EQ(peakAt(computeSpectrum(withDotGrid(noiseImage(256, 256, 16, 21), 2, 1), options), 0.5, 0.5), nullptr);
}

TEST(Spectrum, WhiteNoiseHasNoPeak) {
    for (int seed : {1, 2, 3})
        for (ResidualMethod m : {ResidualMethod::HighPass, ResidualMethod::Wavelet}) {
            const Spectrum s = computeSpectrum(noiseImage(256, 256, 10, seed), m, 0);
            EXPECT_TRUE(s.peaks.empty()) << "seed " << seed << " " << residualMethodName(m) << ": first peak at " << s.peaks.front().fx
                                         << ", " << s.peaks.front().fy << ", " << s.peaks.front().strengthDb << " dB";
            EXPECT_GT(s.noiseDb, 1.0);  // a real periodogram scatters by several dB
        }
}

TEST(Spectrum, FlatImageHasAFlatFloorProfileAndNoPeaks) {
    const Spectrum s = computeSpectrum(cv::Mat(128, 160, CV_8UC3, cv::Scalar(70, 120, 200)), ResidualMethod::Wavelet, 0);
    ASSERT_EQ(s.radialProfile.size(), 128u / 2 + 1);
    const auto [lo, hi] = std::minmax_element(s.radialProfile.begin(), s.radialProfile.end());
    EXPECT_LT(*hi, -90.0);  // the floor is -100 dB
    EXPECT_LT(*hi - *lo, 1.0);
    EXPECT_TRUE(s.peaks.empty());
}

TEST(Spectrum, RadialProfileFollowsTheResidualsFrequencyResponse) {
    // White noise through the 3x3 high-pass: power grows with frequency.
    const Spectrum s = computeSpectrum(noiseImage(256, 256, 10, 5), ResidualMethod::HighPass, 0);
    ASSERT_EQ(s.radialProfile.size(), 129u);
    EXPECT_NEAR(s.radialFrequency(128), 0.5, 1e-12);
    EXPECT_GT(s.radialProfile[120], s.radialProfile[10] + 10.0);
}

TEST(Spectrum, HasTheImageOrCropSizeAndIsSymmetric) {
    const cv::Mat rgb = noiseImage(90, 131, 10, 4);
    for (int crop : {0, 64, 45}) {
        const Spectrum s = computeSpectrum(rgb, ResidualMethod::Median, crop);
        const cv::Size expected = crop ? cv::Size(crop, crop) : rgb.size();
        ASSERT_EQ(s.logPower.size(), expected);
        ASSERT_EQ(s.logPower.type(), CV_32F);
        const int rows = s.logPower.rows, cols = s.logPower.cols;
        double worst = 0;
        for (int y = 0; y < rows; ++y)
            for (int x = 0; x < cols; ++x)
                worst = std::max(worst, double(std::abs(s.logPower.at<float>(y, x) - s.logPower.at<float>(mirror(y, rows), mirror(x, cols)))));
        EXPECT_LT(worst, 0.01) << "crop " << crop;
    }
    EXPECT_THROW(computeSpectrum(rgb, ResidualMethod::Median, 100), EngineError);  // larger than the image
    EXPECT_THROW(computeSpectrum(cv::Mat(), ResidualMethod::Median, 0), EngineError);
}

TEST(Spectrum, PowerSpectrumOfWhiteNoiseHasItsVariance) {
    // The normalisation: white noise of variance s^2 has a mean periodogram of s^2, window or not.
    cv::Mat noise(128, 96, CV_32FC1);
    cv::RNG(9).fill(noise, cv::RNG::NORMAL, 0, 0.1);
    for (bool hann : {false, true}) {
        const cv::Mat p = powerSpectrum(noise, hann, "cpu");
        ASSERT_EQ(p.size(), noise.size());
        EXPECT_NEAR(cv::mean(p)[0], 0.01, 0.0015) << "hann " << hann;
    }
    // A pure cosine lands in the bins of its frequency: +-1/8 cycle along x, DC at (cols/2, rows/2).
    cv::Mat wave(64, 64, CV_32FC1);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) wave.at<float>(y, x) = float(std::cos(2 * CV_PI * x / 8));
    const cv::Mat p = powerSpectrum(wave, false, "cpu");
    cv::Point max;
    cv::minMaxLoc(p, nullptr, nullptr, nullptr, &max);
    EXPECT_EQ(max.y, 32);
    EXPECT_TRUE(max.x == 32 + 8 || max.x == 32 - 8) << max.x;
    EXPECT_THROW(powerSpectrum(cv::Mat(4, 4, CV_8UC1), true, "cpu"), EngineError);
}

TEST(Spectrum, PeaksAtEighthsOfJpegFilesAreFlaggedAsJpegGrid) {
    // The same period-4 pattern saved as PNG and as JPEG: JPEG's 8x8 blocks put peaks at the same
    // frequencies, so in the JPEG file the peak is no evidence of up-sampling.
    cv::Mat rgb = noiseImage(256, 256, 6, 8);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; x += 4)
            for (int c = 0; c < 3; ++c) rgb.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(rgb.at<cv::Vec3b>(y, x)[c] + 12);
    QTemporaryDir dir;
    const std::string png = (dir.path() + "/grid.png").toStdString(), jpg = (dir.path() + "/grid.jpg").toStdString();
    writeRgb(png, rgb);
    writeRgb(jpg, rgb, {cv::IMWRITE_JPEG_QUALITY, 95});
    const Spectrum fromPng = computeSpectrum(loadImage(png), SpectrumOptions{});
    const Spectrum fromJpeg = computeSpectrum(loadImage(jpg), SpectrumOptions{});
    EXPECT_EQ(fromPng.jpegImages, 0);
    EXPECT_EQ(fromJpeg.jpegImages, 1);
    const SpectralPeak* p = peakAt(fromPng, 0.25, 0.0);
    const SpectralPeak* j = peakAt(fromJpeg, 0.25, 0.0);
    ASSERT_NE(p, nullptr);
    ASSERT_NE(j, nullptr);
    EXPECT_TRUE(p->upsamplingHarmonic && !p->jpegGrid);
    EXPECT_TRUE(j->upsamplingHarmonic && j->jpegGrid);
    EXPECT_TRUE(fromPng.hasUpsamplingPeak());
    EXPECT_TRUE(fromJpeg.hasUpsamplingPeak(/*countJpegGrid=*/true));
    EXPECT_FALSE(fromJpeg.hasUpsamplingPeak());
}

TEST(Spectrum, FolderAverageRevealsAPatternThatSingleImagesHide) {
    QTemporaryDir dir;
    std::vector<std::string> paths;
    for (int i = 0; i < 16; ++i) {
        paths.push_back((dir.path() + QString("/img%1.png").arg(i)).toStdString());
        writeRgb(paths.back(), withDotGrid(noiseImage(256, 256, 10, 100 + i), 4, 2));
    }
    SpectrumOptions options;
    options.cropSize = 256;
    const Spectrum single = computeSpectrum(loadImage(paths[0]), options);
    const SpectralPeak* weak = peakAt(single, 0.25, 0.0);
    int calls = 0, lastDone = 0;
    const AveragedSpectrum avg = averageSpectrum(paths, options, nullptr, [&](int done, int total, const std::string&) {
        ++calls;
        EXPECT_EQ(done, lastDone + 1);
        lastDone = done;
        EXPECT_EQ(total, 16);
    });
    EXPECT_EQ(calls, 16);
    EXPECT_EQ(avg.spectrum.imagesUsed, 16);
    EXPECT_TRUE(avg.skipped.empty());
    const SpectralPeak* strong = peakAt(avg.spectrum, 0.25, 0.0);
    ASSERT_NE(strong, nullptr) << "the average shows the grid";
    EXPECT_TRUE(strong->upsamplingHarmonic);
    EXPECT_EQ(weak, nullptr) << "one image alone hides it";
    EXPECT_GT(strong->zScore, weak ? weak->zScore : 0.0);
    EXPECT_LT(avg.spectrum.noiseDb, single.noiseDb / 2);  // averaging 16 periodograms steadies them
}

TEST(Spectrum, FolderAverageSkipsBadFilesAndHonoursCancel) {
    QTemporaryDir dir;
    std::vector<std::string> paths;
    for (int i = 0; i < 3; ++i) {
        paths.push_back((dir.path() + QString("/ok%1.png").arg(i)).toStdString());
        writeRgb(paths.back(), noiseImage(80, 70 + i, 10, i));  // different sizes, all above the crop
    }
    const std::string broken = (dir.path() + "/broken.png").toStdString(), small = (dir.path() + "/small.png").toStdString(),
                      missing = (dir.path() + "/missing.png").toStdString();
    writeBytes(broken, {0x89, 'P', 'N', 'G', 1, 2, 3});
    writeRgb(small, noiseImage(40, 40, 10, 9));
    paths.insert(paths.begin() + 1, {broken, small, missing});
    SpectrumOptions options;
    options.cropSize = 64;
    const AveragedSpectrum a = averageSpectrum(paths, options);
    EXPECT_EQ(a.spectrum.imagesUsed, 3);
    EXPECT_EQ(a.spectrum.logPower.size(), cv::Size(64, 64));
    ASSERT_EQ(a.skipped.size(), 3u);
    EXPECT_EQ(a.skipped[0].path, broken);
    EXPECT_EQ(a.skipped[1].path, small);
    EXPECT_NE(a.skipped[1].message.find("smaller"), std::string::npos) << a.skipped[1].message;
    EXPECT_EQ(a.skipped[2].path, missing);

    // Nothing usable: an error, not an empty spectrum.
    try {
        averageSpectrum({broken, small}, options);
        ADD_FAILURE() << "no error";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    }
    // Cancel from the progress callback, after the first image.
    std::atomic<bool> cancel{false};
    try {
        averageSpectrum(paths, options, &cancel, [&](int, int, const std::string&) { cancel = true; });
        ADD_FAILURE() << "not cancelled";
    } catch (const EngineError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
    }
}

TEST(Spectrum, JsonAndRenderingCarryTheResult) {
    cv::Mat rgb = withDotGrid(noiseImage(128, 128, 3, 12), 2, 6);
    const Spectrum s = computeSpectrum(rgb, ResidualMethod::HighPass, 0);
    ASSERT_FALSE(s.peaks.empty());
    const SpectralPeak* nyquist = peakAt(s, 0.5, 0.0);
    ASSERT_NE(nyquist, nullptr) << "a 2-px grid peaks at Nyquist, reported as +0.5";
    EXPECT_NEAR(nyquist->periodX, 2.0, 1e-9);
    const QJsonObject j = toJson(s);
    EXPECT_EQ(j["width"].toInt(), 128);
    EXPECT_EQ(j["peaks"].toArray().size(), int(s.peaks.size()));
    EXPECT_EQ(j["peaks"].toArray()[0].toObject()["fx"].toDouble(), s.peaks[0].fx);
    EXPECT_TRUE(j["has_upsampling_peak"].toBool());
    EXPECT_EQ(j["radial_profile"].toObject()["db"].toArray().size(), int(s.radialProfile.size()));
    const cv::Mat picture = renderSpectrum(s);
    EXPECT_EQ(picture.size(), s.logPower.size());
    EXPECT_EQ(picture.type(), CV_8UC3);
}

TEST(Spectrum, CliAveragesAFolderAndReportsPeakRates) {
    QTemporaryDir dir;
    const QString fakes = dir.path() + "/fakes", reals = dir.path() + "/reals";
    QDir().mkpath(fakes);
    QDir().mkpath(reals);
    for (int i = 0; i < 3; ++i) {
        writeRgb((fakes + QString("/f%1.png").arg(i)).toStdString(), withDotGrid(noiseImage(96, 96, 3, 20 + i), 4, 12));
        writeRgb((reals + QString("/r%1.png").arg(i)).toStdString(), noiseImage(96, 96, 10, 30 + i));
    }
    writeBytes((reals + "/broken.png").toStdString(), {0x89, 'P', 'N', 'G', 1, 2, 3});

    QProcess p;
    p.start(SYNTHSCOPE_CLI, {"spectrum", "--average", "--crop", "64", fakes, "--png", dir.path() + "/avg.png", "--json",
                             dir.path() + "/avg.json", "--device", "cpu"});
    ASSERT_TRUE(p.waitForFinished(120000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    EXPECT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString();
    EXPECT_TRUE(out.contains("UP-SAMPLING")) << out.toStdString();
    EXPECT_FALSE(cv::imread((dir.path() + "/avg.png").toStdString()).empty());
    QFile f(dir.path() + "/avg.json");
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(f.readAll()).object();
    EXPECT_EQ(json["format"].toString(), "synthscope-spectrum/1");
    EXPECT_EQ(json["average"].toObject()["images_used"].toInt(), 3);
    EXPECT_EQ(json["average"].toObject()["width"].toInt(), 64);

    p.start(SYNTHSCOPE_CLI, {"spectrum", "--peak-rate", "--crop", "0", fakes, reals, "--device", "cpu"});
    ASSERT_TRUE(p.waitForFinished(120000));
    const QStringList lines = QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    EXPECT_EQ(p.exitCode(), 2) << "one bad file";
    EXPECT_TRUE(err.contains("broken.png")) << err.toStdString();
    ASSERT_EQ(lines.size(), 3) << lines.join("\n").toStdString();
    EXPECT_TRUE(lines[1].startsWith(fakes) && lines[1].contains("3/3    100.0%")) << lines[1].toStdString();
    EXPECT_TRUE(lines[2].startsWith(reals) && lines[2].contains("0/3      0.0%")) << lines[2].toStdString();

    // One image, the residual from a TorchScript denoiser manifest, the PNG named exactly as given.
    p.start(SYNTHSCOPE_CLI, {"spectrum", fakes + "/f0.png", "--denoiser", QString::fromStdString(testData("box3_denoiser.json")),
                             "--png", dir.path() + "/one.png", "--device", "cpu"});
    ASSERT_TRUE(p.waitForFinished(120000));
    EXPECT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString();
    EXPECT_TRUE(QString::fromUtf8(p.readAllStandardOutput()).contains("denoiser:box3_denoiser"));
    EXPECT_EQ(cv::imread((dir.path() + "/one.png").toStdString()).size(), cv::Size(96, 96));

    p.start(SYNTHSCOPE_CLI, {"spectrum", fakes, "--denoiser", QString::fromStdString(testData("brightness_detector.json"))});
    ASSERT_TRUE(p.waitForFinished(60000));
    EXPECT_EQ(p.exitCode(), 3) << "a detector manifest is not a denoiser";

    p.start(SYNTHSCOPE_CLI, {"spectrum", "--residual", "bogus", fakes});
    ASSERT_TRUE(p.waitForFinished(60000));
    EXPECT_EQ(p.exitCode(), 2);
}
