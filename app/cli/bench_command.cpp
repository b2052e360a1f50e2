// `synthscope bench`: the engine's speed and memory on the same images and the same model as the published
// SuSy recipe in Python (bench/susy_reference.py), side by side in one run (issue 8).
#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/cli/cli_support.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/file_collector.h"
#include "engine/image_analyzer.h"
#include "engine/image_loader.h"
#include "engine/model_registry.h"
#include "engine/version.h"

namespace synthscope::cli {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// ---- the machine ----------------------------------------------------------------------------------

// Peak resident memory of this process (VmHWM). resetPeakRss() lowers it to the current resident size
// (Linux >= 4.0, "5" into clear_refs), so that each image's peak can be read on its own.
bool resetPeakRss() {
    std::ofstream f("/proc/self/clear_refs");
    f << "5";
    f.flush();
    return bool(f);
}

double peakRssMb() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
    return 0;
}

std::string cpuModel() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) {
            std::string name = line.substr(line.find(':') + 1);
            name.erase(0, name.find_first_not_of(' '));
            return name;
        }
    return "unknown CPU";
}

std::string loadAverage() {
    std::ifstream f("/proc/loadavg");
    double one = 0, five = 0, fifteen = 0;
    f >> one >> five >> fifteen;
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", one, five, fifteen);
    return text;
}

// ---- test images ----------------------------------------------------------------------------------

// Width and height for a size in megapixels: the camera and screen sizes the issue names, else 4:3.
cv::Size sizeForMegapixels(double mp) {
    struct Known { double mp; cv::Size size; };
    static const Known known[] = {{8.3, {3840, 2160}}, {12, {4000, 3000}}, {17.9, {5184, 3456}}, {24, {6000, 4000}},
                                  {100, {10000, 10000}}};
    for (const Known& k : known)
        if (std::abs(k.mp - mp) < 0.05) return k.size;
    const int w = int(std::lround(std::sqrt(mp * 1e6 * 4.0 / 3.0)));
    return {w, int(std::lround(w * 3.0 / 4.0))};
}

// A JPEG of the given size tiled from 320x320 centre crops of real photos (no resampling, so it has the
// detail and the entropy, hence the decoding cost, of a camera photo), quality 92.
std::string makeMosaicJpeg(const std::vector<std::string>& sources, cv::Size size, const QString& dir) {
    const int tile = 320;
    cv::Mat mosaic(size, CV_8UC3);
    std::size_t next = 0;
    for (int y = 0; y < size.height; y += tile)
        for (int x = 0; x < size.width; x += tile) {
            cv::Mat photo;
            for (std::size_t tries = 0; tries < sources.size() && (photo.empty() || photo.cols < tile || photo.rows < tile); ++tries)
                photo = cv::imread(sources[next++ % sources.size()], cv::IMREAD_COLOR);
            if (photo.empty() || photo.cols < tile || photo.rows < tile)
                throw std::runtime_error("no source photo of at least 320x320 pixels to tile the test images from");
            const cv::Rect crop((photo.cols - tile) / 2, (photo.rows - tile) / 2, tile, tile);
            const cv::Rect target(x, y, std::min(tile, size.width - x), std::min(tile, size.height - y));
            photo(crop)(cv::Rect(0, 0, target.width, target.height)).copyTo(mosaic(target));
        }
    char name[64];
    std::snprintf(name, sizeof name, "/bench-%dx%d.jpg", size.width, size.height);
    const std::string path = QFile::encodeName(dir).toStdString() + name;
    if (!cv::imwrite(path, mosaic, {cv::IMWRITE_JPEG_QUALITY, 92})) throw std::runtime_error("cannot write " + path);
    return path;
}

// ---- measuring the engine -------------------------------------------------------------------------

struct Run {
    double decode = 0, select = 0, topk = 0, firstVerdict = 0, full = 0, peakRss = 0;
};

struct ImageFigures {
    std::string path;
    int width = 0, height = 0, patches = 0;
    std::vector<Run> runs;
    AnalysisResult last;  // of the last run, for the agreement checks

