#include "engine/result_json.h"

#include <QJsonArray>

#include <algorithm>

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
    QJsonObject json{
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
    if (!p.storedIn.empty()) json.insert("stored_in", qs(p.storedIn));
    return json;
}

QJsonObject toJson(const ImageRegion& g) {
    return QJsonObject{{"x", g.x},         {"y", g.y}, {"width", g.width}, {"height", g.height},
                       {"source_width", g.sourceWidth}, {"source_height", g.sourceHeight}};
}

ImageRegion regionFromJson(const QJsonObject& g) {
    return ImageRegion{g["x"].toInt(), g["y"].toInt(), g["width"].toInt(), g["height"].toInt(),
                       g["source_width"].toInt(), g["source_height"].toInt()};
}

QJsonObject toJson(const AnalysisResult& r, bool includePatches) {
    const ImageInfo& i = r.image;
    QJsonObject image{{"path", qs(i.path)},          {"sha256", qs(i.sha256)},   {"file_size", double(i.fileSize)},
                      {"format", qs(i.format)},      {"width", i.width},         {"height", i.height},
                      {"bit_depth", i.bitDepth},     {"channels", i.channels},   {"had_alpha", i.hadAlpha},
                      {"exif_orientation", i.exifOrientation}, {"padded", i.padded}};
    if (const std::optional<ImageRegion>& g = i.region)  // one region of the file was analysed
        image.insert("region", toJson(*g));
    const Verdict& v = r.verdict;
    QJsonObject verdict{{"label", verdictLabelName(v.label)},
                        {"synthetic_probability", v.syntheticProbability},
                        {"raw_synthetic_probability", v.rawSyntheticProbability},
                        {"calibrated", v.calibrated},
                        {"spread", v.spread},
                        {"patches_used", v.patchesUsed},
                        {"inconclusive_band", QJsonArray{v.bandLow, v.bandHigh}},
                        {"classes", scoresToJson(v.classes)},
                        {"attribution", scoresToJson(v.attribution)}};
    if (!v.fingerprintTerms.empty()) {
        QJsonArray terms;
        for (const Verdict::FingerprintTermValue& t : v.fingerprintTerms)
            terms.append(QJsonObject{{"generators", qs(t.generators)}, {"evidence", t.evidence}, {"weight", t.weight}});
        verdict.insert("fingerprint_terms", terms);
    }
    if (const std::optional<CombinedAttribution>& c = v.combinedAttribution) {
        auto strings = [](const std::vector<std::string>& list) {
            QJsonArray out;
            for (const std::string& s : list) out.append(qs(s));
            return out;
        };
        QJsonArray contributions;  // what each source said of each candidate; a source that said nothing is left out
        for (const CombinedAttribution::Contribution& k : c->contributions) {
            QJsonObject o{{"name", qs(k.name)}, {"detector", k.detector}};
            if (k.evidence) o.insert("evidence", *k.evidence);
            if (k.look) o.insert("look", *k.look);
            contributions.append(o);
        }
        verdict.insert("combined_attribution", QJsonObject{{"ranking", scoresToJson(c->ranking)},
                                                           {"contributions", contributions},
                                                           {"fingerprint_weight", c->weight},
                                                           {"unnamed_offset", c->unnamedOffset},
                                                           {"look_weight", c->lookWeight},
                                                           {"temperature", c->temperature},
                                                           {"unnamed", strings(c->unnamed)},
                                                           {"detector_top", qs(c->detectorTop)},
                                                           {"detector_only", strings(c->detectorOnly)},
                                                           {"fingerprint_only", strings(c->fingerprintOnly)}});
    }
    if (!r.look.empty()) {  // the look model's answer (look_model.h), in its order
        QJsonArray scores;
        for (const auto& [name, logProbability] : r.look) scores.append(QJsonObject{{"name", qs(name)}, {"log_probability", logProbability}});
        verdict.insert("look", QJsonObject{{"weight", r.lookWeight}, {"sha256", qs(r.lookSha256)}, {"log_probabilities", scores}});
    }
    QJsonObject out{{"image", image},
                    {"verdict", verdict},
                    {"provenance", toJson(r.provenance)},
                    {"grid", QJsonObject{{"cols", r.gridCols}, {"rows", r.gridRows}, {"complete", r.heatmapComplete},
                                         {"classes", [&] {
                                              QJsonArray names;  // order of every patch's "probabilities"
                                              for (const std::string& c : r.classNames) names.append(qs(c));
                                              return names;
                                          }()},
                                         {"class_generators", [&] {
                                              QJsonArray generators;  // per class: its generator, "" for none
                                              for (const std::string& g : r.classGenerators) generators.append(qs(g));
                                              return generators;
                                          }()},
                                         {"fingerprint_weight", r.fingerprintWeight},
                                         {"unnamed_offset", r.unnamedOffset},
                                         {"attribution_temperature", r.attributionTemperature}}},
                    {"timings_ms", QJsonObject{{"load", r.timings.loadMs},
                                               {"contrast", r.timings.contrastMs},
                                               {"verdict", r.timings.verdictMs},
                                               {"heatmap", r.timings.heatmapMs},
                                               {"record", r.timings.recordMs},
                                               {"controls", r.timings.controlsMs},
                                               {"total", r.timings.totalMs}}}};
    QJsonArray warnings;
    for (const std::string& w : r.warnings) warnings.append(qs(w));
    out.insert("warnings", warnings);
    if (r.robustness) out.insert("robustness", toJson(*r.robustness));
    if (r.controls) out.insert("region_controls", toJson(*r.controls, r.verdict));
    // What the file's record says beside the verdict (record_beside_verdict.h); absent: not read.
    if (r.record) out.insert("record", QJsonObject{{"notes", toJson(*r.record)}});
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

QJsonObject toJson(const RobustnessReport& r) {
    QJsonArray copies;
    for (const std::string& c : r.copies) copies.append(qs(c));
    if (!r.done()) return QJsonObject{{"copies", copies}, {"error", qs(r.error)}};
    QJsonArray variants;
    for (const RobustnessVariant& v : r.variants)
        variants.append(QJsonObject{{"degradation", qs(v.name)},
                                    {"width", v.width},
                                    {"height", v.height},
                                    {"label", verdictLabelName(v.label)},
                                    {"synthetic_probability", v.syntheticProbability}});
    return QJsonObject{{"copies", copies},
                       {"label", verdictLabelName(r.label)},
                       {"agree", r.agree},
                       {"original_label", verdictLabelName(r.originalLabel)},
                       {"original_synthetic_probability", r.originalProbability},
                       {"variants", variants},
                       {"explanation", qs(r.explanation)}};
}

namespace {

std::vector<ClassScore> scoresFromJson(const QJsonArray& array) {
    std::vector<ClassScore> out;
    for (const QJsonValue& v : array) out.push_back({v["class"].toString().toStdString(), v["probability"].toDouble()});
    return out;
}

VerdictLabel labelFromName(const QString& name) {
    if (name == verdictLabelName(VerdictLabel::Authentic)) return VerdictLabel::Authentic;
    if (name == verdictLabelName(VerdictLabel::Synthetic)) return VerdictLabel::Synthetic;
    return VerdictLabel::Inconclusive;
}

}  // namespace

RobustnessReport robustnessFromJson(const QJsonObject& json) {
    RobustnessReport r;
    for (const QJsonValue& c : json["copies"].toArray()) r.copies.push_back(c.toString().toStdString());
    r.error = json["error"].toString().toStdString();
    r.label = labelFromName(json["label"].toString());
    r.agree = json["agree"].toBool(true);
    r.originalLabel = labelFromName(json["original_label"].toString());
    r.originalProbability = json["original_synthetic_probability"].toDouble();
    r.explanation = json["explanation"].toString().toStdString();
    for (const QJsonValue& value : json["variants"].toArray()) {
        const QJsonObject v = value.toObject();
        r.variants.push_back({v["degradation"].toString().toStdString(), v["width"].toInt(), v["height"].toInt(),
                              labelFromName(v["label"].toString()), v["synthetic_probability"].toDouble()});
    }
    return r;
}

namespace {
QJsonArray toJson(const std::vector<ControlPart>& parts) {
    QJsonArray out;
    for (const ControlPart& p : parts)
        out.append(QJsonObject{{"region", toJson(p.region)},
                               {"label", verdictLabelName(p.label)},
                               {"synthetic_probability", p.syntheticProbability}});
    return out;
}

std::vector<ControlPart> controlPartsFromJson(const QJsonArray& json) {
    std::vector<ControlPart> parts;
    for (const QJsonValue& value : json) {
        const QJsonObject p = value.toObject();
        parts.push_back({regionFromJson(p["region"].toObject()), labelFromName(p["label"].toString()), p["synthetic_probability"].toDouble()});
    }
    return parts;
}
}  // namespace

QJsonObject toJson(const RegionControls& c, const Verdict& region) {
    QJsonObject out{{"asked", c.asked},
                    {"parts", toJson(c.parts)},
                    {"flagged", c.flagged()},
                    {"explanation", qs(c.explanation)},
                    {"stands_out", c.standOut(region)}};
    if (c.atSmallerSize()) {
        out.insert("inside", toJson(c.inside));
        out.insert("inside_flagged", c.insideFlagged());
    }
    if (!c.done()) out.insert("error", qs(c.error));
    return out;
}

RegionControls regionControlsFromJson(const QJsonObject& json) {
    RegionControls c;
    c.asked = json["asked"].toInt();
    c.explanation = json["explanation"].toString().toStdString();
    c.error = json["error"].toString().toStdString();
    c.parts = controlPartsFromJson(json["parts"].toArray());
    c.inside = controlPartsFromJson(json["inside"].toArray());
    return c;
}

QJsonArray toJson(const std::vector<RecordNote>& notes) {
    QJsonArray out;
    for (const RecordNote& n : notes) out.append(QJsonObject{{"against_verdict", n.againstVerdict}, {"text", qs(n.text)}});
    return out;
}

std::vector<RecordNote> recordNotesFromJson(const QJsonArray& json) {
    std::vector<RecordNote> notes;
    for (const QJsonValue& n : json) notes.push_back({n["against_verdict"].toBool(), n["text"].toString().toStdString()});
    return notes;
}

AnalysisResult resultFromJson(const QJsonObject& json) {
    AnalysisResult r;
    const QJsonObject image = json["image"].toObject();
    ImageInfo& i = r.image;
    i.path = image["path"].toString().toStdString();
    i.sha256 = image["sha256"].toString().toStdString();
    // Clamped first: converting a double beyond int64's range is undefined behaviour (a damaged case file).
    i.fileSize = std::int64_t(std::clamp(image["file_size"].toDouble(), 0.0, 9.0e18));
    i.format = image["format"].toString().toStdString();
    i.width = image["width"].toInt();
    i.height = image["height"].toInt();
    i.bitDepth = image["bit_depth"].toInt();
    i.channels = image["channels"].toInt();
    i.hadAlpha = image["had_alpha"].toBool();
    i.exifOrientation = image["exif_orientation"].toInt(1);
    i.padded = image["padded"].toBool();
    if (const QJsonObject g = image["region"].toObject(); !g.isEmpty()) i.region = regionFromJson(g);

    const QJsonObject verdict = json["verdict"].toObject();
    Verdict& v = r.verdict;
    v.ready = !verdict.isEmpty();
    v.label = labelFromName(verdict["label"].toString());
    v.syntheticProbability = verdict["synthetic_probability"].toDouble();
    // Results stored before calibration existed carry only the raw value, under the first name.
    v.rawSyntheticProbability = verdict["raw_synthetic_probability"].toDouble(v.syntheticProbability);
    v.calibrated = verdict["calibrated"].toBool(false);
    v.spread = verdict["spread"].toDouble();
    v.patchesUsed = verdict["patches_used"].toInt();
    const QJsonArray band = verdict["inconclusive_band"].toArray();
    v.bandLow = band.at(0).toDouble();
    v.bandHigh = band.at(1).toDouble();
    v.classes = scoresFromJson(verdict["classes"].toArray());
    v.attribution = scoresFromJson(verdict["attribution"].toArray());
    for (const QJsonValue& t : verdict["fingerprint_terms"].toArray())
        v.fingerprintTerms.push_back({t["generators"].toString().toStdString(), t["evidence"].toDouble(), t["weight"].toDouble()});
    if (verdict.contains("combined_attribution")) {
        const QJsonObject c = verdict["combined_attribution"].toObject();
        auto strings = [](const QJsonArray& list) {
            std::vector<std::string> out;
            for (const QJsonValue& s : list) out.push_back(s.toString().toStdString());
            return out;
        };
        CombinedAttribution combined;
        combined.ranking = scoresFromJson(c["ranking"].toArray());
        combined.weight = c["fingerprint_weight"].toDouble();
        combined.unnamedOffset = c["unnamed_offset"].toDouble(0);  // absent before 2026-12-02: unnamed classes were left out
        combined.temperature = c["temperature"].toDouble(1);        // absent before 2026-12-03
        combined.lookWeight = c["look_weight"].toDouble(0);        // absent before 2026-12-02 (second session): no look
        combined.detectorTop = c["detector_top"].toString().toStdString();
        combined.detectorOnly = strings(c["detector_only"].toArray());
        combined.fingerprintOnly = strings(c["fingerprint_only"].toArray());
        combined.unnamed = strings(c["unnamed"].toArray());
        for (const QJsonValue& k : c["contributions"].toArray()) {  // absent before 2026-12-02 (third session)
            CombinedAttribution::Contribution contribution;
            contribution.name = k["name"].toString().toStdString();
            contribution.detector = k["detector"].toDouble();
            if (k["evidence"].isDouble()) contribution.evidence = k["evidence"].toDouble();
            if (k["look"].isDouble()) contribution.look = k["look"].toDouble();
            combined.contributions.push_back(std::move(contribution));
        }
        v.combinedAttribution = std::move(combined);
    }
    if (verdict.contains("look")) {
        const QJsonObject look = verdict["look"].toObject();
        r.lookWeight = look["weight"].toDouble(0);
        r.lookSha256 = look["sha256"].toString().toStdString();
        for (const QJsonValue& s : look["log_probabilities"].toArray())
            r.look.push_back({s["name"].toString().toStdString(), s["log_probability"].toDouble()});
    }

    const QJsonObject provenance = json["provenance"].toObject();
    Provenance& p = r.provenance;
    p.softwareVersion = provenance["software"]["version"].toString().toStdString();
    p.storedIn = provenance["stored_in"].toString().toStdString();
    const QJsonObject model = provenance["model"].toObject();
    p.modelName = model["name"].toString().toStdString();
    p.modelVersion = model["version"].toString().toStdString();
    p.modelSha256 = model["sha256"].toString().toStdString();
    const QJsonObject settings = provenance["settings"].toObject();
    p.device = settings["device"].toString().toStdString();
    p.precision = settings["precision"].toString().toStdString();
    p.threads = settings["threads"].toInt();
    p.batchSize = settings["batch_size"].toInt();
    p.patchSize = settings["patch_size"].toInt();
    p.stride = settings["stride"].toInt();
    p.topK = settings["verdict_top_k"].toInt();
    p.fullHeatmap = settings["full_heatmap"].toBool(true);
    p.smallImagePolicy = settings["small_image"].toString().toStdString();

    const QJsonObject grid = json["grid"].toObject();
    r.gridCols = grid["cols"].toInt();
    r.gridRows = grid["rows"].toInt();
    r.heatmapComplete = grid["complete"].toBool();
    for (const QJsonValue& c : grid["classes"].toArray()) r.classNames.push_back(c.toString().toStdString());
    for (const QJsonValue& g : grid["class_generators"].toArray()) r.classGenerators.push_back(g.toString().toStdString());
    r.fingerprintWeight = grid["fingerprint_weight"].toDouble(0);
    r.unnamedOffset = grid["unnamed_offset"].toDouble(0);
    r.attributionTemperature = grid["attribution_temperature"].toDouble(1);

    const QJsonObject timings = json["timings_ms"].toObject();
    r.timings = {timings["load"].toDouble(), timings["contrast"].toDouble(), timings["verdict"].toDouble(),
                 timings["heatmap"].toDouble(), timings["record"].toDouble(), timings["total"].toDouble(),
                 timings["controls"].toDouble()};
    for (const QJsonValue& w : json["warnings"].toArray()) r.warnings.push_back(w.toString().toStdString());
    if (json["robustness"].isObject()) r.robustness = robustnessFromJson(json["robustness"].toObject());
    if (json["region_controls"].isObject()) r.controls = regionControlsFromJson(json["region_controls"].toObject());
    if (json["record"].isObject()) r.record = recordNotesFromJson(json["record"]["notes"].toArray());

    for (const QJsonValue& value : json["patches"].toArray()) {
        const QJsonObject o = value.toObject();
        PatchResult patch;
        const int size = o["size"].toInt();
        patch.rect = cv::Rect(o["x"].toInt(), o["y"].toInt(), size, size);
        patch.contrast = o["contrast"].toDouble();
        patch.inTopK = o["top_k"].toBool();
        if (o.contains("probabilities")) {
            for (const QJsonValue& f : o["probabilities"].toArray()) patch.probabilities.push_back(float(f.toDouble()));
            patch.synthetic = o["synthetic_probability"].toDouble();
        }
        r.patches.push_back(std::move(patch));
    }
    return r;
}

}  // namespace synthscope
