#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "engine/errors.h"
#include "engine/residual.h"

using namespace synthscope;

namespace {

const ResidualMethod kAll[] = {ResidualMethod::HighPass, ResidualMethod::Median, ResidualMethod::Wavelet, ResidualMethod::NonLocalMeans};

// A smooth colour gradient: a plane per channel, stored exactly (slopes of whole levels per pixel).
cv::Mat gradient(int rows, int cols) {
    cv::Mat rgb(rows, cols, CV_8UC3);
    for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x)
            rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(30 + x), cv::saturate_cast<uchar>(60 + y), cv::saturate_cast<uchar>(20 + x + y));
    return rgb;
}

double maxAbs(const cv::Mat& m) {
    double lo = 0, hi = 0;
    cv::minMaxLoc(m.reshape(1), &lo, &hi);
    return std::max(-lo, hi);
}

double correlation(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat a64, b64;
    a.reshape(1).convertTo(a64, CV_64F);
    b.reshape(1).convertTo(b64, CV_64F);
    a64 -= cv::mean(a64)[0];
    b64 -= cv::mean(b64)[0];
    return a64.dot(b64) / std::sqrt(a64.dot(a64) * b64.dot(b64));
}

}  // namespace

TEST(Residual, ConstantImageHasZeroResidual) {
    const cv::Mat flat(48, 64, CV_8UC3, cv::Scalar(90, 140, 200));
    for (ResidualMethod m : kAll) {
        const cv::Mat r = computeResidual(flat, m);
        ASSERT_EQ(r.type(), CV_32FC3) << residualMethodName(m);
        EXPECT_LT(maxAbs(r), 1e-6) << residualMethodName(m);
    }
}

TEST(Residual, SmoothGradientHasNearZeroResidualInside) {
    const cv::Mat rgb = gradient(64, 96);
    const cv::Rect inside(3, 3, rgb.cols - 6, rgb.rows - 6);  // borders depend on each filter's padding
    for (ResidualMethod m : kAll) {
        const cv::Mat r = computeResidual(rgb, m)(inside);
        // Less than one grey level anywhere: the content is gone.
        EXPECT_LT(maxAbs(r), 1.0 / 255) << residualMethodName(m);
    }
}

TEST(Residual, WaveletAndNlmResidualsFollowAddedNoise) {
    // Smooth content plus Gaussian noise (sigma 8 levels): the residual of a denoiser must be, up to a
    // scale, the noise itself.
    const cv::Mat clean = gradient(128, 128);
    cv::Mat noise(clean.size(), CV_32FC3);
    cv::RNG rng(7);
    rng.fill(noise, cv::RNG::NORMAL, 0, 8);
    cv::Mat clean32, noisy;
    clean.convertTo(clean32, CV_32FC3);
    cv::Mat(clean32 + noise).convertTo(noisy, CV_8UC3);  // saturating, rounding
    cv::Mat actualNoise;  // what was really added, after rounding and clipping
    cv::Mat noisy32;
    noisy.convertTo(noisy32, CV_32FC3);
    actualNoise = noisy32 - clean32;
    for (ResidualMethod m : {ResidualMethod::Wavelet, ResidualMethod::NonLocalMeans}) {
        const cv::Mat r = computeResidual(noisy, m);
        EXPECT_GT(correlation(r, actualNoise), 0.9) << residualMethodName(m);
        // and of the right size: the residual's spread is most of the noise's (8/255)
        cv::Scalar mean, sd;
        cv::meanStdDev(r.reshape(1), mean, sd);
        EXPECT_GT(sd[0], 0.6 * 8 / 255) << residualMethodName(m);
        EXPECT_LT(sd[0], 1.2 * 8 / 255) << residualMethodName(m);
    }
    // The 3x3 filters keep a known share of white noise: x - mean3x3(x) correlates with x by sqrt(8/9).
    EXPECT_NEAR(correlation(computeResidual(noisy, ResidualMethod::HighPass), actualNoise), std::sqrt(8.0 / 9.0), 0.03);
    EXPECT_GT(correlation(computeResidual(noisy, ResidualMethod::Median), actualNoise), 0.7);
}

