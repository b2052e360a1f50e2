// synthscope fingerprint: generator fingerprints after Deep Image Fingerprint (Sinitsa & Fried, WACV 2024).
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "app/cli/cli_support.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/fingerprint_cli.h"
#include "engine/errors.h"
#include "engine/file_collector.h"
#include "engine/fingerprint.h"
#include "engine/fingerprint_builder.h"
#include "engine/fingerprint_match.h"
#include "engine/fingerprint_trainer.h"
#include "engine/image_loader.h"
#include "engine/model_registry.h"

namespace synthscope::cli {
namespace fingerprint {

namespace {
std::atomic<bool> gCancel{false};
void onSigint(int) { gCancel.store(true); }  // lock-free atomic store: safe in a signal handler
}  // namespace

std::atomic<bool>& cancelFlag() { return gCancel; }
void installCancelHandler() { std::signal(SIGINT, onSigint); }

QString resolveLibrary(const QString& given, std::string& error) {
    try {
        return QFile::decodeName(resolveFingerprintLibrary(QFile::encodeName(given).toStdString()).c_str());
    } catch (const EngineError& e) {
        error = e.what();
        return {};
    }
}

std::vector<std::string> imagesIn(const QString& dir) {
    std::vector<std::string> files = collectImageFiles({QFile::encodeName(dir).toStdString()}).images;
    std::sort(files.begin(), files.end());
    return files;
}

QCommandLineOption denoiserOption() {
    return {"denoiser", "the learned denoiser --residual denoiser uses (a synthscope-denoiser/1 manifest; default: the installed one)",
            "MANIFEST"};
}

namespace {

// The --denoiser, else the installed one, loaded into out. None at all is an error when required, else
// leaves out without a denoiser.
bool learnedDenoiser(const QCommandLineParser& parser, const char* command, bool required, ResidualSource& out) {
    const std::string manifest = parser.isSet("denoiser") ? QFile::encodeName(parser.value("denoiser")).toStdString() : resolveDenoiser();
    if (manifest.empty()) {
        if (!required) return true;
        std::fprintf(stderr, "synthscope fingerprint %s: no learned denoiser is installed (models/denoiser): give --denoiser MANIFEST\n", command);
        return false;
    }
    try {
        out = ResidualSource(ResidualMethod::HighPass, TorchDenoiser::open(loadDenoiserManifest(manifest)));
        return true;
    } catch (const EngineError& e) {
        std::fprintf(stderr, "synthscope fingerprint %s: %s\n", command, e.what());
        return false;
    }
}

}  // namespace

bool parseResidualList(const QCommandLineParser& parser, const char* command, std::vector<ResidualSource>& out) {
    out.clear();
    const QString text = parser.value("residual");
    if (text == "all") {
        for (ResidualMethod m : {ResidualMethod::HighPass, ResidualMethod::Median, ResidualMethod::Wavelet, ResidualMethod::NonLocalMeans})
            out.emplace_back(m);
        ResidualSource learned;
        if (!learnedDenoiser(parser, command, false, learned)) return false;
        if (learned.denoiser) out.push_back(learned);
        return true;
    }
    for (const QString& part : text.split(',', Qt::SkipEmptyParts)) {
        const QString name = part.trimmed();
        ResidualSource source;
        if (name == "denoiser") {
            if (!learnedDenoiser(parser, command, true, source)) return false;
        } else {
            try {
                source = parseResidualMethod(name.toStdString());
            } catch (const std::invalid_argument& e) {
                std::fprintf(stderr, "synthscope fingerprint %s: %s (or denoiser)\n", command, e.what());
                return false;
            }
        }
        out.push_back(source);
    }
    if (out.empty()) {
        std::fprintf(stderr, "synthscope fingerprint %s: --residual names no residual\n", command);
        return false;
    }
    return true;
}

bool parseResidual(const QCommandLineParser& parser, const char* command, std::optional<ResidualSource>& out) {
    out.reset();
    if (parser.value("residual").isEmpty()) return true;
    if (parser.value("residual").contains(',') || parser.value("residual") == "all") {
        std::fprintf(stderr, "synthscope fingerprint %s: --residual takes one method here\n", command);
        return false;
    }
    std::vector<ResidualSource> list;
    if (!parseResidualList(parser, command, list)) return false;
    if (!list.empty()) out = list.front();
    return true;
}

bool intOption(const QCommandLineParser& parser, const char* name, int lo, int hi, int& out, const char* command) {
    bool ok = false;
    out = parser.value(name).toInt(&ok);
    if (ok && out >= lo && out <= hi) return true;
    std::fprintf(stderr, "synthscope fingerprint %s: --%s must be a whole number from %d to %d\n", command, name, lo, hi);
    return false;
}

bool doubleOption(const QCommandLineParser& parser, const char* name, double lo, double hi, double& out, const char* command) {
    bool ok = false;
    out = parser.value(name).toDouble(&ok);
    if (ok && out >= lo && out <= hi) return true;
    std::fprintf(stderr, "synthscope fingerprint %s: --%s must be a number from %g to %g\n", command, name, lo, hi);
    return false;
}

int parseOrExit(QCommandLineParser& parser, const QStringList& args, const char* command) {
    parser.addHelpOption();
    if (!parser.parse(args)) {
        std::fprintf(stderr, "synthscope fingerprint %s: %s\nRun 'synthscope fingerprint %s --help'.\n", command,
                     qPrintable(parser.errorText()), command);
        return kExitBadInput;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    return -1;
}

namespace {

// An 8-bit BGR picture of a float image, contrast stretched to its own range (fingerprints are faint).
bool writeStretched(const std::string& path, const cv::Mat& image) {
    cv::Mat eight = stretchTo8Bit(image);
    if (eight.channels() == 3) cv::cvtColor(eight, eight, cv::COLOR_RGB2BGR);
    return cv::imwrite(path, eight);
}

int runAttribute(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Rank generators by the correlation of each image's noise residual with their fingerprints (DIF).\n"
        "Per fingerprint, an image whose correlation is nearer the fingerprint's fake centre (mu_fake) than its\n"
        "real centre (mu_real) is attributed to that generator; score = 0 at mu_real, 1 at mu_fake. Generators\n"
        "are ranked by evidence (log-likelihood ratio, for fingerprints that record their spreads, as those\n"
        "built by 'synthscope fingerprint build' do), else by score.");
    parser.addPositionalArgument("IMAGE", "image files or folders", "IMAGE...");
    parser.addOptions({
        {"library", "folder of <generator>.npy + <generator>.json fingerprints", "DIR"},
        {"residual", "highpass, median, wavelet, nlm or denoiser (default: each fingerprint's own; for DIF's, the installed learned "
                     "denoiser, else nlm)", "METHOD"},
        denoiserOption(),
        {"crops", "crops averaged per image: 1 = DIF's centre crop", "N", "1"},
        {"stride", "grid step between crops when --crops > 1", "N", "128"},
        {"clip", "clip the image's residual at K robust standard deviations (default: each fingerprint's own; 0 = none)", "K"},
        {"top", "generators listed per image", "N", "5"},
        {"json", "write the rankings as JSON to FILE", "FILE"},
    });
    if (const int rc = parseOrExit(parser, args, "attribute"); rc >= 0) return rc;
    MatchOptions options;
    int top = 5;
    if (!intOption(parser, "crops", 1, 64, options.maxCrops, "attribute") || !intOption(parser, "stride", 8, 4096, options.stride, "attribute") ||
        !intOption(parser, "top", 1, 1000, top, "attribute") || !parseResidual(parser, "attribute", options.residual) ||
        !outputFoldersWritable(parser, "fingerprint attribute", {"json"}))
        return kExitBadInput;
    if (parser.isSet("clip")) {
        double k = 0;
        if (!doubleOption(parser, "clip", 0, 100, k, "attribute")) return kExitBadInput;
        options.clip = k;
    }
    if (parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "synthscope fingerprint attribute: give at least one image file or folder\n");
        return kExitBadInput;
    }
    std::string error;
    const QString libraryDir = resolveLibrary(parser.value("library"), error);
    if (!error.empty()) {
        std::fprintf(stderr, "synthscope fingerprint attribute: %s\n", error.c_str());
        return kExitBadInput;
    }
    FingerprintLibrary library;
    try {
        library = loadInstalledFingerprints(QFile::encodeName(libraryDir).toStdString());
    } catch (const EngineError& e) {
        std::fprintf(stderr, "synthscope fingerprint attribute: %s\n", e.what());
        return kExitBadInput;
    }
    for (const std::string& e : library.errors) std::fprintf(stderr, "skipped fingerprint: %s\n", e.c_str());
    if (!library.residualNote.empty()) std::fprintf(stderr, "note: %s\n", library.residualNote.c_str());
    if (library.fingerprints.empty()) {
        std::fprintf(stderr, "synthscope fingerprint attribute: no usable fingerprint in %s\n", qPrintable(libraryDir));
        return kExitBadInput;
    }
    std::fprintf(stderr, "%zu fingerprints from %s\n", library.fingerprints.size(), qPrintable(libraryDir));

    std::vector<std::string> inputs;
    for (const QString& p : parser.positionalArguments()) inputs.push_back(QFile::encodeName(p).toStdString());
    const CollectedFiles files = collectImageFiles(inputs);
    int failed = int(files.errors.size());
    for (const std::string& e : files.errors) std::fprintf(stderr, "FAILED  %s\n", e.c_str());
    QJsonArray results;
    for (const std::string& path : files.images) {
        try {
            const LoadedImage image = loadImage(path);
            const FingerprintAttribution a = attributeByFingerprints(image.rgb, library, options);
            const GeneratorMatch& best = a.ranking.front();
            if (a.generator.empty())
                std::printf("%s: no generator matched (closest %s, score %.2f)%s\n", path.c_str(), best.generator.c_str(), best.score,
                            a.partial ? " [image smaller than the fingerprints]" : "");
            else
                std::printf("%s: %s (score %.2f, correlation %+.5f)%s\n", path.c_str(), a.generator.c_str(), best.score, best.correlation,
                            a.partial ? " [image smaller than the fingerprints]" : "");
            QJsonArray ranking;
            for (std::size_t i = 0; i < a.ranking.size(); ++i) {
                const GeneratorMatch& m = a.ranking[i];
                if (int(i) < top) {
                    std::printf("  %2zu. %-16s correlation %+.5f  score %6.2f", i + 1, m.generator.c_str(), m.correlation, m.score);
                    if (a.rankedByEvidence) std::printf("  evidence %+7.2f", m.evidence);
                    std::printf("  %s  [%s]\n", m.nearerFake ? "nearer fake" : "nearer real", m.residual.c_str());
                }
                ranking.append(QJsonObject{{"generator", QString::fromStdString(m.generator)},
                                           {"correlation", m.correlation},
                                           {"score", m.score},
                                           {"evidence", m.evidence},
                                           {"nearer_fake", m.nearerFake},
                                           {"residual", QString::fromStdString(m.residual)}});
            }
            results.append(QJsonObject{{"path", QString::fromStdString(path)},
                                       {"generator", QString::fromStdString(a.generator)},
                                       {"crops", a.crops},
                                       {"ranked_by", a.rankedByEvidence ? "evidence" : "score"},
                                       {"partial", a.partial},
                                       {"ranking", ranking}});
        } catch (const EngineError& e) {
            ++failed;
            std::fprintf(stderr, "FAILED  %s\n", e.what());
        }
        std::fflush(stdout);
    }
    if (parser.isSet("json")) {
        const QJsonObject root{{"format", "synthscope-fingerprint-attribution/1"}, {"library", libraryDir}, {"results", results}};
        std::string writeError;
        if (!writeJsonFile(parser.value("json"), root, writeError)) {
            std::fprintf(stderr, "synthscope fingerprint attribute: cannot write %s: %s\n", qPrintable(parser.value("json")), writeError.c_str());
            return kExitInternal;
        }
    }
    return failed > 0 ? kExitBadInput : kExitOk;
}

// Prints a progress line every `every` steps (and the last).
TrainingCallback stepPrinter(int steps, const char* what) {
    const int every = std::max(1, steps / 20);
    return [every, what](const TrainingProgress& p) {
        if (p.step % every != 0 && p.step != p.steps) return;
        if (p.corrFake != 0 || p.corrReal != 0)
            std::fprintf(stderr, "%s step %d/%d  loss %.4f  corr fake %+.4f  real %+.4f\n", what, p.step, p.steps, p.loss, p.corrFake, p.corrReal);
        else
            std::fprintf(stderr, "%s step %d/%d  loss %.6f\n", what, p.step, p.steps, p.loss);
    };
}

int runBuild(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Build a fingerprint for a generator from a folder of its images and a folder of real images.\n"
        "mean: training-free, the mean residual of the generator's centre crops minus that of the real ones.\n"
        "learned: DIF's U-Net from fixed noise trained so that its output's correlation separates the\n"
        "generator's residuals from the real ones (LibTorch; Ctrl-C stops it). Writes NAME.npy, NAME.json\n"
        "(mu_real, mu_fake, how it was built), and NAME.png / NAME.spectrum.png previews into --out.");
    parser.addOptions({
        {"fakes", "folder of the generator's images (at least 2; 20 to 1000 is the intended range)", "DIR"},
        {"reals", "folder of real images (at least 2)", "DIR"},
        {"name", "the generator's name (file name of the fingerprint)", "NAME"},
        {"out", "the fingerprint library folder to write into", "DIR"},
        {"method", "mean or learned", "METHOD", "mean"},
        {"residual", "highpass, median, wavelet, nlm or denoiser", "METHOD", "highpass"},
        denoiserOption(),
        {"crop", "crop side in pixels (multiple of 16 for learned)", "N", "256"},
        {"keep-reals", "mean: do not subtract the real images' mean residual"},
        {"clip", "clip residuals at K robust standard deviations (0: none)", "K", "3"},
        {"steps", "learned: optimiser steps", "N", "300"},
        {"batch-size", "learned: residuals per step", "N", "32"},
        {"lr", "learned: AdamW learning rate", "X", "0.0005"},
        {"width", "learned: U-Net width (DIF: 32)", "N", "32"},
        {"boost", "learned: add DIF's booster loss (mean fake vs mean real residual)"},
        {"device", "learned: auto (CUDA when available), cpu or cuda", "DEVICE", "auto"},
        {"threads", "learned: CPU threads (0: LibTorch's default)", "N", "0"},
        {"seed", "learned: random seed", "N", "0"},
    });
    if (const int rc = parseOrExit(parser, args, "build"); rc >= 0) return rc;
    for (const char* required : {"fakes", "reals", "name", "out"})
        if (parser.value(required).isEmpty()) {
            std::fprintf(stderr, "synthscope fingerprint build: --%s is required\n", required);
            return kExitBadInput;
        }
    BuildOptions o;
    o.name = parser.value("name").toStdString();
    std::optional<ResidualSource> residual;
    int seed = 0;
    try {
        o.method = parseBuildMethod(parser.value("method").toStdString());
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "synthscope fingerprint build: %s\n", e.what());
        return kExitBadInput;
    }
    if (!parseResidual(parser, "build", residual) || !intOption(parser, "crop", 16, 2048, o.size, "build") ||
        !intOption(parser, "steps", 1, 1000000, o.training.steps, "build") || !intOption(parser, "batch-size", 2, 1024, o.training.batchSize, "build") ||
        !doubleOption(parser, "lr", 1e-7, 1.0, o.training.learningRate, "build") || !intOption(parser, "width", 1, 256, o.training.net.width, "build") ||
        !intOption(parser, "threads", 0, 1024, o.training.threads, "build") || !intOption(parser, "seed", 0, 1 << 30, seed, "build") ||
        !doubleOption(parser, "clip", 0, 100, o.clip, "build"))
        return kExitBadInput;
    o.residual = residual.value_or(ResidualSource(ResidualMethod::HighPass));
    o.subtractReals = !parser.isSet("keep-reals");
    o.training.boost = parser.isSet("boost");
    o.training.device = parser.value("device").toStdString();
    o.training.seed = std::uint64_t(seed);
    for (const char* dir : {"fakes", "reals"})
        if (!QFileInfo(parser.value(dir)).isDir()) {
            std::fprintf(stderr, "synthscope fingerprint build: --%s %s is not a folder\n", dir, qPrintable(parser.value(dir)));
            return kExitBadInput;
        }