    double med(double Run::*field) const {
        std::vector<double> v;
        for (const Run& r : runs) v.push_back(r.*field);
        return median(v);
    }
    double maxPeak() const {
        double m = 0;
        for (const Run& r : runs) m = std::max(m, r.peakRss);
        return m;
    }
    std::vector<int> topK() const {
        std::vector<int> k;
        for (std::size_t i = 0; i < last.patches.size(); ++i)
            if (last.patches[i].inTopK) k.push_back(int(i));
        return k;
    }
};

struct Configuration {
    Precision precision = Precision::Fp32;
    bool optimize = true;
    std::string label;  // "fp32 optimised", as printed
    std::string device, optimization;
    Precision used = Precision::Fp32;
    int threads = 0, batchSize = 0;
    std::vector<std::string> notes;
    std::vector<ImageFigures> images;
};

class VerdictClock : public AnalysisObserver {
public:
    explicit VerdictClock(Clock::time_point t0) : t0_(t0) {}
    void onVerdict(const AnalysisResult&) override { seconds = secondsSince(t0_); }
    double seconds = 0;

private:
    Clock::time_point t0_;
};

Run timeOnce(const ImageAnalyzer& analyzer, const std::string& path, AnalysisResult* keep) {
    resetPeakRss();
    const auto t0 = Clock::now();
    VerdictClock clock(t0);
    AnalysisResult r = analyzer.analyze(path, &clock);
    Run run;
    run.full = secondsSince(t0);
    run.firstVerdict = clock.seconds;
    run.decode = r.timings.loadMs / 1000;
    run.select = r.timings.contrastMs / 1000;
    run.topk = r.timings.verdictMs / 1000;
    run.peakRss = peakRssMb();
    if (keep) *keep = std::move(r);
    return run;
}

// ---- the Python reference -------------------------------------------------------------------------

// The recipe in Python, started once in its --serve mode (model loaded, one warm-up analysis), then asked
// for one analysis at a time, so that its runs alternate with the engine's and see the same load.
class ReferenceProcess {
public:
    bool start(const QString& python, const QString& script, const ModelManifest& m, int threads, int batchSize,
               const std::string& warmupImage) {
        QStringList args{script, "--serve", "--model", qs(m.weightsPath), "--threads", QString::number(threads),
                         "--batch-size", QString::number(batchSize), "--patch-size", QString::number(m.inputSize),
                         "--top-k", QString::number(m.verdictTopK), "--authentic-index", QString::number(m.authenticIndex)};
        if (m.output == ModelOutput::Logits) args << "--logits";
        args << QFile::decodeName(warmupImage.c_str());
        std::fprintf(stderr, "Starting the Python reference: %s %s ...\n", qPrintable(python), qPrintable(script));
        process_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process_.start(python, args);
        if (!process_.waitForStarted(30000)) {
            std::fprintf(stderr, "synthscope bench: cannot start %s (give --python)\n", qPrintable(python));
            return false;
        }
        info_ = readLine();
        if (!info_["ready"].toBool()) {
            std::fprintf(stderr, "synthscope bench: the Python reference did not start (see above)\n");
            return false;
        }
        return true;
    }
    ~ReferenceProcess() {
        if (process_.state() == QProcess::NotRunning) return;
        process_.closeWriteChannel();
        if (!process_.waitForFinished(30000)) process_.kill();
        process_.waitForFinished(5000);
    }

    // One analysis of path; an empty object if the script failed.
    QJsonObject analyse(const std::string& path) {
        process_.write(QFile::decodeName(path.c_str()).toUtf8() + "\n");
        process_.waitForBytesWritten(-1);
        return readLine();
    }
    const QJsonObject& info() const { return info_; }

private:
    QJsonObject readLine() {
        while (!process_.canReadLine()) {
            if (process_.state() == QProcess::NotRunning) return {};
            process_.waitForReadyRead(1000);
        }
        return QJsonDocument::fromJson(process_.readLine()).object();
    }

