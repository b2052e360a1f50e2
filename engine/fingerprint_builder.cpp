#include "engine/fingerprint_builder.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <tuple>
#include <stdexcept>

#include "engine/errors.h"
#include "engine/fingerprint_match.h"
#include "engine/image_loader.h"

namespace synthscope {
namespace {

// Zero mean and unit variance over all values, in double precision (the accumulators of the means).
cv::Mat standardised(const cv::Mat& residual) {
    cv::Mat d;
    residual.convertTo(d, CV_64FC3);
    cv::Scalar mean, stddev;
    cv::meanStdDev(d.reshape(1), mean, stddev);
    const double sd = stddev[0] > 1e-12 ? stddev[0] : 1.0;
    return (d - cv::Scalar::all(mean[0])) / sd;
}

double correlation64(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat fa, fb;
    a.convertTo(fa, CV_32FC3);
    b.convertTo(fb, CV_32FC3);
    return correlation(fa, fb);
}

cv::Mat reencodeJpeg(const cv::Mat& rgb8, int quality) {
    cv::Mat bgr, decoded, rgb;
    cv::cvtColor(rgb8, bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> bytes;
    if (!cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality})) throw EngineError(ErrorKind::Internal, "JPEG re-encoding failed");
    decoded = cv::imdecode(bytes, cv::IMREAD_COLOR);
    cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

// Mean and (sample) standard deviation.
std::pair<double, double> meanAndSpread(const std::vector<double>& v) {
    double sum = 0, sq = 0;
    for (double x : v) sum += x;
    const double mean = sum / double(v.size());
    for (double x : v) sq += (x - mean) * (x - mean);
    return {mean, v.size() > 1 ? std::sqrt(sq / double(v.size() - 1)) : 0.0};
}

void checkSet(const std::vector<cv::Mat>& set, const char* what, cv::Size size) {
    for (const cv::Mat& m : set)
        if (m.type() != CV_32FC3 || m.size() != size) throw badInput(std::string("every ") + what + " residual must be a CV_32FC3 crop of one size.");
}

}  // namespace

ResidualCrops loadResidualCrops(const std::vector<std::string>& imagePaths, int size, const ResidualSource& source,
                                const ImageProgress& progress, const std::atomic<bool>* cancel, int jpegQuality) {
    if (jpegQuality < 0 || jpegQuality > 100) throw std::invalid_argument("loadResidualCrops: jpegQuality must be 0 to 100");
    ResidualCrops out;
    for (std::size_t i = 0; i < imagePaths.size(); ++i) {
        if (cancel && cancel->load()) throw cancelled();
        try {
            const LoadedImage image = loadImage(imagePaths[i]);
            out.residuals.push_back(centreResidual(jpegQuality > 0 ? reencodeJpeg(image.rgb, jpegQuality) : image.rgb, size, source));
            out.paths.push_back(imagePaths[i]);
        } catch (const EngineError& e) {
            if (e.kind() == ErrorKind::Cancelled) throw;
            out.skipped.push_back(imagePaths[i] + ": " + e.what());
        }
        if (progress) progress(int(i + 1), int(imagePaths.size()));
    }
    return out;
}

Fingerprint buildMeanFingerprint(const std::string& name, const std::vector<cv::Mat>& fakes, const std::vector<cv::Mat>& reals,
                                 bool subtractReals, double clip) {
    if (fakes.size() < 2 || reals.size() < 2)
        throw badInput("a fingerprint needs at least two usable images of the generator and two real ones (have " +
                       std::to_string(fakes.size()) + " and " + std::to_string(reals.size()) + ").");
    const cv::Size size = fakes.front().size();
    checkSet(fakes, "generator", size);
    checkSet(reals, "real", size);
    // Two passes over the residuals (sums, then leave-one-out correlations) rather than keeping standardised
    // copies: 1000 + 1000 crops of 256 x 256 would need 3 GB of them.
    auto prepared = [clip](const cv::Mat& m) { return standardised(clipResidual(m, clip)); };
    cv::Mat sumF = cv::Mat::zeros(size, CV_64FC3), sumR = cv::Mat::zeros(size, CV_64FC3);
    for (const cv::Mat& m : fakes) sumF += prepared(m);
    for (const cv::Mat& m : reals) sumR += prepared(m);
    const double nF = double(fakes.size()), nR = double(reals.size());
    const double realWeight = subtractReals ? 1.0 : 0.0;
    const cv::Mat meanF = sumF / nF, meanR = sumR / nR;
    cv::Mat pattern64 = meanF - realWeight * meanR;

    std::vector<double> fakeCorr, realCorr;
    for (const cv::Mat& m : fakes) {
        const cv::Mat x = prepared(m);
        fakeCorr.push_back(correlation64(x, (sumF - x) / (nF - 1) - realWeight * meanR));
    }
    for (const cv::Mat& m : reals) {
        const cv::Mat x = prepared(m);
        realCorr.push_back(correlation64(x, meanF - realWeight * (sumR - x) / (nR - 1)));
    }

    double lo = 0, hi = 0;
    cv::minMaxLoc(pattern64.reshape(1), &lo, &hi);
    const double peak = std::max({std::abs(lo), std::abs(hi), 1e-12});
    Fingerprint fp;
    fp.name = name;
    pattern64.convertTo(fp.pattern, CV_32FC3, 1.0 / peak);
    std::tie(fp.muFake, fp.sigmaFake) = meanAndSpread(fakeCorr);
    std::tie(fp.muReal, fp.sigmaReal) = meanAndSpread(realCorr);
    fp.clip = clip;
    return fp;
}

const char* buildMethodName(BuildMethod method) { return method == BuildMethod::Learned ? "learned" : "mean"; }

BuildMethod parseBuildMethod(const std::string& name) {
    if (name == "mean") return BuildMethod::Mean;
    if (name == "learned") return BuildMethod::Learned;
    throw std::invalid_argument("unknown build method \"" + name + "\" (mean or learned)");
}

Fingerprint buildFingerprint(const ResidualCrops& fakes, const ResidualCrops& reals, const BuildOptions& o,
                             const TrainingCallback& progress, const std::atomic<bool>* cancel) {
    Fingerprint fp;
    QJsonObject sidecar{{"method", buildMethodName(o.method)},
                        {"fakes", int(fakes.residuals.size())},
                        {"reals", int(reals.residuals.size())},
                        {"crop", o.size}};
    if (o.method == BuildMethod::Mean) {
        if (cancel && cancel->load()) throw cancelled();
        fp = buildMeanFingerprint(o.name, fakes.residuals, reals.residuals, o.subtractReals, o.clip);
        sidecar["subtract_reals"] = o.subtractReals;
        sidecar["note"] = "SynthScope training-free fingerprint: mean standardised residual of the generator's centre crops" +
                          QString(o.subtractReals ? " minus that of the real ones" : "") +
                          "; mu_* = leave-one-out mean correlation of the training images";
    } else {
        auto clipped = [&](const std::vector<cv::Mat>& set) {
            std::vector<cv::Mat> out;
            for (const cv::Mat& m : set) out.push_back(clipResidual(m, o.clip));
            return out;
        };
        const LearnedFingerprint learned = o.clip > 0 ? trainFingerprint(clipped(fakes.residuals), clipped(reals.residuals), o.training, progress, cancel)
                                                      : trainFingerprint(fakes.residuals, reals.residuals, o.training, progress, cancel);
        fp.name = o.name;
        fp.pattern = learned.pattern;
        fp.muReal = learned.muReal;
        fp.muFake = learned.muFake;
        fp.sigmaReal = learned.sigmaReal;
        fp.sigmaFake = learned.sigmaFake;
        fp.clip = o.clip;
        sidecar["steps"] = int(learned.loss.size());
        sidecar["learning_rate"] = o.training.learningRate;
        sidecar["batch_size"] = o.training.batchSize;
        sidecar["unet_width"] = o.training.net.width;
        sidecar["unet_depth"] = o.training.net.depth;
        sidecar["final_loss"] = learned.loss.empty() ? 0.0 : double(learned.loss.back());
        sidecar["device"] = QString::fromStdString(learned.device);
        sidecar["note"] = "SynthScope DIF-style learned fingerprint (U-Net from fixed noise, contrastive correlation loss); "
                          "mu_* = mean correlation of the training images with the final fingerprint";
    }
    if (!(std::abs(fp.muFake - fp.muReal) > 1e-12))
        throw badInput("the fingerprint built for " + o.name + " correlates equally with the generator's and the real images; it cannot tell them apart.");
    fp.residual = o.residual.name();
    fp.sidecarJson = QJsonDocument(sidecar).toJson(QJsonDocument::Compact).toStdString();
    return fp;
}

}  // namespace synthscope