    installCancelHandler();
    try {
        auto loader = [&](const char* which) {
            const std::vector<std::string> paths = imagesIn(parser.value(which));
            std::fprintf(stderr, "Residuals (%s) of the %zu images in --%s...\n", o.residual.name().c_str(), paths.size(), which);
            ResidualCrops crops = loadResidualCrops(paths, o.size, o.residual, {}, &cancelFlag());
            for (const std::string& s : crops.skipped) std::fprintf(stderr, "skipped %s\n", s.c_str());
            return crops;
        };
        const ResidualCrops fakes = loader("fakes");
        const ResidualCrops reals = loader("reals");
        const Fingerprint fp = buildFingerprint(fakes, reals, o, stepPrinter(o.training.steps, "training"), &cancelFlag());
        const std::string outDir = QFile::encodeName(parser.value("out")).toStdString();
        saveFingerprint(fp, outDir);
        const std::string base = outDir + "/" + fp.name;
        const bool previews = writeStretched(base + ".png", fp.pattern) && writeStretched(base + ".spectrum.png", logSpectrum(fp.pattern));
        std::printf("Wrote %s.npy and %s.json: %s fingerprint from %zu generator and %zu real images, mu_real %+.5f, mu_fake %+.5f\n",
                    base.c_str(), base.c_str(), buildMethodName(o.method), fakes.residuals.size(), reals.residuals.size(), fp.muReal, fp.muFake);
        if (!previews) std::fprintf(stderr, "synthscope fingerprint build: the preview images could not be written\n");
        return kExitOk;
    } catch (const EngineError& e) {
        std::fprintf(stderr, "synthscope fingerprint build: %s\n", e.what());
        return e.kind() == ErrorKind::BadInput || e.kind() == ErrorKind::Cancelled ? kExitBadInput : kExitInternal;
    }
}

