// synthscope fingerprint evaluate / crossval: the measurements behind the fingerprint library, as
// commands that print figures (they read whole data sets, so they are not unit tests).
#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>

#include "app/cli/exit_codes.h"
#include "app/cli/fingerprint_cli.h"
#include "engine/errors.h"
#include "engine/fingerprint.h"
#include "engine/fingerprint_builder.h"
#include "engine/fingerprint_match.h"
#include "engine/image_loader.h"

namespace synthscope::cli::fingerprint {
namespace {

// Accuracy (%) of the published DIF fingerprints (1024 training samples each) as stated in the authors'
// repository, github.com/sergo2020/DIF_pytorch_official, README "expected accuracy values": the mean of
// real and fake accuracy of eval_dif.py, measured with their DnCNN residuals.
const std::map<std::string, double> kPaperAccuracy = {
    {"sd14", 99.3},     {"sd21", 89.5},     {"mj", 99.0},      {"dalle_mini", 99.0}, {"glide", 90.3},
    {"dalle_2", 79.5},  {"cyclegan", 94.4}, {"stylegan", 91.5}, {"stylegan2", 99.9},  {"stargan", 96.9},
    {"biggan", 91.8},   {"gaugan", 92.6},   {"progan", 57.7},
};

double seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / double(v.size());
}

double pct(int n, int d) { return d > 0 ? 100.0 * n / d : 0.0; }

std::vector<double> clipList(const QString& text, const char* command, bool& ok) {
    ok = true;
    std::vector<double> out;
    for (const QString& part : text.split(',', Qt::SkipEmptyParts)) {
        bool good = false;
        const double k = part.trimmed().toDouble(&good);
        if (!good || k < 0 || k > 100) {
            std::fprintf(stderr, "synthscope fingerprint %s: --clip takes numbers from 0 to 100, comma-separated\n", command);
            ok = false;
            return {};
        }
        out.push_back(k);
    }
    if (out.empty()) out.push_back(0);
    return out;
}

// DIF's rule with centres re-measured leave-one-out on the evaluated images themselves: how well the
// fingerprint separates the classes once its centres are put where our residual puts them.
int looCorrect(const std::vector<double>& own, const std::vector<double>& other) {
    int correct = 0;
    const double otherMean = mean(other);
    double sum = 0;
    for (double x : own) sum += x;
    for (double x : own) {
        const double ownMean = own.size() > 1 ? (sum - x) / double(own.size() - 1) : x;
        const bool nearerOwn = std::abs(x - ownMean) < std::abs(x - otherMean);
        correct += nearerOwn ? 1 : 0;
    }
    return correct;
}

}  // namespace

