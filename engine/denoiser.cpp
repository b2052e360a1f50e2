// The Qt side of denoisers: the manifest reader and ResidualSource. The TorchScript module itself is
// in torch_signal.cpp (no Qt there, no torch here).
#include "engine/denoiser.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "engine/errors.h"

namespace synthscope {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw modelError("denoiser manifest " + path + ": " + what);
}

std::string optionalString(const std::string& path, const QJsonObject& o, const char* key, const std::string& fallback) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull()) return fallback;
    if (!v.isString()) fail(path, std::string("\"") + key + "\" must be a string");
    return v.toString().toStdString();
}

bool isHex64(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit((unsigned char)c); });
}

}  // namespace

DenoiserManifest loadDenoiserManifest(const std::string& manifestPath) {
    std::ifstream in(manifestPath, std::ios::binary);
    if (!in) throw modelError("denoiser manifest " + manifestPath + " cannot be opened");
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > 1 << 20) throw modelError("denoiser manifest " + manifestPath + " is over 1 MB; not a manifest");
    return parseDenoiserManifest(text.str(), manifestPath);
}

DenoiserManifest parseDenoiserManifest(const std::string& jsonText, const std::string& manifestPath) {
    const std::string& p = manifestPath;
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(jsonText), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        fail(p, "not valid JSON (" + parseError.errorString().toStdString() + " at byte " + std::to_string(parseError.offset) + ")");
    if (!doc.isObject()) fail(p, "the top level must be a JSON object");
    const QJsonObject root = doc.object();
    // Required, unlike for detectors: a detector manifest given here by mistake must be refused.
    const std::string format = optionalString(p, root, "format", "");
    if (format != "synthscope-denoiser/1")
        fail(p, "\"format\" must be \"synthscope-denoiser/1\"" + (format.empty() ? std::string() : " (found \"" + format + "\")"));

    DenoiserManifest m;
    const QFileInfo info(QString::fromStdString(manifestPath));
    m.manifestPath = info.absoluteFilePath().toStdString();
    m.name = optionalString(p, root, "name", "");
    if (m.name.empty()) fail(p, "\"name\" must be a non-empty string");
    m.description = optionalString(p, root, "description", "");
    const std::string weights = optionalString(p, root, "weights", "");
    if (weights.empty()) fail(p, "\"weights\" must name the TorchScript file");
    m.weightsPath = QDir::cleanPath(info.absoluteDir().absoluteFilePath(QString::fromStdString(weights))).toStdString();
    m.sha256 = optionalString(p, root, "sha256", "");
    std::transform(m.sha256.begin(), m.sha256.end(), m.sha256.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!m.sha256.empty() && !isHex64(m.sha256)) fail(p, "\"sha256\" must be 64 hexadecimal digits or null");

    const QJsonObject input = root.value("input").toObject();
    const QJsonArray range = input.value("range").toArray();
    if (!range.isEmpty()) {
        if (range.size() != 2 || !range[0].isDouble() || !range[1].isDouble() || !(range[1].toDouble() > range[0].toDouble()))
            fail(p, "\"input.range\" must be [low, high] with low < high, e.g. [0, 1] or [0, 255]");
        m.rangeLow = float(range[0].toDouble());
        m.rangeHigh = float(range[1].toDouble());
    }
    const QJsonValue channels = input.value("channels");
    if (!channels.isUndefined() && !channels.isNull()) {
        if (channels.toDouble() != 1.0 && channels.toDouble() != 3.0) fail(p, "\"input.channels\" must be 1 or 3");
        m.channels = channels.toInt();
    }
    const QJsonValue pad = input.value("pad_multiple");
    if (!pad.isUndefined() && !pad.isNull()) {
        if (!pad.isDouble() || pad.toDouble() != double(pad.toInt()) || pad.toInt() < 1 || pad.toInt() > 256)
            fail(p, "\"input.pad_multiple\" must be a whole number from 1 to 256");
        m.padMultiple = pad.toInt();
    }
    const std::string output = optionalString(p, root, "output", "");
    if (output == "noise") m.output = DenoiserOutput::Noise;
    else if (output == "denoised") m.output = DenoiserOutput::Denoised;
    else fail(p, "\"output\" must be \"denoised\" (the module returns the clean image) or \"noise\" (it returns the noise)");
    return m;
}

cv::Mat ResidualSource::compute(const cv::Mat& rgb8) const {
    return denoiser ? denoiser->residual(rgb8) : computeResidual(rgb8, method);
}

std::string ResidualSource::name() const {
    return denoiser ? "denoiser:" + denoiser->manifest().name : std::string(residualMethodName(method));
}

}  // namespace synthscope