int runBlank(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "DIF's blank-image experiment: fit the fingerprint U-Net from fixed noise to a flat grey image and write\n"
        "the reconstruction and its Fourier log spectrum. The output looks grey; the spectrum shows the\n"
        "architecture's periodic artefacts, the kind a CNN generator leaves in its images.");
    parser.addOptions({
        {"out", "folder for blank_output.png, blank_output_stretched.png, blank_spectrum.png, blank_loss.csv", "DIR"},
        {"size", "image side (multiple of 2^depth)", "N", "128"},
        {"steps", "optimiser steps (DIF: 1000)", "N", "1000"},
        {"lr", "AdamW learning rate (DIF: 5e-5)", "X", "0.00005"},
        {"width", "U-Net width (DIF: 32)", "N", "32"},
        {"depth", "U-Net depth (DIF: 4)", "N", "4"},
        {"device", "auto (CUDA when available), cpu or cuda", "DEVICE", "auto"},
        {"threads", "CPU threads (0: LibTorch's default)", "N", "0"},
        {"seed", "random seed", "N", "0"},
    });
    if (const int rc = parseOrExit(parser, args, "blank"); rc >= 0) return rc;
    if (parser.value("out").isEmpty()) {
        std::fprintf(stderr, "synthscope fingerprint blank: --out is required\n");
        return kExitBadInput;
    }
    BlankOptions o;
    int seed = 0;
    if (!intOption(parser, "size", 8, 1024, o.size, "blank") || !intOption(parser, "steps", 1, 1000000, o.steps, "blank") ||
        !doubleOption(parser, "lr", 1e-8, 1.0, o.learningRate, "blank") || !intOption(parser, "width", 1, 256, o.net.width, "blank") ||
        !intOption(parser, "depth", 1, 6, o.net.depth, "blank") || !intOption(parser, "threads", 0, 1024, o.threads, "blank") ||
        !intOption(parser, "seed", 0, 1 << 30, seed, "blank"))
        return kExitBadInput;
    o.seed = std::uint64_t(seed);
    o.device = parser.value("device").toStdString();
    const QString out = parser.value("out");
    if (!QDir().mkpath(out)) {
        std::fprintf(stderr, "synthscope fingerprint blank: cannot create %s\n", qPrintable(out));
        return kExitBadInput;
    }
    installCancelHandler();
    try {
        const BlankResult r = runBlankExperiment(o, stepPrinter(o.steps, "blank"), &cancelFlag());
        const std::string base = QFile::encodeName(out).toStdString() + "/blank_";
        cv::Mat eight, bgr;
        r.output.convertTo(eight, CV_8UC3, 255.0);
        cv::cvtColor(eight, bgr, cv::COLOR_RGB2BGR);
        cv::Mat spectrum8;
        r.spectrum.convertTo(spectrum8, CV_8U, 255.0);
        bool ok = cv::imwrite(base + "output.png", bgr) && writeStretched(base + "output_stretched.png", r.output) &&
                  cv::imwrite(base + "spectrum.png", spectrum8);
        if (FILE* csv = std::fopen((base + "loss.csv").c_str(), "w")) {
            std::fputs("step,mse\n", csv);
            for (std::size_t i = 0; i < r.loss.size(); ++i) std::fprintf(csv, "%zu,%.8g\n", i + 1, double(r.loss[i]));
            ok &= std::fclose(csv) == 0;
        } else {
            ok = false;
        }
        cv::Scalar mean, sd;
        cv::meanStdDev(r.output.reshape(1), mean, sd);
        std::printf("Blank experiment: %dx%d grey %.2f, %d steps on %s in %.1f s; final MSE %.3g; output mean %.4f, std %.4f.\n"
                    "Wrote %soutput.png, %soutput_stretched.png, %sspectrum.png, %sloss.csv\n",
                    o.size, o.size, o.grey, o.steps, r.device.c_str(), r.seconds, double(r.loss.back()), mean[0], sd[0], base.c_str(),
                    base.c_str(), base.c_str(), base.c_str());
        if (!ok) {
            std::fprintf(stderr, "synthscope fingerprint blank: some output files could not be written\n");
            return kExitInternal;
        }
        return kExitOk;
    } catch (const EngineError& e) {
        std::fprintf(stderr, "synthscope fingerprint blank: %s\n", e.what());
        return e.kind() == ErrorKind::BadInput || e.kind() == ErrorKind::Cancelled ? kExitBadInput : kExitInternal;
    }
}

}  // namespace
}  // namespace fingerprint

