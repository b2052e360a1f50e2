#include "engine/result_json.h"

#include <QJsonArray>

namespace synthscope {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QJsonArray scoresToJson(const std::vector<ClassScore>& scores) {
    QJsonArray out;
    for (const ClassScore& s : scores) out.append(QJsonObject{{"class", qs(s.name)}, {"probability", s.probability}});
    return out;
}

}  // namespace

QJsonObject toJson(const Provenance& p) {
    return QJsonObject{
        {"software", QJsonObject{{"name", "SynthScope"}, {"version", qs(p.softwareVersion)}}},
        {"model", QJsonObject{{"name", qs(p.modelName)}, {"version", qs(p.modelVersion)}, {"sha256", qs(p.modelSha256)}}},
        {"settings", QJsonObject{{"device", qs(p.device)},
                                 {"precision", qs(p.precision)},
                                 {"threads", p.threads},
                                 {"batch_size", p.batchSize},
                                 {"patch_size", p.patchSize},
                                 {"stride", p.stride},
                                 {"verdict_top_k", p.topK},
                                 {"full_heatmap", p.fullHeatmap},
                                 {"small_image", qs(p.smallImagePolicy)}}},
    };
}

QJsonObject toJson(const AnalysisResult& r, bool includePatches) {
    const ImageInfo& i = r.image;
    QJsonObject image{{"path", qs(i.path)},          {"sha256", qs(i.sha256)},   {"file_size", double(i.fileSize)},
                      {"format", qs(i.format)},      {"width", i.width},         {"height", i.height},
                      {"bit_depth", i.bitDepth},     {"channels", i.channels},   {"had_alpha", i.hadAlpha},
                      {"exif_orientation", i.exifOrientation}, {"padded", i.padded}};
    const Verdict& v = r.verdict;
    QJsonObject verdict{{"label", verdictLabelName(v.label)},
                        {"synthetic_probability", v.syntheticProbability},
                        {"spread", v.spread},
                        {"patches_used", v.patchesUsed},
                        {"inconclusive_band", QJsonArray{v.bandLow, v.bandHigh}},
                        {"classes", scoresToJson(v.classes)},
                        {"attribution", scoresToJson(v.attribution)}};
    QJsonObject out{{"image", image},
                    {"verdict", verdict},
                    {"provenance", toJson(r.provenance)},
                    {"grid", QJsonObject{{"cols", r.gridCols}, {"rows", r.gridRows}, {"complete", r.heatmapComplete},
                                         {"classes", [&] {
                                              QJsonArray names;  // order of every patch's "probabilities"
                                              for (const std::string& c : r.classNames) names.append(qs(c));
                                              return names;
                                          }()}}},
                    {"timings_ms", QJsonObject{{"load", r.timings.loadMs},
                                               {"contrast", r.timings.contrastMs},
                                               {"verdict", r.timings.verdictMs},
                                               {"heatmap", r.timings.heatmapMs},
                                               {"total", r.timings.totalMs}}}};
    QJsonArray warnings;
    for (const std::string& w : r.warnings) warnings.append(qs(w));
    out.insert("warnings", warnings);
    if (includePatches) {
        QJsonArray patches;
        for (const PatchResult& p : r.patches) {
            QJsonObject o{{"x", p.rect.x}, {"y", p.rect.y}, {"size", p.rect.width}, {"contrast", p.contrast}, {"top_k", p.inTopK}};
            if (p.classified()) {
                QJsonArray probs;
                for (float f : p.probabilities) probs.append(double(f));
                o.insert("synthetic_probability", p.synthetic);
                o.insert("probabilities", probs);
            }
            patches.append(o);
        }
        out.insert("patches", patches);
    }
    return out;
}

}  // namespace synthscope
