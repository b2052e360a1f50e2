// synthscope spectrum: Fourier spectra of noise residuals, their periodic peaks (up-sampling grids),
// the average over a folder (a generator's fingerprint), and the peak rate per folder (a measurement).
#include <QCommandLineParser>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>

#include "app/cli/cli_support.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/terminal_progress.h"
#include "engine/errors.h"
#include "engine/file_collector.h"
#include "engine/spectrum.h"
#include "engine/spectrum_json.h"
#include "engine/torch_signal.h"
#include "engine/version.h"

namespace synthscope::cli {
namespace {

bool writePng(const std::string& path, const Spectrum& s, std::string& error) {
    try {
        return writeRgbImage(path, renderSpectrum(s), error);
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
}

const char* peakKind(const SpectralPeak& p) {
    return p.jpegGrid ? "JPEG-grid" : p.upsamplingHarmonic ? "UP-SAMPLING" : "other";
}

void printPeaks(const Spectrum& s, int limit) {
    int shown = 0;
    for (const SpectralPeak& p : s.peaks) {
        if (shown++ == limit) {
            std::printf("    ... %zu more (see --json)\n", s.peaks.size() - std::size_t(limit));
            break;
        }
        std::printf("    peak  fx=%+.4f fy=%+.4f cycles/px  period %s x %s px  %+5.1f dB  z=%4.1f  %s\n", p.fx, p.fy,
                    periodText(p.periodX).c_str(), periodText(p.periodY).c_str(), p.strengthDb, p.zScore, peakKind(p));
    }
}

void printSpectrumLine(const std::string& label, const Spectrum& s) {
    std::printf("%s  [%dx%d, %s%s residual, noise %.1f dB, %zu peaks%s]\n", label.c_str(), s.logPower.cols, s.logPower.rows,
                s.magnitude ? "|" : "", (s.residual + (s.magnitude ? "|" : "")).c_str(), s.noiseDb, s.peaks.size(), s.hasUpsamplingPeak(false) ? ", UP-SAMPLING PEAK" : "");
}

// <base>.<image stem>.<sha8>.png when one --png names the outputs of several images.
std::string pngPathFor(const QString& base, const LoadedImage& image) {
    QString stem = base;
    if (stem.endsWith(".png", Qt::CaseInsensitive)) stem.chop(4);
    return QFile::encodeName(stem + "." + QFileInfo(QFile::decodeName(image.path.c_str())).completeBaseName() + "." +
                             qs(image.sha256.substr(0, 8)) + ".png")
        .toStdString();
}

struct Rate {
    int images = 0, failed = 0, jpeg = 0;
    int upsampling = 0;       // an up-sampling peak not explained by a JPEG grid (non-JPEG files only)
    int jpegGrid = 0;         // a k/8 peak in a JPEG file (JPEG grid or up-sampling: indistinguishable)
    int anyEighth = 0;        // a k/8 peak, whatever the format
    int offLattice = 0;       // a peak elsewhere
};

std::string fraction(int n, int d) {
    char buf[48];
    if (d == 0) std::snprintf(buf, sizeof buf, "%4d/%-4d  n/a  ", n, d);
    else std::snprintf(buf, sizeof buf, "%4d/%-4d %5.1f%%", n, d, 100.0 * n / d);
    return buf;
}

}  // namespace

int runSpectrum(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Fourier spectra of noise residuals. Up-sampling layers of generators leave periodic grids that show\n"
        "as isolated peaks at multiples of 1/8 cycle/pixel; JPEG's 8x8 blocks do too, so peaks at those\n"
        "frequencies in JPEG files are reported as JPEG-grid, not as up-sampling.\n"
        "Default: one spectrum per image. --average: one spectrum averaged over all images (centre crops).\n"
        "--peak-rate: per PATH (a folder or file), the fraction of its images with peaks (a measurement).");
    parser.addHelpOption();
    parser.addPositionalArgument("PATH", "image files or folders (searched recursively)", "PATH...");
    parser.addOptions({
        {"residual", "highpass, median, wavelet or nlm", "METHOD", "highpass"},
        {"denoiser", "residual from a TorchScript denoiser manifest (synthscope-denoiser/1); overrides --residual", "MANIFEST"},
        {"crop", "centre crop N x N before the FFT; 0 = the whole image (default: 0, or 256 with --average or --peak-rate)", "N"},
        {"average", "average the power spectra of all images into one (the generator's fingerprint)"},
        {"peak-rate", "print, per PATH, the fraction of images with an up-sampling peak (and JPEG-grid/other peaks)"},
        {"png", "write the colour-mapped log spectrum as PNG to FILE (several images: FILE.<image>.<sha8>.png)", "FILE"},
        {"json", "write spectra, peaks, radial profiles and errors as JSON to FILE", "FILE"},
        {"min-z", "peak threshold: robust z-score above the background, anywhere", "Z", QString::number(PeakOptions{}.minZ)},
        {"min-z-2x", "peak threshold at the frequencies of 2x up-sampling (1/2 cycle/px)", "Z", QString::number(PeakOptions{}.minZAt2x)},
        {"min-db", "peak threshold: dB above the background", "DB", QString::number(PeakOptions{}.minDb)},
        {"no-window", "no Hann window before the FFT"},
        {"magnitude", "spectrum of |residual|: periodic noise level (interpolation, JPEG blocks) rather than periodic signal"},
        {"device", "FFT device: auto (CUDA when available), cpu or cuda", "DEVICE", "auto"},
        {"max-peaks", "peaks kept per spectrum (the strongest)", "N", QString::number(PeakOptions{}.maxPeaks)},
        {"print-peaks", "peaks printed per spectrum", "N", "10"},
        {"quiet", "no per-image lines (--peak-rate and errors still print)"},
    });
    auto fail = [](const std::string& m) {
        std::fprintf(stderr, "synthscope spectrum: %s\n", m.c_str());
        return kExitBadInput;
    };
    if (!parser.parse(args)) return fail(parser.errorText().toStdString() + "\nRun 'synthscope spectrum --help'.");
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) return fail("give at least one image file or folder");
    const bool average = parser.isSet("average"), peakRate = parser.isSet("peak-rate"), quiet = parser.isSet("quiet");
    if (average && peakRate) return fail("--average and --peak-rate do not go together");
    if (!outputFoldersWritable(parser, "spectrum", {"json", "png"})) return kExitBadInput;