    QProcess process_;
    QJsonObject info_;
};

// The reference's runs of one image reduced as the engine's are: medians, peak memory the highest.
QJsonObject referenceMedians(const std::vector<QJsonObject>& runs) {
    if (runs.empty()) return {};
    QJsonObject out = runs.back();
    for (const char* key : {"decode_s", "crop_s", "glcm_s", "topk_inference_s", "first_verdict_s", "full_s"}) {
        std::vector<double> v;
        for (const QJsonObject& r : runs) v.push_back(r[key].toDouble());
        out[key] = median(v);
    }
    double peak = 0;
    QJsonArray first, full;
    for (const QJsonObject& r : runs) {
        peak = std::max(peak, r["peak_rss_mb"].toDouble());
        first.append(r["first_verdict_s"]);
        full.append(r["full_s"]);
    }
    out["peak_rss_mb"] = peak;
    out["runs_first_verdict_s"] = first;
    out["runs_full_s"] = full;
    return out;
}

// ---- output ----------------------------------------------------------------------------------------

QJsonArray doubles(const std::vector<Run>& runs, double Run::*field) {
    QJsonArray a;
    for (const Run& r : runs) a.append(r.*field);
    return a;
}

QJsonArray ints(const std::vector<int>& v) {
    QJsonArray a;
    for (int i : v) a.append(i);
    return a;
}

std::vector<int> jsonInts(const QJsonArray& a) {
    std::vector<int> v;
    for (const QJsonValue& x : a) v.push_back(x.toInt());
    return v;
}

bool sameSet(std::vector<int> a, std::vector<int> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
}

// Largest |p - q| over every class probability of every patch both results classified.
double maxProbabilityDiff(const AnalysisResult& a, const AnalysisResult& b) {
    double d = 0;
    for (std::size_t i = 0; i < std::min(a.patches.size(), b.patches.size()); ++i) {
        const auto& p = a.patches[i].probabilities;
        const auto& q = b.patches[i].probabilities;
        for (std::size_t c = 0; c < std::min(p.size(), q.size()); ++c) d = std::max(d, double(std::abs(p[c] - q[c])));
    }
    return d;
}

std::string baseName(const std::string& path) { return QFileInfo(QFile::decodeName(path.c_str())).fileName().toStdString(); }

void printRow(const char* image, const char* mp, const char* patches, const std::string& config, double decode, double select,
              double topk, double first, double full, int n, double rss) {
    std::printf("%-24s %6s %7s  %-26s %7.3f %7.3f %7.3f %8.3f %8.2f %8.1f %7.3f %7.0f\n", image, mp, patches, config.c_str(),
                decode, select, topk, first, full, n / full, 1.0 / full, rss);
}

}  // namespace