int runEvaluate(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Accuracy of a fingerprint library on DIF's sample sets, beside the figures of the DIF authors.\n"
        "DIF_ROOT holds <generator>/0_real and <generator>/1_fake; each generator with a fingerprint of the\n"
        "same name is evaluated with DIF's rule (nearest of the fingerprint's mu_real / mu_fake), with the\n"
        "centres re-measured leave-one-out on the evaluated images (our residuals are not DIF's DnCNN), and\n"
        "as attribution among all fingerprints (the top-scored generator of each fake).");
    parser.addPositionalArgument("DIF_ROOT", "folder of <generator>/0_real and 1_fake folders");
    parser.addOptions({
        {"library", "folder of <generator>.npy + <generator>.json fingerprints", "DIR"},
        {"residual", "highpass, median, wavelet, nlm, denoiser (learned), a comma-separated list, or all", "METHOD", "all"},
        denoiserOption(),
        {"crops", "crops averaged per image: 1 = DIF's centre crop", "N", "1"},
        {"stride", "grid step between crops when --crops > 1", "N", "128"},
        {"clip", "clip residuals at K robust standard deviations; a comma-separated list compares several (0: none, as DIF)", "K", "0,3"},
    });
    if (const int rc = parseOrExit(parser, args, "evaluate"); rc >= 0) return rc;
    bool clipsOk = true;
    std::vector<ResidualSource> residuals;
    const bool ok = parseResidualList(parser, "evaluate", residuals);
    const std::vector<double> clips = clipList(parser.value("clip"), "evaluate", clipsOk);
    // Every (residual, clip) pair is one configuration, evaluated on the same images.
    std::vector<std::pair<ResidualSource, double>> methods;
    for (const ResidualSource& r : residuals)
        for (double k : clips) methods.emplace_back(r, k);
    MatchOptions match;
    if (!ok || !clipsOk || !intOption(parser, "crops", 1, 64, match.maxCrops, "evaluate") || !intOption(parser, "stride", 8, 4096, match.stride, "evaluate"))
        return kExitBadInput;
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "synthscope fingerprint evaluate: give one DIF_ROOT folder\n");
        return kExitBadInput;
    }
    std::string error;
    const QString libraryDir = resolveLibrary(parser.value("library"), error);
    if (!error.empty()) {
        std::fprintf(stderr, "synthscope fingerprint evaluate: %s\n", error.c_str());
        return kExitBadInput;
    }
    FingerprintLibrary library;
    try {
        library = loadFingerprintLibrary(QFile::encodeName(libraryDir).toStdString());
    } catch (const EngineError& e) {
        std::fprintf(stderr, "synthscope fingerprint evaluate: %s\n", e.what());
        return kExitBadInput;
    }
    for (const std::string& e : library.errors) std::fprintf(stderr, "skipped fingerprint: %s\n", e.c_str());
    std::map<std::string, const Fingerprint*> byName;
    for (const Fingerprint& f : library.fingerprints) byName[f.name] = &f;

    const QDir root(parser.positionalArguments().front());
    std::vector<std::string> generators;
    for (const QString& g : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
        if (QFileInfo(root.filePath(g + "/0_real")).isDir() && QFileInfo(root.filePath(g + "/1_fake")).isDir()) {
            if (byName.count(g.toStdString())) generators.push_back(g.toStdString());
            else std::fprintf(stderr, "no fingerprint for %s: skipped\n", qPrintable(g));
        }
    if (generators.empty()) {
        std::fprintf(stderr, "synthscope fingerprint evaluate: no <generator>/0_real + 1_fake folder in %s has a fingerprint in %s\n",
                     qPrintable(root.path()), qPrintable(libraryDir));
        return kExitBadInput;
    }
    std::fprintf(stderr, "%zu fingerprints from %s; %zu generators in %s\n", library.fingerprints.size(), qPrintable(libraryDir),
                 generators.size(), qPrintable(root.path()));

    // Correlations: [method][generator] -> per image, the attribution over the whole library.
    struct Sample {
        bool fake = false;
        FingerprintAttribution attribution;
    };
    std::vector<std::map<std::string, std::vector<Sample>>> samples(methods.size());
    const auto t0 = std::chrono::steady_clock::now();
    int failed = 0;
    for (const std::string& g : generators) {
        for (const char* cls : {"0_real", "1_fake"}) {
            for (const std::string& path : imagesIn(root.filePath(QString::fromStdString(g) + "/" + cls))) {
                try {
                    const LoadedImage image = loadImage(path);
                    for (std::size_t m = 0; m < methods.size(); ++m) {
                        MatchOptions o = match;
                        o.residual = methods[m].first;
                        o.clip = methods[m].second;
                        samples[m][g].push_back({cls[0] == '1', attributeByFingerprints(image.rgb, library.fingerprints, o)});
                    }
                } catch (const EngineError& e) {
                    ++failed;
                    std::fprintf(stderr, "FAILED  %s\n", e.what());
                }
            }
        }
    }
    std::printf("Evaluated in %.1f s (%s, %d crop%s per image).\n", seconds(t0), match.maxCrops == 1 ? "DIF's centre crop" : "crop grid",
                match.maxCrops, match.maxCrops == 1 ? "" : "s");
    std::printf("paper: DIF authors' accuracy (DnCNN residuals, their full test sets). acc/real/fake: DIF's rule with the published\n"
                "centres. LOO: centres re-measured leave-one-out on these images. top-1: the fake's top-scored generator among the\n"
                "%zu fingerprints is its own. corr: mean correlation of reals / fakes with their generator's fingerprint.\n",
                library.fingerprints.size());
    for (std::size_t m = 0; m < methods.size(); ++m) {
        std::printf("\nResidual %s, clip %g\n", methods[m].first.name().c_str(), methods[m].second);
        std::printf("%-12s %6s | %6s %6s %6s | %6s | %6s | %9s %9s | %9s %9s\n", "generator", "paper", "acc", "real", "fake", "LOO", "top-1",
                    "corr real", "corr fake", "mu_real", "mu_fake");
        std::vector<double> accs, loos, tops, papers;
        for (const std::string& g : generators) {
            const Fingerprint& f = *byName[g];
            std::vector<double> real, fake;
            int realOk = 0, fakeOk = 0, top = 0;
            for (const Sample& s : samples[m][g]) {
                const auto it = std::find_if(s.attribution.ranking.begin(), s.attribution.ranking.end(),
                                             [&](const GeneratorMatch& x) { return x.generator == g; });
                if (it == s.attribution.ranking.end()) continue;
                (s.fake ? fake : real).push_back(it->correlation);
                if (s.fake) {
                    fakeOk += it->nearerFake ? 1 : 0;
                    top += s.attribution.ranking.front().generator == g ? 1 : 0;
                } else {
                    realOk += it->nearerFake ? 0 : 1;
                }
            }
            const double realAcc = pct(realOk, int(real.size())), fakeAcc = pct(fakeOk, int(fake.size()));
            const double acc = 0.5 * (realAcc + fakeAcc);
            const double loo = 0.5 * (pct(looCorrect(real, fake), int(real.size())) + pct(looCorrect(fake, real), int(fake.size())));
            const double topAcc = pct(top, int(fake.size()));
            const auto paper = kPaperAccuracy.find(g);
            accs.push_back(acc);
            loos.push_back(loo);
            tops.push_back(topAcc);
            if (paper != kPaperAccuracy.end()) papers.push_back(paper->second);
            std::printf("%-12s %6s | %6.1f %6.1f %6.1f | %6.1f | %6.1f | %+9.5f %+9.5f | %+9.5f %+9.5f\n", g.c_str(),
                        paper == kPaperAccuracy.end() ? "-" : QByteArray::number(paper->second, 'f', 1).constData(), acc, realAcc, fakeAcc,
                        loo, topAcc, mean(real), mean(fake), f.muReal, f.muFake);
        }
        std::printf("%-12s %6.1f | %6.1f %6s %6s | %6.1f | %6.1f |\n", "mean", mean(papers), mean(accs), "", "", mean(loos), mean(tops));
    }
    std::fflush(stdout);
    return failed > 0 ? kExitBadInput : kExitOk;
}

