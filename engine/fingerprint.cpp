#include "engine/fingerprint.h"

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <filesystem>

#include <opencv2/core.hpp>

#include "engine/errors.h"
#include "engine/npy.h"
#include "engine/sha256.h"

namespace synthscope {
namespace {

namespace fs = std::filesystem;

QJsonObject readSidecar(const std::string& path) {
    QFile file(QString::fromStdString(path));
    if (!file.exists()) throw badInput("the fingerprint's sidecar " + path + " is missing; it must hold mu_real and mu_fake.");
    if (file.size() > (1 << 20)) throw badInput("the fingerprint's sidecar " + path + " is larger than 1 MB; it is not a sidecar.");
    if (!file.open(QIODevice::ReadOnly)) throw badInput("the fingerprint's sidecar " + path + " cannot be read.");
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        throw badInput("the fingerprint's sidecar " + path + " is not a JSON object (" + error.errorString().toStdString() + ").");
    return doc.object();
}

double finiteNumber(const QJsonObject& o, const char* key, const std::string& path) {
    const QJsonValue v = o.value(key);
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        throw badInput("the fingerprint's sidecar " + path + " has no numeric \"" + key + "\".");
    return v.toDouble();
}

void writeFileAtomically(const std::string& path, const QByteArray& bytes) {
    QSaveFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        throw badInput("cannot write " + path + ": " + file.errorString().toStdString());
}

}  // namespace

Fingerprint loadFingerprint(const std::string& npyPath) {
    const fs::path p(npyPath);
    const std::string sidecar = (p.parent_path() / (p.stem().string() + ".json")).string();
    Fingerprint f;
    f.name = p.stem().string();
    f.npyPath = npyPath;
    f.pattern = readNpyImage(npyPath);
    const QJsonObject o = readSidecar(sidecar);
    f.muReal = finiteNumber(o, "mu_real", sidecar);
    f.muFake = finiteNumber(o, "mu_fake", sidecar);
    // Equal centres leave DIF's nearest-centre rule undefined (and the score divides by their gap).
    if (!(std::abs(f.muFake - f.muReal) > 1e-12))
        throw badInput("the fingerprint's sidecar " + sidecar + " has mu_real equal to mu_fake; the fingerprint cannot tell real from fake.");
    if (o.contains("shape_hwc")) {
        const QJsonArray shape = o.value("shape_hwc").toArray();
        if (shape.size() != 3 || shape[0].toInt() != f.pattern.rows || shape[1].toInt() != f.pattern.cols || shape[2].toInt() != 3)
            throw badInput("the fingerprint's sidecar " + sidecar + " gives a shape_hwc that disagrees with " + npyPath + ".");
    }
    f.residual = o.value("residual").toString().toStdString();
    for (auto [key, field] : {std::pair<const char*, double*>{"sigma_real", &f.sigmaReal}, {"sigma_fake", &f.sigmaFake}}) {
        if (!o.contains(key)) continue;
        *field = o.value(key).toDouble(-1);
        if (!(*field >= 0 && *field < 1e6)) throw badInput("the fingerprint's sidecar " + sidecar + " has a \"" + key + "\" that is not a number >= 0.");
    }
    if (o.contains("clip")) {
        f.clip = o.value("clip").toDouble(-1);
        if (!(f.clip >= 0 && f.clip < 1e6)) throw badInput("the fingerprint's sidecar " + sidecar + " has a \"clip\" that is not a number >= 0.");
    }
    f.sidecarJson = QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
    return f;
}

namespace {

// The fingerprints of a library folder: every regular <name>.npy in it (not in subfolders), sorted.
// ec is set when the folder cannot be read.
std::vector<fs::path> libraryArrays(const std::string& dir, std::error_code& ec) {
    std::vector<fs::path> npys;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code fileEc;
        if (it->is_regular_file(fileEc) && it->path().extension() == ".npy") npys.push_back(it->path());
    }
    std::sort(npys.begin(), npys.end());
    return npys;
}

}  // namespace

FingerprintLibrary loadFingerprintLibrary(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw badInput("the fingerprint library " + dir + " is not a folder.");
    const std::vector<fs::path> npys = libraryArrays(dir, ec);
    if (ec) throw badInput("the fingerprint library " + dir + " cannot be read: " + ec.message() + ".");
    FingerprintLibrary library;
    library.folder = dir;
    for (const fs::path& path : npys) {
        try {
            library.fingerprints.push_back(loadFingerprint(path.string()));
        } catch (const EngineError& e) {
            library.errors.push_back(e.what());
        }
    }
    return library;
}

