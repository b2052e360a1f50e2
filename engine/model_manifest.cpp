#include "engine/model_manifest.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/errors.h"

namespace synthscope {

std::string ValidatedRange::warningFor(int width, int height) const {
    if (maxSide <= 0 || std::max(width, height) <= maxSide) return {};
    return "the image is " + std::to_string(width) + "x" + std::to_string(height) + ", larger than anything the model was "
           "validated on (at most " + std::to_string(maxSide) + " px on the longer side): treat its verdict as unreliable" +
           (note.empty() ? std::string(".") : "; " + note);
}

double VerdictCalibration::apply(double p, double fingerprintLogit) const {
    if (!enabled) return p;
    // Clamp away from 0 and 1 so that logit stays finite; a model's softmax can round to exactly 1.
    const double q = std::clamp(p, 1e-6, 1.0 - 1e-6);
    const double z = slope * std::log(q / (1.0 - q)) + intercept + fingerprintLogit;
    return 1.0 / (1.0 + std::exp(-z));
}

namespace {

// Reads fields with errors that say which manifest and which field is wrong.
class ManifestReader {
public:
    explicit ManifestReader(std::string path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw modelError("model manifest " + path_ + ": " + what);
    }
    std::string requireString(const QJsonObject& o, const char* key) const {
        const QJsonValue v = o.value(key);
        if (!v.isString() || v.toString().isEmpty()) fail(std::string("\"") + key + "\" must be a non-empty string");
        return v.toString().toStdString();
    }
    std::string optionalString(const QJsonObject& o, const char* key, const std::string& fallback) const {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() || v.isNull()) return fallback;
        if (!v.isString()) fail(std::string("\"") + key + "\" must be a string");
        return v.toString().toStdString();
    }
    int intIn(const QJsonObject& o, const char* key, int fallback, int lo, int hi) const {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() || v.isNull()) return fallback;
        if (!v.isDouble() || v.toDouble() != double(v.toInt()) || v.toInt() < lo || v.toInt() > hi)
            fail(std::string("\"") + key + "\" must be a whole number from " + std::to_string(lo) + " to " +
                 std::to_string(hi));
        return v.toInt();
    }
    std::array<float, 3> triple(const QJsonObject& o, const char* key) const {
        const QJsonArray a = o.value(key).toArray();
        if (a.size() != 3) fail(std::string("\"") + key + "\" must be a list of 3 numbers (R, G, B)");
        std::array<float, 3> out{};
        for (int i = 0; i < 3; ++i) {
            // A value beyond float's range would become infinity and turn every model input into NaN.
            if (!a[i].isDouble() || !(std::abs(a[i].toDouble()) <= 1e6))
                fail(std::string("\"") + key + "\" must hold numbers from -1e6 to 1e6");
            out[std::size_t(i)] = float(a[i].toDouble());
        }
        return out;
    }

private:
    std::string path_;
};

std::string compactJson(const QJsonValue& v) {
    if (v.isObject()) return QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact).toStdString();
    if (v.isArray()) return QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact).toStdString();
    return "{}";
}

bool isHex64(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit((unsigned char)c); });
}

}  // namespace

bool ModelManifest::weightsPresent() const { return QFileInfo(QString::fromStdString(weightsPath)).isFile(); }

const char* precisionName(Precision p) {
    switch (p) {
    case Precision::Fp16: return "fp16";
    case Precision::Bf16: return "bf16";
    case Precision::Fp32: break;
    }
    return "fp32";
}

ModelManifest loadManifest(const std::string& manifestPath) {
    std::ifstream in(manifestPath, std::ios::binary);
    if (!in) throw modelError("model manifest " + manifestPath + " cannot be opened");
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > 1 << 20) throw modelError("model manifest " + manifestPath + " is over 1 MB; not a manifest");
    return parseManifest(text.str(), manifestPath);
}