int runFingerprint(const QStringList& args) {
    static const char* kUsage =
        "Usage: synthscope fingerprint SUBCOMMAND [OPTIONS]\n\n"
        "Generator fingerprints after Deep Image Fingerprint (Sinitsa & Fried, WACV 2024):\n"
        "  attribute IMAGE...   rank generators by residual correlation with each fingerprint\n"
        "  build                make a fingerprint from a generator's images and real images (mean or learned)\n"
        "  evaluate DIF_ROOT    accuracy of a library on DIF's <gen>/0_real, 1_fake sets vs the paper's table\n"
        "  crossval             build from part of each generator's images, measure attribution on the rest\n"
        "  blank                DIF's blank-image experiment: the U-Net's own artefacts\n\n"
        "Run 'synthscope fingerprint SUBCOMMAND --help' for its options.\n";
    if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
        std::fputs(kUsage, args.size() < 2 ? stderr : stdout);
        return args.size() < 2 ? kExitBadInput : kExitOk;
    }
    const QString sub = args[1];
    const QStringList rest = QStringList{"fingerprint " + sub} + args.mid(2);
    if (sub == "attribute") return fingerprint::runAttribute(rest);
    if (sub == "build") return fingerprint::runBuild(rest);
    if (sub == "evaluate") return fingerprint::runEvaluate(rest);
    if (sub == "crossval") return fingerprint::runCrossval(rest);
    if (sub == "blank") return fingerprint::runBlank(rest);
    std::fprintf(stderr, "synthscope fingerprint: unknown subcommand '%s'\n\n%s", qPrintable(sub), kUsage);
    return kExitBadInput;
}

}  // namespace synthscope::cli