std::string fingerprintLibraryDigest(const std::string& dir) {
    std::error_code ec;
    const std::vector<fs::path> npys = libraryArrays(dir, ec);
    if (ec) return "unreadable: " + ec.message();
    std::string listing;  // name, then the hashes of the array and of its sidecar ("-" when missing)
    for (const fs::path& npy : npys) {
        fs::path sidecar = npy;
        sidecar.replace_extension(".json");
        auto hashOf = [](const fs::path& p) {
            try {
                return sha256OfFile(p.string());
            } catch (const EngineError&) {
                return std::string("-");
            }
        };
        listing += npy.filename().string() + " " + hashOf(npy) + " " + hashOf(sidecar) + "\n";
    }
    return sha256Hex(std::vector<std::uint8_t>(listing.begin(), listing.end()));
}

void saveFingerprint(const Fingerprint& f, const std::string& dir) {
    if (f.name.empty() || f.name.find_first_of("/\\") != std::string::npos || f.name == "." || f.name == "..")
        throw badInput("\"" + f.name + "\" is not a usable fingerprint name (give a plain name such as sd14).");
    if (f.pattern.empty() || f.pattern.type() != CV_32FC3) throw std::invalid_argument("saveFingerprint: pattern must be CV_32FC3");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw badInput("cannot create the folder " + dir + ": " + ec.message() + ".");
    QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(f.sidecarJson)).object();
    o["generator"] = QString::fromStdString(f.name);
    o["shape_hwc"] = QJsonArray{f.pattern.rows, f.pattern.cols, 3};
    o["mu_real"] = f.muReal;
    o["mu_fake"] = f.muFake;
    if (!f.residual.empty()) o["residual"] = QString::fromStdString(f.residual);
    if (f.hasSpread()) {
        o["sigma_real"] = f.sigmaReal;
        o["sigma_fake"] = f.sigmaFake;
    }
    if (f.clip > 0) o["clip"] = f.clip;
    else o.remove("clip");
    const std::string base = (fs::path(dir) / f.name).string();
    writeNpyImage(base + ".npy", f.pattern);
    writeFileAtomically(base + ".json", QJsonDocument(o).toJson(QJsonDocument::Indented));
}

cv::Mat logSpectrum(const cv::Mat& image) {
    if (image.empty() || (image.type() != CV_32FC1 && image.type() != CV_32FC3))
        throw std::invalid_argument("logSpectrum needs a non-empty CV_32FC1 or CV_32FC3 image");
    double lo = 0, hi = 0;
    cv::minMaxLoc(image.reshape(1), &lo, &hi);
    cv::Mat scaled = (image - cv::Scalar::all(lo)) / std::max(hi - lo, 1e-12);  // a bare double would shift channel 0 only
    std::vector<cv::Mat> channels;
    cv::split(scaled, channels);
    cv::Mat magnitude = cv::Mat::zeros(image.size(), CV_32F);
    for (const cv::Mat& c : channels) {
        cv::Mat spectrum, parts[2], mag;
        cv::dft(c, spectrum, cv::DFT_COMPLEX_OUTPUT);
        cv::split(spectrum, parts);
        cv::magnitude(parts[0], parts[1], mag);
        magnitude += mag / double(image.total() * channels.size());
    }
    cv::Mat logMag;
    cv::log(magnitude + 1e-8, logMag);
    logMag *= 20.0;
    // fftshift: swap quadrants so that the zero frequency is in the centre (odd sizes: numpy's convention).
    cv::Mat shifted(logMag.size(), CV_32F);
    const int cy = logMag.rows / 2, cx = logMag.cols / 2;
    for (int r = 0; r < logMag.rows; ++r)
        for (int c = 0; c < logMag.cols; ++c)
            shifted.at<float>((r + cy) % logMag.rows, (c + cx) % logMag.cols) = logMag.at<float>(r, c);
    cv::normalize(shifted, shifted, 0.0, 1.0, cv::NORM_MINMAX);
    return shifted;
}

cv::Mat stretchTo8Bit(const cv::Mat& image) {
    // The 0.5th to 99.5th percentile of all values spans 0..255: a few extreme values (a spectrum's zero
    // frequency, a residual's strongest edges) would otherwise squeeze everything else into mid-grey.
    cv::Mat values = image.reshape(1, 1).clone();
    values.convertTo(values, CV_32F);
    float* v = values.ptr<float>();
    const std::size_t n = values.total();
    if (n == 0) return cv::Mat(image.size(), CV_8UC(image.channels()), cv::Scalar::all(0));
    std::nth_element(v, v + n / 200, v + n);
    const double lo = v[n / 200];
    std::nth_element(v, v + (n - 1 - n / 200), v + n);
    const double hi = v[n - 1 - n / 200];
    cv::Mat eight;
    if (hi > lo) image.convertTo(eight, CV_8U, 255.0 / (hi - lo), -lo * 255.0 / (hi - lo));  // saturates outside
    else eight = cv::Mat(image.size(), CV_8UC(image.channels()), cv::Scalar::all(128));
    return eight;
}

}  // namespace synthscope
