#pragma once
#include <string>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/model_manifest.h"

namespace synthscope {

// The models SynthScope can find: every `*.json` with "format": "synthscope-model/1" in the model
// folders and their direct subfolders.
struct ModelCatalog {
    std::vector<ModelManifest> models;  // in search order; the first of a name wins
    std::vector<std::string> errors;    // broken manifests, with the reason
    const ModelManifest* find(const std::string& name) const;
};

// Where models are looked for, first match wins: $SYNTHSCOPE_MODELS (colon-separated),
// ~/.local/share/synthscope/models, share/synthscope/models beside the running executable (bin/../share),
// the configured install prefix's share/synthscope/models, and (for the binaries of a build folder, which
// have no share/ beside them) the source tree's models/.
std::vector<std::string> modelSearchPaths();

// <folder of the running executable>/../share/synthscope/models when that folder exists, else empty.
std::string installedModelsBesideExecutable();

ModelCatalog scanModels(const std::vector<std::string>& folders);

// --model: a manifest file, a TorchScript file with a manifest of the same name beside it, or a model
// name from the catalog. Empty: the preferred installed model (SuSy when its weights are present, then
// the project's baseline, then any installed one). Throws EngineError(Model) with what to do.
ModelManifest resolveModel(const std::string& nameOrFile, const ModelCatalog& catalog);

// The fingerprint library folder (<generator>.npy + .json): `given` when not empty, else
// $SYNTHSCOPE_FINGERPRINTS, else the first "fingerprints" folder under modelSearchPaths() (the project
// ships models/fingerprints). Throws EngineError(BadInput) saying what to do when there is none.
std::string resolveFingerprintLibrary(const std::string& given);

// The learned denoiser fingerprint attribution uses for fingerprints made with a denoiser (DIF's):
// $SYNTHSCOPE_DENOISER when set (a synthscope-denoiser/1 manifest, or "none"), else the first manifest
// (by name) in the first "denoiser" folder under modelSearchPaths() (the project ships models/denoiser).
// Empty when there is none or "none" was asked for.
std::string resolveDenoiser();

// The fingerprint library the workstation and reports use: resolveFingerprintLibrary(given), loaded, with
// resolveDenoiser()'s denoiser as its defaultResidual (on device "auto") when a fingerprint names no
// residual or a denoiser (DIF's). A denoiser that cannot be loaded leaves non-local means and says why in
// residualNote. Throws EngineError(BadInput) as those two do.
FingerprintLibrary loadInstalledFingerprints(const std::string& given = {});

}  // namespace synthscope