ModelManifest parseManifest(const std::string& jsonText, const std::string& manifestPath) {
    const ManifestReader r(manifestPath);
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(jsonText), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        r.fail("not valid JSON (" + parseError.errorString().toStdString() + " at byte " +
               std::to_string(parseError.offset) + ")");
    if (!doc.isObject()) r.fail("the top level must be a JSON object");
    const QJsonObject root = doc.object();

    const std::string format = r.optionalString(root, "format", "synthscope-model/1");
    if (format != "synthscope-model/1") r.fail("unknown format \"" + format + "\" (this version reads synthscope-model/1)");

    ModelManifest m;
    const QFileInfo manifestInfo(QString::fromStdString(manifestPath));
    m.manifestPath = manifestInfo.absoluteFilePath().toStdString();
    m.name = r.requireString(root, "name");
    m.version = r.optionalString(root, "version", "unversioned");
    m.description = r.optionalString(root, "description", "");
    const std::string weights = r.requireString(root, "weights");
    m.weightsPath = QDir::cleanPath(manifestInfo.absoluteDir().absoluteFilePath(QString::fromStdString(weights))).toStdString();
    m.sha256 = r.optionalString(root, "sha256", "");
    std::transform(m.sha256.begin(), m.sha256.end(), m.sha256.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!m.sha256.empty() && !isHex64(m.sha256)) r.fail("\"sha256\" must be 64 hexadecimal digits or null");

    const QJsonArray classes = root.value("classes").toArray();
    if (classes.size() < 2) r.fail("\"classes\" must list at least two class names");
    for (const QJsonValue& c : classes) {
        if (!c.isString() || c.toString().isEmpty()) r.fail("\"classes\" must hold non-empty strings");
        const std::string name = c.toString().toStdString();
        if (std::find(m.classes.begin(), m.classes.end(), name) != m.classes.end()) r.fail("class \"" + name + "\" is listed twice");
        m.classes.push_back(name);
    }
    const std::string authentic = r.requireString(root, "authentic_class");
    const auto it = std::find(m.classes.begin(), m.classes.end(), authentic);
    if (it == m.classes.end()) r.fail("\"authentic_class\" \"" + authentic + "\" is not one of \"classes\"");
    m.authenticIndex = int(it - m.classes.begin());
    m.classGenerators = m.classes;
    m.classGenerators[std::size_t(m.authenticIndex)].clear();
    const QJsonValue generators = root.value("generators");
    if (!generators.isUndefined() && !generators.isNull()) {
        if (!generators.isObject()) r.fail("\"generators\" must be an object mapping class names to generator names (or null)");
        const QJsonObject map = generators.toObject();
        for (auto g = map.begin(); g != map.end(); ++g) {
            const auto c = std::find(m.classes.begin(), m.classes.end(), g.key().toStdString());
            if (c == m.classes.end()) r.fail("\"generators\" names \"" + g.key().toStdString() + "\", which is not one of \"classes\"");
            if (c - m.classes.begin() == m.authenticIndex) r.fail("\"generators\" cannot map the authentic class");
            if (!g.value().isNull() && !(g.value().isString() && !g.value().toString().isEmpty()))
                r.fail("\"generators\" values must be non-empty generator names or null");
            m.classGenerators[std::size_t(c - m.classes.begin())] = g.value().toString().toStdString();
        }
    }

    if (!root.value("input").isObject()) r.fail("\"input\" must be an object with at least \"size\"");
    const QJsonObject input = root.value("input").toObject();
    m.inputSize = r.intIn(input, "size", 0, 8, 4096);
    if (m.inputSize == 0) r.fail("\"input.size\" is required");
    const QJsonArray range = input.value("range").toArray();
    if (!range.isEmpty() && (range.size() != 2 || range[0].toDouble() != 0.0 || range[1].toDouble() != 1.0))
        r.fail("\"input.range\" must be [0, 1] (the only range this version feeds)");
    const QJsonObject norm = input.value("normalization").toObject();
    const std::string normType = r.optionalString(norm, "type", "none");
    if (normType == "mean_std") {
        m.normalization = InputNormalization::MeanStd;
        m.mean = r.triple(norm, "mean");
        m.std = r.triple(norm, "std");
        for (float s : m.std)
            if (!(s > 0.f)) r.fail("\"input.normalization.std\" values must be positive");
    } else if (normType != "none") {
        r.fail("\"input.normalization.type\" must be \"none\" or \"mean_std\"");
    }

    const std::string output = r.optionalString(root, "output", "softmax");
    if (output == "logits") m.output = ModelOutput::Logits;
    else if (output != "softmax") r.fail("\"output\" must be \"softmax\" or \"logits\"");

    const QJsonObject policy = root.value("patch_policy").toObject();
    m.stride = r.intIn(policy, "stride", 0, 1, m.inputSize);
    m.verdictTopK = r.intIn(policy, "verdict_top_k", 5, 1, 100000);
    const std::string small = r.optionalString(policy, "small_image", "pad");
    if (small == "reject") m.smallImage = SmallImagePolicy::Reject;
    else if (small != "pad") r.fail("\"patch_policy.small_image\" must be \"pad\" or \"reject\"");

    const QJsonObject verdict = root.value("verdict").toObject();
    const QJsonValue calibration = verdict.value("calibration");
    if (!calibration.isUndefined() && !calibration.isNull()) {
        const QJsonObject c = calibration.toObject();
        if (r.optionalString(c, "method", "") != "platt")
            r.fail("\"verdict.calibration.method\" must be \"platt\"");
        for (const char* key : {"slope", "intercept"})
            if (!c.value(key).isDouble() || !(std::abs(c.value(key).toDouble()) <= 1e3))
                r.fail(std::string("\"verdict.calibration.") + key + "\" must be a number from -1000 to 1000");
        if (!(c.value("slope").toDouble() > 0)) r.fail("\"verdict.calibration.slope\" must be positive (the map must keep the order)");
        m.calibration.enabled = true;
        m.calibration.slope = c.value("slope").toDouble();
        m.calibration.intercept = c.value("intercept").toDouble();
        m.calibration.fittedOn = r.optionalString(c, "fitted_on", "");
        const QJsonValue fingerprints = c.value("fingerprints");
        if (!fingerprints.isUndefined() && !fingerprints.isNull()) {
            const QJsonObject f = fingerprints.toObject();
            const std::string library = r.optionalString(f, "library", "");
            if (library.empty()) r.fail("\"verdict.calibration.fingerprints.library\" must name the fingerprint folder");
            m.calibration.fingerprintLibrary = QDir::cleanPath(QDir(QFileInfo(QString::fromStdString(m.manifestPath)).absolutePath())
                                                                   .absoluteFilePath(QString::fromStdString(library)))
                                                   .toStdString();
            if (!QFileInfo(QString::fromStdString(m.calibration.fingerprintLibrary)).isDir())
                r.fail("\"verdict.calibration.fingerprints.library\": no folder " + m.calibration.fingerprintLibrary);
            const QJsonArray terms = f.value("terms").toArray();
            if (terms.isEmpty()) r.fail("\"verdict.calibration.fingerprints.terms\" must list at least one term");
            for (const QJsonValue& t : terms) {
                FingerprintTerm term;
                for (const QJsonValue& g : t.toObject().value("generators").toArray())
                    if (g.isString() && !g.toString().isEmpty()) term.generators.push_back(g.toString().toStdString());
                const QJsonValue w = t.toObject().value("weight");
                if (term.generators.empty() || !w.isDouble() || !(std::abs(w.toDouble()) <= 100))
                    r.fail("each of \"verdict.calibration.fingerprints.terms\" needs \"generators\" (names) and a \"weight\" from -100 to 100");
                term.weight = w.toDouble();
                m.calibration.fingerprintTerms.push_back(term);
            }
        }
    }
    const QJsonArray band = verdict.value("inconclusive_band").toArray();
    if (!band.isEmpty()) {
        if (band.size() != 2 || !band[0].isDouble() || !band[1].isDouble() || band[0].toDouble() < 0 ||
            band[1].toDouble() > 1 || band[0].toDouble() > band[1].toDouble())
            r.fail("\"verdict.inconclusive_band\" must be [low, high] with 0 <= low <= high <= 1");
        m.inconclusiveLow = band[0].toDouble();
        m.inconclusiveHigh = band[1].toDouble();
    }

    const QJsonObject attribution = root.value("attribution").toObject();
    if (attribution.contains("fingerprint_weight")) {
        const QJsonValue w = attribution.value("fingerprint_weight");
        if (!w.isDouble() || !(w.toDouble() >= 0 && w.toDouble() <= 100))
            r.fail("\"attribution.fingerprint_weight\" must be a number from 0 to 100");
        m.fingerprintWeight = w.toDouble();
        m.fingerprintWeightFittedOn = r.optionalString(attribution, "fitted_on", "");
    }
    if (attribution.contains("unnamed_offset")) {
        const QJsonValue b = attribution.value("unnamed_offset");
        if (!b.isDouble() || !(b.toDouble() >= -100 && b.toDouble() <= 100))
            r.fail("\"attribution.unnamed_offset\" must be a number from -100 to 100");
        m.unnamedOffset = b.toDouble();
    }
    if (attribution.contains("temperature")) {
        const QJsonValue t = attribution.value("temperature");
        if (!t.isDouble() || !(t.toDouble() >= 0.05 && t.toDouble() <= 100))
            r.fail("\"attribution.temperature\" must be a number from 0.05 to 100");
        m.attributionTemperature = t.toDouble();
    }
    if (attribution.contains("look")) {
        const QJsonObject look = attribution.value("look").toObject();
        const std::string file = r.optionalString(look, "file", "");
        if (file.empty()) r.fail("\"attribution.look\" needs a \"file\" (a TorchScript file, relative to the manifest)");
        m.look.path = QDir::cleanPath(manifestInfo.absoluteDir().absoluteFilePath(QString::fromStdString(file))).toStdString();
        m.look.sha256 = r.optionalString(look, "sha256", "");
        std::transform(m.look.sha256.begin(), m.look.sha256.end(), m.look.sha256.begin(), [](unsigned char c) { return std::tolower(c); });
        if (!m.look.sha256.empty() && !isHex64(m.look.sha256)) r.fail("\"attribution.look.sha256\" must be 64 hexadecimal digits");
        for (const QJsonValue& a : look.value("answers").toArray()) {
            if (!a.isString() || a.toString().isEmpty()) r.fail("\"attribution.look.answers\" must be names");
            m.look.answers.push_back(a.toString().toStdString());
        }
        if (m.look.answers.size() < 2) r.fail("\"attribution.look.answers\" must name at least two candidates");
        const QJsonValue w = look.value("weight");
        if (!w.isDouble() || !(w.toDouble() >= 0 && w.toDouble() <= 100))
            r.fail("\"attribution.look.weight\" must be a number from 0 to 100");
        m.look.weight = w.toDouble();
    }

    const QJsonObject validated = root.value("validated_on").toObject();
    m.validatedOn.maxSide = r.intIn(validated, "max_side", 0, 1, 1000000);
    m.validatedOn.note = r.optionalString(validated, "note", "");

    const QJsonObject inference = root.value("inference").toObject();
    m.preferredDevice = r.optionalString(inference, "device", "auto");
    if (m.preferredDevice != "auto" && m.preferredDevice != "cpu" && m.preferredDevice != "cuda")
        r.fail("\"inference.device\" must be \"auto\", \"cpu\" or \"cuda\"");
    const std::string precision = r.optionalString(inference, "precision", "fp32");
    if (precision == "fp16") m.preferredPrecision = Precision::Fp16;
    else if (precision == "bf16") m.preferredPrecision = Precision::Bf16;
    else if (precision != "fp32") r.fail("\"inference.precision\" must be \"fp32\", \"fp16\" or \"bf16\"");
    const QJsonValue optimize = inference.value("optimize");
    if (!optimize.isUndefined() && !optimize.isNull() && !optimize.isBool()) r.fail("\"inference.optimize\" must be true or false");
    m.optimizeGraph = optimize.toBool(true);
    m.batchSize = r.intIn(inference, "batch_size", 16, 1, 4096);

    m.provenanceJson = compactJson(root.value("provenance"));
    m.accuracyJson = compactJson(root.value("accuracy"));
    return m;
}

}  // namespace synthscope