TEST(Residual, WaveletResidualDoesNotDependOnTheGridPhase) {
    // Content (blocks) plus noise, and the same image rolled by (1, 2) pixels: away from the borders and
    // the seam the residuals must agree. A decimated Haar transform would not (its grid stays put while
    // the content moves), and its grid would show as peaks at 1/4 and 1/2 cycle/pixel in a spectrum.
    // (Rolling rather than cropping keeps the image's statistics, hence the noise threshold, the same.)
    cv::Mat rgb(96, 96, CV_8UC3);
    cv::RNG rng(5);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x)
            for (int c = 0; c < 3; ++c)
                rgb.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(((x / 7 + y / 5 + c) % 3) * 60 + 40 + rng.gaussian(4));
    cv::Mat rolled(rgb.size(), rgb.type());
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x) rolled.at<cv::Vec3b>((y + 2) % rgb.rows, (x + 1) % rgb.cols) = rgb.at<cv::Vec3b>(y, x);
    const cv::Mat a = computeResidual(rgb, ResidualMethod::Wavelet)(cv::Rect(8, 8, 80, 80));
    const cv::Mat b = computeResidual(rolled, ResidualMethod::Wavelet)(cv::Rect(9, 10, 80, 80));
    cv::Scalar mean, sd;
    cv::meanStdDev(a.reshape(1), mean, sd);
    EXPECT_LT(cv::norm(a, b, cv::NORM_INF), 0.02 * sd[0]) << "residual spread " << sd[0];
}

TEST(Residual, KeepsChannelOrder) {
    // Noise in the red channel only: the residual's red channel carries it, blue stays clean.
    cv::Mat rgb(64, 64, CV_8UC3, cv::Scalar(128, 128, 128));
    cv::RNG rng(3);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x) rgb.at<cv::Vec3b>(y, x)[0] = cv::saturate_cast<uchar>(128 + rng.gaussian(10));
    for (ResidualMethod m : {ResidualMethod::HighPass, ResidualMethod::Median, ResidualMethod::Wavelet}) {
        std::vector<cv::Mat> c;
        cv::split(computeResidual(rgb, m), c);
        EXPECT_GT(maxAbs(c[0]), 10.0 / 255) << residualMethodName(m);
        EXPECT_LT(maxAbs(c[2]), 1e-6) << residualMethodName(m);
    }
}

TEST(Residual, KeepsOddAndTinySizes) {
    cv::RNG rng(11);
    for (const cv::Size size : {cv::Size(1, 1), cv::Size(2, 3), cv::Size(3, 2), cv::Size(1, 7), cv::Size(37, 23), cv::Size(65, 33)}) {
        cv::Mat rgb(size, CV_8UC3);
        rng.fill(rgb, cv::RNG::UNIFORM, 0, 256);
        for (ResidualMethod m : kAll) {
            const cv::Mat r = computeResidual(rgb, m);
            EXPECT_EQ(r.size(), size) << residualMethodName(m) << " " << size;
            EXPECT_EQ(r.type(), CV_32FC3);
            EXPECT_TRUE(cv::checkRange(r)) << residualMethodName(m) << " " << size;
            EXPECT_LE(maxAbs(r), 1.0) << residualMethodName(m);  // image minus something within [0,1]
        }
    }
}

TEST(Residual, RejectsWrongInputWithAnEngineError) {
    for (const cv::Mat& bad : {cv::Mat(), cv::Mat(8, 8, CV_8UC1, cv::Scalar(1)), cv::Mat(8, 8, CV_32FC3, cv::Scalar::all(0.5))}) {
        try {
            computeResidual(bad, ResidualMethod::Wavelet);
            ADD_FAILURE() << "no error";
        } catch (const EngineError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        }
    }
}

TEST(Residual, MethodNamesRoundTrip) {
    for (ResidualMethod m : kAll) EXPECT_EQ(parseResidualMethod(residualMethodName(m)), m);
    EXPECT_STREQ(residualMethodName(ResidualMethod::NonLocalMeans), "nlm");
    EXPECT_THROW(parseResidualMethod("gaussian"), std::invalid_argument);
    EXPECT_THROW(parseResidualMethod("HighPass"), std::invalid_argument);
    EXPECT_THROW(parseResidualMethod(""), std::invalid_argument);
}
