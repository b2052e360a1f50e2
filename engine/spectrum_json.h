#pragma once
#include <QJsonObject>

#include "engine/spectrum.h"

namespace synthscope {

// JSON forms of spectra (for --json and reports). Field names are snake_case and stable. The log
// spectrum itself is not included (it is an image: see renderSpectrum); the radial profile is, when
// includeProfile, as {"frequency": [...], "db": [...]}.
QJsonObject toJson(const SpectralPeak& peak);
QJsonObject toJson(const Spectrum& spectrum, bool includeProfile = true);
QJsonObject toJson(const AveragedSpectrum& average, bool includeProfile = true);  // adds "skipped"

}  // namespace synthscope