namespace {

struct Split {
    std::vector<cv::Mat> train, test;
};

// Shuffles (seeded) and splits residuals: the first round(holdout * n) are held back, at most maxTrain of
// the rest are used for training.
Split split(std::vector<cv::Mat> all, double holdout, int maxTrain, std::mt19937_64& rng) {
    std::shuffle(all.begin(), all.end(), rng);
    const std::size_t nTest = std::size_t(std::lround(holdout * double(all.size())));
    Split s;
    s.test.assign(all.begin(), all.begin() + long(std::min(nTest, all.size())));
    for (std::size_t i = s.test.size(); i < all.size() && (maxTrain <= 0 || int(s.train.size()) < maxTrain); ++i) s.train.push_back(all[i]);
    return s;
}

}  // namespace

int runCrossval(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Build a fingerprint per generator from part of its images (and part of the real images), then measure\n"
        "on the held-back images: detection (DIF's rule with the generator's own fingerprint, real vs its fakes),\n"
        "closed-set attribution (the held-back fake's top-scored generator is its own; chance = 1/generators) and\n"
        "open-set attribution (that, and nearer its fake centre; reals: no fingerprint claims them).");
    parser.addOptions({
        {"generators", "folder of one subfolder of images per generator", "DIR"},
        {"reals", "folder of real images", "DIR"},
        {"holdout", "fraction of each folder held back for testing", "F", "0.3"},
        {"max-train", "use at most N training images per generator (0: all)", "N", "0"},
        {"method", "mean, mean-keep (no real subtraction), learned, a comma-separated list, or all", "METHODS", "mean"},
        {"residual", "highpass, median, wavelet, nlm, denoiser (learned), a comma-separated list, or all", "METHOD", "highpass"},
        denoiserOption(),
        {"clip", "clip residuals at K robust standard deviations; a comma-separated list compares several", "K", "3"},
        {"crop", "crop side", "N", "256"},
        {"jpeg", "re-encode every image (fakes and reals) as JPEG of quality Q first, against the format shortcut (0: off)", "Q", "0"},
        {"steps", "learned: optimiser steps per generator", "N", "60"},
        {"batch-size", "learned: residuals per step", "N", "16"},
        {"lr", "learned: AdamW learning rate", "X", "0.0005"},
        {"width", "learned: U-Net width", "N", "16"},
        {"threads", "learned: CPU threads (0: LibTorch's default)", "N", "1"},
        {"device", "learned: auto, cpu or cuda", "DEVICE", "auto"},
        {"seed", "split and training seed", "N", "1"},
        {"out", "also save the built fingerprints into DIR/<method>-<residual>/", "DIR"},
    });
    if (const int rc = parseOrExit(parser, args, "crossval"); rc >= 0) return rc;
    bool clipsOk = true;
    std::vector<ResidualSource> methods;
    const bool ok = parseResidualList(parser, "crossval", methods);
    const std::vector<double> clips = clipList(parser.value("clip"), "crossval", clipsOk);
    double holdout = 0.3;
    int maxTrain = 0, crop = 256, seed = 1, jpeg = 0;
    TrainerOptions training;
    if (!ok || !clipsOk || !doubleOption(parser, "holdout", 0.05, 0.95, holdout, "crossval") || !intOption(parser, "max-train", 0, 100000, maxTrain, "crossval") ||
        !intOption(parser, "crop", 16, 2048, crop, "crossval") || !intOption(parser, "steps", 1, 1000000, training.steps, "crossval") ||
        !intOption(parser, "batch-size", 2, 1024, training.batchSize, "crossval") || !doubleOption(parser, "lr", 1e-7, 1.0, training.learningRate, "crossval") ||
        !intOption(parser, "width", 1, 256, training.net.width, "crossval") || !intOption(parser, "threads", 0, 1024, training.threads, "crossval") ||
        !intOption(parser, "seed", 0, 1 << 30, seed, "crossval") || !intOption(parser, "jpeg", 0, 100, jpeg, "crossval"))
        return kExitBadInput;
    training.device = parser.value("device").toStdString();
    training.seed = std::uint64_t(seed);
    QStringList variants = parser.value("method").split(',', Qt::SkipEmptyParts);
    if (variants == QStringList{"all"}) variants = {"mean", "mean-keep", "learned"};
    for (const QString& v : variants)
        if (v != "mean" && v != "mean-keep" && v != "learned") {
            std::fprintf(stderr, "synthscope fingerprint crossval: unknown method '%s' (mean, mean-keep, learned)\n", qPrintable(v));
            return kExitBadInput;
        }
    for (const char* dir : {"generators", "reals"})
        if (!QFileInfo(parser.value(dir)).isDir()) {
            std::fprintf(stderr, "synthscope fingerprint crossval: --%s must be a folder\n", dir);
            return kExitBadInput;
        }
    const QDir genRoot(parser.value("generators"));
    const QStringList generators = genRoot.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    if (generators.size() < 2) {
        std::fprintf(stderr, "synthscope fingerprint crossval: --generators needs at least two generator subfolders\n");
        return kExitBadInput;
    }
    installCancelHandler();
    try {
        for (const ResidualSource& method : methods) {
            const auto t0 = std::chrono::steady_clock::now();
            std::mt19937_64 rng{std::uint64_t(seed)};
            std::vector<std::string> names;
            std::vector<Split> fakes;
            for (const QString& g : generators) {
                const ResidualCrops crops = loadResidualCrops(imagesIn(genRoot.filePath(g)), crop, method, {}, &cancelFlag(), jpeg);
                for (const std::string& s : crops.skipped) std::fprintf(stderr, "skipped %s\n", s.c_str());
                names.push_back(g.toStdString());
                fakes.push_back(split(crops.residuals, holdout, maxTrain, rng));
            }
            const ResidualCrops realCrops = loadResidualCrops(imagesIn(parser.value("reals")), crop, method, {}, &cancelFlag(), jpeg);
            const Split reals = split(realCrops.residuals, holdout, 0, rng);
            std::printf("\nResidual %s%s: %zu generators, reals %zu train / %zu test; residuals in %.1f s\n", method.name().c_str(),
                        jpeg > 0 ? (", all re-encoded as JPEG " + std::to_string(jpeg)).c_str() : "", names.size(), reals.train.size(),
                        reals.test.size(), seconds(t0));
            for (const QString& variant : variants)
            for (const double clip : clips) {
                const auto t1 = std::chrono::steady_clock::now();
                // Clipped once here rather than by the builder for every generator (the reals are shared).
                auto clipped = [clip](const std::vector<cv::Mat>& set) {
                    std::vector<cv::Mat> out;
                    for (const cv::Mat& m : set) out.push_back(clipResidual(m, clip));
                    return out;
                };
                ResidualCrops r;
                r.residuals = clipped(reals.train);
                std::vector<Fingerprint> fps;
                for (std::size_t g = 0; g < names.size(); ++g) {
                    ResidualCrops f;
                    f.residuals = clipped(fakes[g].train);
                    BuildOptions o;
                    o.name = names[g];
                    o.residual = method;
                    o.size = crop;
                    o.method = variant == "learned" ? BuildMethod::Learned : BuildMethod::Mean;
                    o.subtractReals = variant != "mean-keep";
                    o.clip = 0;  // already clipped
                    o.training = training;
                    fps.push_back(buildFingerprint(f, r, o, {}, &cancelFlag()));
                    fps.back().clip = clip;
                    if (variant == "learned") std::fprintf(stderr, "  learned %s in %.1f s\n", names[g].c_str(), seconds(t1));
                }
                const double buildSeconds = seconds(t1);
                if (parser.isSet("out")) {
                    const std::string dir = QFile::encodeName(parser.value("out")).toStdString() + "/" + variant.toStdString() + "-" +
                                            method.name() + "-clip" + QByteArray::number(clip).toStdString();
                    for (const Fingerprint& f : fps) saveFingerprint(f, dir);
                }
                // corr[g][k][i]: held-back fake i of generator g against fingerprint k; realCorr[k][i] likewise.
                auto correlateAll = [&](const std::vector<cv::Mat>& test) {
                    std::vector<std::vector<double>> c(fps.size());
                    for (const cv::Mat& x : test) {
                        const cv::Mat clipped = clipResidual(x, clip);  // as the fingerprints' centres were measured
                        for (std::size_t k = 0; k < fps.size(); ++k) c[k].push_back(correlation(clipped, fps[k].pattern));
                    }
                    return c;
                };
                const std::vector<std::vector<double>> realCorr = correlateAll(reals.test);
                const bool byEvidence = rankByEvidence(fps);
                std::printf("\n  %s, clip %g (built in %.1f s)\n", variant.toUtf8().constData(), clip, buildSeconds);
                std::printf("  %-20s %5s %5s | %7s %7s %7s | %7s %7s | %9s %9s\n", "generator", "train", "test", "det", "real", "fake", "closed", "open",
                            "mu_real", "mu_fake");
                int closedTotal = 0, openTotal = 0, testTotal = 0;
                std::vector<double> dets;
                for (std::size_t g = 0; g < names.size(); ++g) {
                    const std::vector<std::vector<double>> c = correlateAll(fakes[g].test);
                    int fakeOk = 0, closed = 0, open = 0, realOk = 0;
                    const std::size_t n = fakes[g].test.size();
                    for (std::size_t i = 0; i < n; ++i) {
                        fakeOk += fps[g].nearerFake(c[g][i]) ? 1 : 0;
                        // The ranking attributeByFingerprints() uses: evidence when the fingerprints have spreads.
                        auto key = [&](std::size_t k) { return byEvidence ? fps[k].evidence(c[k][i]) : fps[k].score(c[k][i]); };
                        std::size_t best = 0;
                        for (std::size_t k = 1; k < fps.size(); ++k)
                            if (key(k) > key(best)) best = k;
                        closed += best == g ? 1 : 0;
                        open += best == g && fps[g].nearerFake(c[g][i]) ? 1 : 0;
                    }
                    for (double x : realCorr[g]) realOk += fps[g].nearerFake(x) ? 0 : 1;
                    const double realAcc = pct(realOk, int(realCorr[g].size())), fakeAcc = pct(fakeOk, int(n));
                    dets.push_back(0.5 * (realAcc + fakeAcc));
                    closedTotal += closed;
                    openTotal += open;
                    testTotal += int(n);
                    std::printf("  %-20s %5zu %5zu | %7.1f %7.1f %7.1f | %7.1f %7.1f | %+9.5f %+9.5f\n", names[g].c_str(), fakes[g].train.size(), n,
                                dets.back(), realAcc, fakeAcc, pct(closed, int(n)), pct(open, int(n)), fps[g].muReal, fps[g].muFake);
                }
                int rejected = 0;
                for (std::size_t i = 0; i < reals.test.size(); ++i) {
                    bool claimed = false;
                    for (std::size_t k = 0; k < fps.size(); ++k) claimed |= fps[k].nearerFake(realCorr[k][i]);
                    rejected += claimed ? 0 : 1;
                }
                std::printf("  %-20s %5s %5d | %7.1f %7s %7s | %7.1f %7.1f |  (chance closed-set %.1f%%)\n", "all", "", testTotal, mean(dets), "", "",
                            pct(closedTotal, testTotal), pct(openTotal, testTotal), 100.0 / double(names.size()));
                std::printf("  held-back reals claimed by no fingerprint: %d / %zu (%.1f%%)\n", rejected, reals.test.size(),
                            pct(rejected, int(reals.test.size())));
                std::fflush(stdout);
            }
        }
    } catch (const EngineError& e) {
        std::fprintf(stderr, "synthscope fingerprint crossval: %s\n", e.what());
        return e.kind() == ErrorKind::BadInput || e.kind() == ErrorKind::Cancelled ? kExitBadInput : kExitInternal;
    }
    return kExitOk;
}

}  // namespace synthscope::cli::fingerprint
