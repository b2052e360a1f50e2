#include "engine/model_registry.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/denoiser.h"
#include "engine/errors.h"

namespace synthscope {
namespace {

bool looksLikeManifest(const QString& path) {
    QFile f(path);
    if (f.size() > (1 << 20) || !f.open(QIODevice::ReadOnly)) return false;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
    return doc.isObject() && doc.object().value("format").toString().startsWith("synthscope-model");
}

void scanFolder(const QString& folder, int depth, ModelCatalog& catalog) {
    const QDir dir(folder);
    for (const QFileInfo& f : dir.entryInfoList({"*.json"}, QDir::Files, QDir::Name)) {
        if (!looksLikeManifest(f.absoluteFilePath())) continue;
        try {
            ModelManifest m = loadManifest(QFile::encodeName(f.absoluteFilePath()).toStdString());
            if (!catalog.find(m.name)) catalog.models.push_back(std::move(m));
        } catch (const EngineError& e) {
            catalog.errors.push_back(e.what());
        }
    }
    if (depth > 0)
        for (const QFileInfo& d : dir.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
            scanFolder(d.absoluteFilePath(), depth - 1, catalog);
}

}  // namespace

std::string installedModelsBesideExecutable() {
    // /proc/self/exe rather than QCoreApplication::applicationDirPath(): the engine must work without a
    // QCoreApplication (tests, tools).
    const QFileInfo exe(QFile::symLinkTarget("/proc/self/exe"));
    if (exe.fileName().isEmpty()) return {};
    const QString dir = QDir::cleanPath(exe.absolutePath() + "/../share/synthscope/models");
    return QFileInfo(dir).isDir() ? QFile::encodeName(dir).toStdString() : std::string();
}

const ModelManifest* ModelCatalog::find(const std::string& name) const {
    for (const ModelManifest& m : models)
        if (m.name == name) return &m;
    return nullptr;
}

std::vector<std::string> modelSearchPaths() {
    std::vector<std::string> paths;
    if (const char* env = std::getenv("SYNTHSCOPE_MODELS")) {
        std::stringstream list(env);
        for (std::string p; std::getline(list, p, ':');)
            if (!p.empty()) paths.push_back(p);
    }
    const QString home = QDir::homePath();
    paths.push_back((home + "/.local/share/synthscope/models").toStdString());
    // Beside the running executable first, so that a package or a `cmake --install --prefix` copy uses
    // its own models wherever it was unpacked; then the prefix the build was configured for.
    const std::string besideExecutable = installedModelsBesideExecutable();
    if (!besideExecutable.empty()) paths.push_back(besideExecutable);
    if (besideExecutable != SYNTHSCOPE_MODELS_INSTALL_DIR) paths.push_back(SYNTHSCOPE_MODELS_INSTALL_DIR);
    // The source tree only for the binaries of a build folder: an installed copy must not depend on (or
    // list) the folder it was built in.
    if (besideExecutable.empty()) paths.push_back(SYNTHSCOPE_MODELS_SOURCE_DIR);
    return paths;
}

ModelCatalog scanModels(const std::vector<std::string>& folders) {
    ModelCatalog catalog;
    for (const std::string& f : folders)
        if (QFileInfo(QString::fromStdString(f)).isDir()) scanFolder(QString::fromStdString(f), 1, catalog);
    return catalog;
}

ModelManifest resolveModel(const std::string& nameOrFile, const ModelCatalog& catalog) {
    if (!nameOrFile.empty()) {
        const QFileInfo file(QFile::decodeName(nameOrFile.c_str()));
        if (file.isFile()) {
            if (file.suffix().compare("json", Qt::CaseInsensitive) == 0) return loadManifest(nameOrFile);
            const QString sidecar = file.absolutePath() + "/" + file.completeBaseName() + ".json";
            if (QFileInfo(sidecar).isFile()) return loadManifest(QFile::encodeName(sidecar).toStdString());
            throw modelError(nameOrFile + " has no manifest beside it: write " + sidecar.toStdString() +
                             " (classes, input size, normalisation; see models/MANIFEST.md)");
        }
        if (const ModelManifest* m = catalog.find(nameOrFile)) return *m;
        std::string known;
        for (const ModelManifest& m : catalog.models) known += (known.empty() ? "" : ", ") + m.name;
        throw modelError("no model named \"" + nameOrFile + "\" and no such file (known models: " +
                         (known.empty() ? "none" : known) + ")");
    }
    for (const char* preferred : {"susy", "baseline"})
        if (const ModelManifest* m = catalog.find(preferred); m && m->weightsPresent()) return *m;
    for (const ModelManifest& m : catalog.models)
        if (m.weightsPresent()) return m;
    throw modelError("no detector model is installed. Train the project's baseline (models/baseline/README.md) or "
                     "download SuSy.pt into models/susy/ (models/susy/README.md), or pass --model FILE");
}

std::string resolveFingerprintLibrary(const std::string& given) {
    if (!given.empty()) {
        if (!QFileInfo(QFile::decodeName(given.c_str())).isDir()) throw badInput("the fingerprint library " + given + " is not a folder");
        return given;
    }
    const QString env = qEnvironmentVariable("SYNTHSCOPE_FINGERPRINTS");
    if (!env.isEmpty()) {
        if (!QFileInfo(env).isDir()) throw badInput("$SYNTHSCOPE_FINGERPRINTS (" + env.toStdString() + ") is not a folder");
        return QFile::encodeName(env).toStdString();
    }
    for (const std::string& models : modelSearchPaths()) {
        const std::string dir = models + "/fingerprints";
        if (QFileInfo(QFile::decodeName(dir.c_str())).isDir()) return dir;
    }
    throw badInput("no fingerprint library found: give --library DIR (a folder of <generator>.npy + <generator>.json), "
                   "set $SYNTHSCOPE_FINGERPRINTS, or put them in a \"fingerprints\" folder beside the models");
}

std::string resolveDenoiser() {
    const QString env = qEnvironmentVariable("SYNTHSCOPE_DENOISER");
    if (env == "none") return {};
    if (!env.isEmpty()) return QFile::encodeName(env).toStdString();
    for (const std::string& models : modelSearchPaths()) {
        const QDir dir(QFile::decodeName((models + "/denoiser").c_str()));
        if (!dir.exists()) continue;
        for (const QFileInfo& f : dir.entryInfoList({"*.json"}, QDir::Files, QDir::Name)) {
            QFile file(f.absoluteFilePath());
            if (file.size() > (1 << 20) || !file.open(QIODevice::ReadOnly)) continue;
            if (QJsonDocument::fromJson(file.readAll()).object().value("format").toString() == "synthscope-denoiser/1")
                return QFile::encodeName(f.absoluteFilePath()).toStdString();
        }
    }
    return {};
}

FingerprintLibrary loadInstalledFingerprints(const std::string& given) {
    FingerprintLibrary library = loadFingerprintLibrary(resolveFingerprintLibrary(given));
    // Only fingerprints that name no residual of ours (DIF's) or a denoiser use it: load it only then.
    const bool needed = std::any_of(library.fingerprints.begin(), library.fingerprints.end(), [](const Fingerprint& f) {
        return f.residual.empty() || f.residual.rfind("denoiser:", 0) == 0;
    });
    const std::string denoiser = needed ? resolveDenoiser() : std::string();
    if (denoiser.empty()) return library;
    try {
        library.defaultResidual = ResidualSource(ResidualMethod::NonLocalMeans, TorchDenoiser::open(loadDenoiserManifest(denoiser)));
    } catch (const std::exception& e) {
        library.residualNote = std::string("the learned denoiser could not be used (") + e.what() + "); non-local means residuals instead";
    }
    return library;
}

}  // namespace synthscope
