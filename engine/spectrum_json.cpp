#include "engine/spectrum_json.h"

#include <QJsonArray>

namespace synthscope {

QJsonObject toJson(const SpectralPeak& p) {
    return QJsonObject{{"fx", p.fx},
                       {"fy", p.fy},
                       {"period_x", p.periodX},
                       {"period_y", p.periodY},
                       {"strength_db", p.strengthDb},
                       {"z_score", p.zScore},
                       {"upsampling_harmonic", p.upsamplingHarmonic},
                       {"jpeg_grid", p.jpegGrid}};
}

QJsonObject toJson(const Spectrum& s, bool includeProfile) {
    QJsonArray peaks;
    for (const SpectralPeak& p : s.peaks) peaks.append(toJson(p));
    QJsonObject o{{"width", s.logPower.cols},
                  {"height", s.logPower.rows},
                  {"residual", QString::fromStdString(s.residual)},
                  {"magnitude", s.magnitude},
                  {"device", QString::fromStdString(s.device)},
                  {"images_used", s.imagesUsed},
                  {"jpeg_images", s.jpegImages},
                  {"noise_db", s.noiseDb},
                  {"has_upsampling_peak", s.hasUpsamplingPeak(false)},
                  {"has_upsampling_or_jpeg_grid_peak", s.hasUpsamplingPeak(true)},
                  {"peaks", peaks}};
    if (includeProfile) {
        QJsonArray frequency, db;
        for (std::size_t i = 0; i < s.radialProfile.size(); ++i) {
            frequency.append(s.radialFrequency(i));
            db.append(s.radialProfile[i]);
        }
        o.insert("radial_profile", QJsonObject{{"frequency", frequency}, {"db", db}});
    }
    return o;
}

QJsonObject toJson(const AveragedSpectrum& a, bool includeProfile) {
    QJsonObject o = toJson(a.spectrum, includeProfile);
    QJsonArray skipped;
    for (const SkippedImage& s : a.skipped)
        skipped.append(QJsonObject{{"path", QString::fromStdString(s.path)}, {"message", QString::fromStdString(s.message)}});
    o.insert("skipped", skipped);
    return o;
}

}  // namespace synthscope