int runBench(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Measure the engine on the same images and the same model as the published SuSy recipe in Python\n"
        "(bench/susy_reference.py, with --reference): time to first verdict (decode + patch grid + GLCM +\n"
        "top-k inference), full-heatmap images/s and patches/s, peak resident memory. Without IMAGE\n"
        "arguments it tiles real photos from --source into JPEGs of the --megapixels sizes, in a temporary\n"
        "folder. Timings are medians over --repeat runs after one untimed warm-up.");
    parser.addHelpOption();
    parser.addPositionalArgument("IMAGE", "images or folders to measure (default: generated JPEGs)", "[IMAGE...]");
    parser.addOptions({
        {"model", "model name, manifest (.json) or TorchScript file with a manifest beside it", "NAME|FILE", "susy"},
        {"weights", "TorchScript weights to use with the model's manifest instead of its own (e.g. the SuSy "
                    "architecture with random weights; the manifest's sha256 is then not checked)", "FILE"},
        {"device", "auto (CUDA when available), cpu or cuda", "DEVICE", "auto"},
        {"precision", "comma-separated precisions to measure: fp32, bf16, fp16", "LIST", "fp32"},
        {"optimize", "graph optimisation to measure: on, off or both (on,off)", "LIST", "on"},
        {"threads", "CPU threads for inference (the reference gets the same)", "N", "2"},
        {"batch-size", "patches per forward pass (default: the model's)", "N", "0"},
        {"repeat", "timed runs per image and configuration", "N", "3"},
        {"megapixels", "sizes of the generated test JPEGs", "LIST", "8.3,17.9"},
        {"source", "folder of photos to tile the generated JPEGs from", "DIR", "../shared/data/real/bsds"},
        {"keep-images", "write the generated JPEGs into DIR and keep them", "DIR"},
        {"reference", "also run the Python reference on the same images and print the ratios"},
        {"python", "Python with torch, torchvision (optional), scikit-image and PIL", "FILE", "/usr/bin/python3"},
        {"reference-script", "the reference recipe", "FILE", QStringLiteral(SYNTHSCOPE_BENCH_DIR "/susy_reference.py")},
        {"json", "write every figure as JSON to FILE", "FILE"},
    });
    if (!parser.parse(args)) {
        std::fprintf(stderr, "synthscope bench: %s\nRun 'synthscope bench --help'.\n", qPrintable(parser.errorText()));
        return kExitBadInput;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    if (!outputFoldersWritable(parser, "bench", {"json"})) return kExitBadInput;
    auto intOption = [&](const char* name, int lo, int hi, int& out) {
        bool ok = false;
        out = parser.value(name).toInt(&ok);
        if (!ok || out < lo || out > hi) {
            std::fprintf(stderr, "synthscope bench: --%s must be a whole number from %d to %d\n", name, lo, hi);
            return false;
        }
        return true;
    };
    int threads = 0, batchSize = 0, repeat = 0;
    if (!intOption("threads", 0, 1024, threads) || !intOption("batch-size", 0, 4096, batchSize) || !intOption("repeat", 1, 1000, repeat))
        return kExitBadInput;
    const std::string device = parser.value("device").toStdString();
    if (device != "auto" && device != "cpu" && device != "cuda") {
        std::fprintf(stderr, "synthscope bench: --device must be auto, cpu or cuda\n");
        return kExitBadInput;
    }
    std::vector<Configuration> configs;
    for (const QString& o : parser.value("optimize").split(',', Qt::SkipEmptyParts)) {
        if (o != "on" && o != "off") {
            std::fprintf(stderr, "synthscope bench: --optimize takes on, off or on,off\n");
            return kExitBadInput;
        }
        for (const QString& p : parser.value("precision").split(',', Qt::SkipEmptyParts)) {
            if (p != "fp32" && p != "bf16" && p != "fp16") {
                std::fprintf(stderr, "synthscope bench: --precision takes fp32, bf16 or fp16 (comma-separated)\n");
                return kExitBadInput;
            }
            Configuration c;
            c.precision = p == "bf16" ? Precision::Bf16 : p == "fp16" ? Precision::Fp16 : Precision::Fp32;
            c.optimize = o == "on";
            configs.push_back(c);
        }
    }
    if (configs.empty()) {
        std::fprintf(stderr, "synthscope bench: nothing to measure (empty --precision or --optimize)\n");
        return kExitBadInput;
    }

    // The model: a manifest, optionally with other weights of the same architecture.
    ModelManifest manifest;
    try {
        manifest = resolveModel(parser.value("model").toStdString(), scanModels(modelSearchPaths()));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthscope bench: %s\n", e.what());
        return kExitInternal;
    }
    if (parser.isSet("weights")) {
        const QFileInfo weights(parser.value("weights"));
        if (!weights.isFile()) {
            std::fprintf(stderr, "synthscope bench: --weights %s is not a file\n", qPrintable(parser.value("weights")));
            return kExitBadInput;
        }
        manifest.weightsPath = QFile::encodeName(weights.absoluteFilePath()).toStdString();
        manifest.sha256.clear();
    }

    // The images: given, or generated into a temporary (or kept) folder.
    QTemporaryDir temp;
    if (!temp.isValid()) {
        std::fprintf(stderr, "synthscope bench: cannot create a temporary folder\n");
        return kExitInternal;
    }
    std::vector<std::string> images;
    if (!parser.positionalArguments().isEmpty()) {
        std::vector<std::string> inputs;
        for (const QString& p : parser.positionalArguments()) inputs.push_back(QFile::encodeName(p).toStdString());
        const CollectedFiles files = collectImageFiles(inputs);
        for (const std::string& e : files.errors) std::fprintf(stderr, "synthscope bench: %s\n", e.c_str());
        if (!files.errors.empty()) return kExitBadInput;
        images = files.images;
    } else {
        const QString dir = parser.isSet("keep-images") ? parser.value("keep-images") : temp.path();
        if (!QDir().mkpath(dir)) {
            std::fprintf(stderr, "synthscope bench: cannot create %s\n", qPrintable(dir));
            return kExitBadInput;
        }
        const CollectedFiles sources = collectImageFiles({QFile::encodeName(parser.value("source")).toStdString()});
        if (sources.images.empty()) {
            std::fprintf(stderr, "synthscope bench: no photos in %s to make test images from (give --source or IMAGE)\n",
                         qPrintable(parser.value("source")));
            return kExitBadInput;
        }
        try {
            for (const QString& mp : parser.value("megapixels").split(',', Qt::SkipEmptyParts)) {
                bool ok = false;
                const double value = mp.toDouble(&ok);
                if (!ok || value <= 0 || value > 250) {
                    std::fprintf(stderr, "synthscope bench: --megapixels takes sizes from 0 to 250, comma-separated\n");
                    return kExitBadInput;
                }
                images.push_back(makeMosaicJpeg(sources.images, sizeForMegapixels(value), dir));
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "synthscope bench: %s\n", e.what());
            return kExitInternal;
        }
    }
    if (images.empty()) {
        std::fprintf(stderr, "synthscope bench: no images to measure\n");
        return kExitBadInput;
    }

    const std::string loadBefore = loadAverage();
    const bool rssResets = resetPeakRss();
    AnalysisSettings settings;
    settings.fullHeatmap = true;
    settings.load.maxPixels = 250'000'000;

    // Every engine configuration is opened and warmed up first; then, image by image and run by run, each
    // configuration and the reference analyse the image in turn, so that all see the same load.
    std::string modelSha;
    std::vector<std::unique_ptr<ImageAnalyzer>> analyzers;
    for (Configuration& c : configs) {
        DetectorOptions options;
        options.device = device;
        options.precision = c.precision;
        options.optimize = c.optimize;
        options.threads = threads;
        options.batchSize = batchSize;
        std::shared_ptr<Detector> detector;
        try {
            detector = Detector::open(manifest, options);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "synthscope bench: %s\n", e.what());
            return kExitInternal;
        }
        modelSha = detector->weightsSha256();
        c.used = detector->precision();
        c.device = detector->deviceName();
        c.optimization = detector->optimization();
        c.threads = detector->threads();
        c.batchSize = detector->batchSize();
        c.notes = detector->notes();
        c.label = std::string(precisionName(c.used)) + (c.optimization == "as loaded" ? " as loaded" : " optimised");
        for (const std::string& n : c.notes) std::fprintf(stderr, "Note (%s): %s\n", c.label.c_str(), n.c_str());
        std::fprintf(stderr, "Engine %s on %s, %d threads, batch %d\n", c.label.c_str(), c.device.c_str(), c.threads, c.batchSize);
        analyzers.push_back(std::make_unique<ImageAnalyzer>(detector, settings));
        try {
            timeOnce(*analyzers.back(), images.front(), nullptr);  // warm-up, untimed
        } catch (const std::exception& e) {
            std::fprintf(stderr, "synthscope bench: %s\n", e.what());
            return kExitBadInput;
        }
    }

    const bool withReference = parser.isSet("reference");
    ReferenceProcess python;
    if (withReference) {
        const QString script = parser.value("reference-script");
        if (!QFileInfo(script).isFile()) {
            std::fprintf(stderr, "synthscope bench: the reference script %s is missing (give --reference-script)\n", qPrintable(script));
            return kExitBadInput;
        }
        if (!python.start(parser.value("python"), script, manifest, configs.front().threads, configs.front().batchSize, images.front()))
            return kExitInternal;
    }
    std::vector<QJsonObject> referenceResults;
    for (const std::string& path : images) {
        std::vector<ImageFigures> figures(configs.size());
        std::vector<QJsonObject> referenceRuns;
        for (int i = 0; i < repeat; ++i) {
            std::fprintf(stderr, "%s, run %d of %d\n", baseName(path).c_str(), i + 1, repeat);
            try {
                for (std::size_t c = 0; c < configs.size(); ++c) figures[c].runs.push_back(timeOnce(*analyzers[c], path, &figures[c].last));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "synthscope bench: %s\n", e.what());
                return kExitBadInput;
            }
            if (withReference) {
                const QJsonObject r = python.analyse(path);
                if (r.isEmpty() || !r.contains("full_s")) {
                    std::fprintf(stderr, "synthscope bench: the Python reference failed on %s\n", path.c_str());
                    return kExitInternal;
                }
                referenceRuns.push_back(r);
            }
        }
        for (std::size_t c = 0; c < configs.size(); ++c) {
            ImageFigures& f = figures[c];
            f.path = path;
            f.width = f.last.image.width;
            f.height = f.last.image.height;
            f.patches = int(f.last.patches.size());
            configs[c].images.push_back(std::move(f));
        }
        referenceResults.push_back(referenceMedians(referenceRuns));
    }
    QJsonObject referenceJson;
    if (withReference) {
        referenceJson = python.info();
        referenceJson.remove("ready");
        referenceJson["format"] = "synthscope-bench-reference/1";
        referenceJson["recipe"] = "SuSy model card: PIL decode, torchvision grey, scikit-image GLCM, torch.jit.load model";
        QJsonArray results;
        for (const QJsonObject& r : referenceResults) results.append(r);
        referenceJson["results"] = results;
    }
    const std::string loadAfter = loadAverage();

    // ---- the table ----
    const int cpus = int(std::thread::hardware_concurrency());
    std::printf("SynthScope %s bench: model %s %s (%s, sha256 %.12s), %s, %d CPUs; median of %d runs after a warm-up\n",
                SYNTHSCOPE_VERSION, manifest.name.c_str(), manifest.version.c_str(), baseName(manifest.weightsPath).c_str(),
                modelSha.c_str(), cpuModel().c_str(), cpus, repeat);
    std::printf("load average (1, 5, 15 min) before %s, after %s; the pipelines' runs alternate%s\n\n", loadBefore.c_str(),
                loadAfter.c_str(), rssResets ? "" : "; peak RSS could not be reset per image (it is the process's peak so far)");
    std::printf("%-24s %6s %7s  %-26s %7s %7s %7s %8s %8s %8s %7s %7s\n", "image", "MP", "patches", "pipeline", "decode",
                "select", "top-k", "verdict", "full", "patch/s", "img/s", "RSS MB");
    std::printf("%-24s %6s %7s  %-26s %7s %7s %7s %8s %8s %8s %7s %7s\n", "", "", "", "", "s", "s", "s", "s", "s", "", "", "peak");
    QJsonArray comparisons;
    for (std::size_t i = 0; i < images.size(); ++i) {
        const ImageFigures& first = configs.front().images[i];
        char mp[16], patches[16];
        std::snprintf(mp, sizeof mp, "%.1f", first.width * double(first.height) / 1e6);
        std::snprintf(patches, sizeof patches, "%d", first.patches);
        const std::string name = baseName(images[i]);
        bool printedName = false;
        auto nameCell = [&]() -> const char* { return printedName ? "" : (printedName = true, name.c_str()); };
        const QJsonObject ref = withReference ? referenceResults[i] : QJsonObject();
        if (!ref.isEmpty()) {
            // Reference columns: decode = PIL open + convert; select = crops + grey + GLCM.
            printRow(nameCell(), mp, patches, "reference (Python)", ref["decode_s"].toDouble(),
                     ref["crop_s"].toDouble() + ref["glcm_s"].toDouble(), ref["topk_inference_s"].toDouble(),
                     ref["first_verdict_s"].toDouble(), ref["full_s"].toDouble(), ref["patches"].toInt(), ref["peak_rss_mb"].toDouble());
        }
        for (const Configuration& c : configs) {
            const ImageFigures& f = c.images[i];
            const char* image = nameCell();
            printRow(image, image[0] ? mp : "", image[0] ? patches : "", "engine " + c.label, f.med(&Run::decode), f.med(&Run::select),
                     f.med(&Run::topk), f.med(&Run::firstVerdict), f.med(&Run::full), f.patches, f.maxPeak());
        }
        for (const Configuration& c : configs) {
            const ImageFigures& f = c.images[i];
            QJsonObject cmp{{"image", qs(images[i])}, {"pipeline", qs("engine " + c.label)}};
            std::string line;
            char text[256];
            if (!ref.isEmpty()) {
                const double firstRatio = ref["first_verdict_s"].toDouble() / f.med(&Run::firstVerdict);
                const double fullRatio = (f.patches / f.med(&Run::full)) / (ref["patches"].toInt() / ref["full_s"].toDouble());
                const bool sameTopK = sameSet(f.topK(), jsonInts(ref["top_k"].toArray()));
                const double pDiff = std::abs(f.last.verdict.syntheticProbability - ref["synthetic_probability"].toDouble());
                std::snprintf(text, sizeof text, "first verdict %.1fx faster, full-heatmap patches/s %.1fx; top-k %s, |p - p_ref| %.1e",
                              firstRatio, fullRatio, sameTopK ? "same patches" : "DIFFERENT patches", pDiff);
                line = text;
                cmp["first_verdict_speedup"] = firstRatio;
                cmp["patch_throughput_ratio"] = fullRatio;
                cmp["top_k_same_as_reference"] = sameTopK;
                cmp["synthetic_probability_diff_vs_reference"] = pDiff;
            }
            if (&c != &configs.front()) {
                const ImageFigures& base = configs.front().images[i];
                const double d = maxProbabilityDiff(f.last, base.last);
                const bool sameLabel = f.last.verdict.label == base.last.verdict.label;
                std::snprintf(text, sizeof text, "%svs engine %s: max |dp| %.1e over all patches, verdict %s", line.empty() ? "" : "; ",
                              configs.front().label.c_str(), d, sameLabel ? "same" : "DIFFERENT");
                line += text;
                cmp["max_probability_diff_vs_first"] = d;
                cmp["same_verdict_as_first"] = sameLabel;
            }
            if (!line.empty()) std::printf("%-24s   engine %-19s %s\n", "", c.label.c_str(), line.c_str());
            comparisons.append(cmp);
        }
        std::printf("\n");
    }
    // Agreement of every other configuration with the first over all images (the accuracy cost of bf16).
    QJsonArray agreement;
    for (const Configuration& c : configs) {
        if (&c == &configs.front()) continue;
        double maxDiff = 0, maxVerdictDiff = 0;
        int same = 0;
        for (std::size_t i = 0; i < images.size(); ++i) {
            const AnalysisResult& a = c.images[i].last;
            const AnalysisResult& b = configs.front().images[i].last;
            maxDiff = std::max(maxDiff, maxProbabilityDiff(a, b));
            maxVerdictDiff = std::max(maxVerdictDiff, std::abs(a.verdict.syntheticProbability - b.verdict.syntheticProbability));
            same += a.verdict.label == b.verdict.label;
        }
        std::printf("engine %s vs engine %s over %zu images: max |dp| %.1e (any class, any patch), max |d synthetic| %.1e, "
                    "same verdict %d/%zu\n", c.label.c_str(), configs.front().label.c_str(), images.size(), maxDiff, maxVerdictDiff,
                    same, images.size());
        agreement.append(QJsonObject{{"pipeline", qs("engine " + c.label)},
                                     {"against", qs("engine " + configs.front().label)},
                                     {"images", int(images.size())},
                                     {"max_probability_diff", maxDiff},
                                     {"max_synthetic_probability_diff", maxVerdictDiff},
                                     {"same_verdict", same}});
    }
    if (!agreement.isEmpty()) std::printf("\n");
    std::printf("verdict = time to first verdict (decode + patch grid + GLCM + top-%d inference); full = whole heatmap;\n"
                "select = grid, grey and GLCM (reference: crops too); RSS = peak resident memory of the process while\n"
                "the image was analysed (model and libraries included).\n",
                manifest.verdictTopK);

    if (parser.isSet("json")) {
        QJsonArray engine;
        for (const Configuration& c : configs) {
            QJsonArray results;
            for (const ImageFigures& f : c.images)
                results.append(QJsonObject{{"path", qs(f.path)},
                                           {"width", f.width},
                                           {"height", f.height},
                                           {"patches", f.patches},
                                           {"decode_s", f.med(&Run::decode)},
                                           {"select_s", f.med(&Run::select)},
                                           {"topk_inference_s", f.med(&Run::topk)},
                                           {"first_verdict_s", f.med(&Run::firstVerdict)},
                                           {"full_s", f.med(&Run::full)},
                                           {"patches_per_s", f.patches / f.med(&Run::full)},
                                           {"images_per_s", 1.0 / f.med(&Run::full)},
                                           {"verdict_images_per_s", 1.0 / f.med(&Run::firstVerdict)},
                                           {"peak_rss_mb", f.maxPeak()},
                                           {"runs_first_verdict_s", doubles(f.runs, &Run::firstVerdict)},
                                           {"runs_full_s", doubles(f.runs, &Run::full)},
                                           {"synthetic_probability", f.last.verdict.syntheticProbability},
                                           {"verdict", verdictLabelName(f.last.verdict.label)},
                                           {"top_k", ints(f.topK())}});
            QJsonArray notes;
            for (const std::string& n : c.notes) notes.append(qs(n));
            engine.append(QJsonObject{{"pipeline", qs("engine " + c.label)},
                                      {"device", qs(c.device)},
                                      {"precision_asked", precisionName(c.precision)},
                                      {"precision", precisionName(c.used)},
                                      {"optimization", qs(c.optimization)},
                                      {"threads", c.threads},
                                      {"batch_size", c.batchSize},
                                      {"notes", notes},
                                      {"results", results}});
        }
        const QJsonObject root{
            {"format", "synthscope-bench/1"},
            {"software", QJsonObject{{"name", "SynthScope"}, {"version", SYNTHSCOPE_VERSION}}},
            {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
            {"machine", QJsonObject{{"cpu", qs(cpuModel())},
                                    {"cpus", cpus},
                                    {"native_bf16", Detector::cpuHasNativeBf16()},
                                    {"cuda", Detector::cudaAvailable()},
                                    {"load_average_before", qs(loadBefore)},
                                    {"load_average_after", qs(loadAfter)},
                                    {"peak_rss_per_image", rssResets}}},
            {"model", QJsonObject{{"name", qs(manifest.name)},
                                  {"version", qs(manifest.version)},
                                  {"weights", qs(manifest.weightsPath)},
                                  {"sha256", qs(modelSha)},
                                  {"input_size", manifest.inputSize},
                                  {"top_k", manifest.verdictTopK}}},
            {"repeat", repeat},
            {"engine", engine},
            {"reference", withReference ? QJsonValue(referenceJson) : QJsonValue()},
            {"comparison", comparisons},
            {"agreement", agreement},
        };
        std::string error;
        if (!writeJsonFile(parser.value("json"), root, error)) {
            std::fprintf(stderr, "synthscope bench: cannot write %s: %s\n", qPrintable(parser.value("json")), error.c_str());
            return kExitInternal;
        }
    }
    return kExitOk;
}

}  // namespace synthscope::cli