    SpectrumOptions options;
    try {
        options.residual.method = parseResidualMethod(parser.value("residual").toStdString());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    bool ok = true;
    options.cropSize = parser.isSet("crop") ? parser.value("crop").toInt(&ok) : (average || peakRate ? 256 : 0);
    if (!ok || options.cropSize < 0 || options.cropSize > 16384) return fail("--crop must be a whole number from 0 to 16384");
    options.peaks.minZ = parser.value("min-z").toDouble(&ok);
    if (!ok || options.peaks.minZ < 0) return fail("--min-z must be a number >= 0");
    options.peaks.minZAt2x = parser.value("min-z-2x").toDouble(&ok);
    if (!ok || options.peaks.minZAt2x < 0) return fail("--min-z-2x must be a number >= 0");
    options.peaks.minDb = parser.value("min-db").toDouble(&ok);
    if (!ok || options.peaks.minDb < 0) return fail("--min-db must be a number >= 0");
    options.peaks.maxPeaks = parser.value("max-peaks").toInt(&ok);
    if (!ok || options.peaks.maxPeaks < 0) return fail("--max-peaks must be a whole number >= 0");
    const int maxPrinted = parser.value("print-peaks").toInt(&ok);
    if (!ok || maxPrinted < 0) return fail("--print-peaks must be a whole number >= 0");
    options.hannWindow = !parser.isSet("no-window");
    options.magnitude = parser.isSet("magnitude");
    options.device = parser.value("device").toStdString();
    if (options.device != "auto" && options.device != "cpu" && options.device != "cuda") return fail("--device must be auto, cpu or cuda");
    std::string device;
    try {
        device = signalDeviceName(options.device);
        if (parser.isSet("denoiser"))
            options.residual.denoiser =
                TorchDenoiser::open(loadDenoiserManifest(QFile::encodeName(parser.value("denoiser")).toStdString()), options.device);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope spectrum: %s\n", e.what());
        return kExitInternal;
    }
    std::fprintf(stderr, "Residual: %s; crop %s; FFT on %s; peaks: z >= %.1f (%.1f at 1/2 cycle/px) and >= %.1f dB\n",
                 options.residual.name().c_str(),
                 options.cropSize ? (std::to_string(options.cropSize) + "x" + std::to_string(options.cropSize)).c_str() : "none",
                 device.c_str(), options.peaks.minZ, options.peaks.minZAt2x, options.peaks.minDb);

    QJsonArray errors;
    auto reportError = [&](const std::string& path, const std::string& message) {
        std::fprintf(stderr, "FAILED        %s\n", message.find(path) == std::string::npos && !path.empty()
                                                          ? (path + ": " + message).c_str()
                                                          : message.c_str());
        errors.append(QJsonObject{{"path", qs(path)}, {"message", qs(message)}});
    };
    const QString pngBase = parser.value("png");
    bool outputFailed = false, internal = false;
    int failed = 0;
    QJsonObject root{{"format", "synthscope-spectrum/1"},
                     {"software", QJsonObject{{"name", "SynthScope"}, {"version", SYNTHSCOPE_VERSION}}},
                     {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                     {"settings", QJsonObject{{"residual", qs(options.residual.name())},
                                              {"crop", options.cropSize},
                                              {"hann_window", options.hannWindow},
                                              {"magnitude", options.magnitude},
                                              {"device", qs(device)},
                                              {"min_z", options.peaks.minZ},
                                              {"min_z_2x", options.peaks.minZAt2x},
                                              {"min_db", options.peaks.minDb}}}};
    const auto t0 = std::chrono::steady_clock::now();

    auto collect = [&](const QStringList& paths) {
        std::vector<std::string> inputs;
        for (const QString& p : paths) inputs.push_back(QFile::encodeName(p).toStdString());
        CollectedFiles files = collectImageFiles(inputs);
        for (const std::string& e : files.errors) {
            reportError("", e);
            ++failed;
        }
        return files.images;
    };

    if (average) {
        const std::vector<std::string> images = collect(positional);
        TerminalProgress progress(int(images.size()));
        try {
            const AveragedSpectrum a = averageSpectrum(images, options, nullptr, [&](int done, int, const std::string& path) {
                progress.update(done, path, 0, 0);
            });
            progress.clear();
            for (const SkippedImage& s : a.skipped) reportError(s.path, s.message);
            failed += int(a.skipped.size());
            printSpectrumLine("AVERAGE of " + std::to_string(a.spectrum.imagesUsed) + " images (" +
                                  std::to_string(a.spectrum.jpegImages) + " JPEG)",
                              a.spectrum);
            printPeaks(a.spectrum, maxPrinted);
            root.insert("average", toJson(a));
            std::string error;
            if (!pngBase.isEmpty() && !writePng(QFile::encodeName(pngBase).toStdString(), a.spectrum, error)) {
                std::fprintf(stderr, "synthscope spectrum: %s not written: %s\n", qPrintable(pngBase), error.c_str());
                outputFailed = true;
            }
        } catch (const EngineError& e) {
            progress.clear();
            reportError("", e.what());
            ++failed;
            internal = e.kind() != ErrorKind::BadInput;
        }
    } else if (peakRate) {
        // One row per PATH: each is a set of images (a folder, usually) measured on its own.
        std::printf("%-34s %6s %5s  %-22s %-22s %-22s %-22s\n", "set", "images", "JPEG", "up-sampling (non-JPEG)",
                    "k/8 in JPEG (grid?)", "any k/8 peak", "off-lattice peak");
        QJsonArray rates;
        for (const QString& set : positional) {
            const std::vector<std::string> images = collect({set});
            TerminalProgress progress(int(images.size()));
            Rate r;
            for (std::size_t i = 0; i < images.size(); ++i) {
                progress.update(int(i), images[i], 0, 0);
                try {
                    const Spectrum s = computeSpectrum(loadImage(images[i]), options);
                    ++r.images;
                    r.jpeg += s.jpegImages;
                    r.upsampling += s.hasUpsamplingPeak(false);
                    r.anyEighth += s.hasUpsamplingPeak(true);
                    r.jpegGrid += std::any_of(s.peaks.begin(), s.peaks.end(), [](const SpectralPeak& p) { return p.jpegGrid; });
                    r.offLattice += std::any_of(s.peaks.begin(), s.peaks.end(), [](const SpectralPeak& p) { return !p.upsamplingHarmonic; });
                } catch (const EngineError& e) {
                    progress.clear();
                    reportError(images[i], e.what());
                    ++r.failed;
                    ++failed;
                    if (e.kind() != ErrorKind::BadInput) internal = true;
                }
            }
            progress.clear();
            const int nonJpeg = r.images - r.jpeg;
            std::printf("%-34s %6d %5d  %-22s %-22s %-22s %-22s\n", qPrintable(set), r.images, r.jpeg,
                        fraction(r.upsampling, nonJpeg).c_str(), fraction(r.jpegGrid, r.jpeg).c_str(),
                        fraction(r.anyEighth, r.images).c_str(), fraction(r.offLattice, r.images).c_str());
            std::fflush(stdout);
            rates.append(QJsonObject{{"set", set},
                                     {"images", r.images},
                                     {"failed", r.failed},
                                     {"jpeg_images", r.jpeg},
                                     {"upsampling_non_jpeg", r.upsampling},
                                     {"k8_in_jpeg", r.jpegGrid},
                                     {"any_k8", r.anyEighth},
                                     {"off_lattice", r.offLattice}});
        }
        root.insert("peak_rates", rates);
    } else {
        const std::vector<std::string> images = collect(positional);
        QJsonArray results;
        for (const std::string& path : images) {
            try {
                const LoadedImage image = loadImage(path);
                const Spectrum s = computeSpectrum(image, options);
                if (!quiet) {
                    printSpectrumLine(path, s);
                    printPeaks(s, maxPrinted);
                    std::fflush(stdout);
                }
                QJsonObject j = toJson(s);
                j.insert("path", qs(path));
                j.insert("sha256", qs(image.sha256));
                results.append(j);
                if (!pngBase.isEmpty()) {
                    const std::string out = images.size() == 1 ? QFile::encodeName(pngBase).toStdString() : pngPathFor(pngBase, image);
                    std::string error;
                    if (!writePng(out, s, error)) {
                        std::fprintf(stderr, "synthscope spectrum: %s not written: %s\n", out.c_str(), error.c_str());
                        outputFailed = true;
                    }
                }
            } catch (const EngineError& e) {
                reportError(path, e.what());
                ++failed;
                if (e.kind() != ErrorKind::BadInput) internal = true;
            }
        }
        root.insert("results", results);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "Done in %.1f s; %d failed.\n", seconds, failed);

    if (parser.isSet("json")) {
        root.insert("errors", errors);
        root.insert("seconds", seconds);
        std::string error;
        if (!writeJsonFile(parser.value("json"), root, error)) {
            std::fprintf(stderr, "synthscope spectrum: cannot write %s: %s\n", qPrintable(parser.value("json")), error.c_str());
            return kExitInternal;
        }
    }
    if (internal || outputFailed) return kExitInternal;
    return failed > 0 ? kExitBadInput : kExitOk;
}

}  // namespace synthscope::cli
