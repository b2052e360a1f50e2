#include "engine/forensics_json.h"

namespace synthscope {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QJsonArray entries(const std::vector<MetadataEntry>& list) {
    QJsonArray a;
    for (const MetadataEntry& e : list) a.append(QJsonObject{{"group", qs(e.group)}, {"key", qs(e.key)}, {"value", qs(e.value)}});
    return a;
}

QJsonArray stringArray(const std::vector<std::string>& list) {
    QJsonArray a;
    for (const std::string& s : list) a.append(qs(s));
    return a;
}

}  // namespace

QJsonObject toJson(const Finding& f) { return QJsonObject{{"severity", qs(f.severity)}, {"text", qs(f.text)}}; }

QJsonArray toJson(const std::vector<Finding>& findings) {
    QJsonArray a;
    for (const Finding& f : findings) a.append(toJson(f));
    return a;
}

QJsonObject toJson(const JpegAnalysis& j) {
    QJsonObject o{{"is_jpeg", j.isJpeg}, {"readable", j.readable}, {"findings", toJson(j.findings)}};
    if (!j.isJpeg) return o;
    if (!j.error.empty()) o["error"] = qs(j.error);
    o["decoder_warnings"] = stringArray(j.decoderWarnings);
    if (!j.readable) return o;
    o["width"] = j.width;
    o["height"] = j.height;
    o["components"] = j.components;
    o["progressive"] = j.progressive;
    o["color_space"] = qs(j.colorSpace);
    o["subsampling"] = qs(j.subsampling);
    QJsonArray tables;
    for (const JpegQuantTable& t : j.tables) {
        QJsonArray values;  // natural (row-major 8x8) order
        for (std::uint16_t v : t.values) values.append(int(v));
        tables.append(QJsonObject{{"index", t.index}, {"values", values}});
    }
    o["quant_tables"] = tables;
    QJsonArray componentTables;
    for (int t : j.componentTables) componentTables.append(t);
    o["component_tables"] = componentTables;
    o["estimated_quality"] = j.estimatedQuality;
    o["quality_fit_error"] = j.qualityFitError;
    o["standard_tables"] = j.standardTables;
    const DoubleQuantResult& d = j.doubleCompression;
    QJsonArray fits;
    for (const DoubleQuantFit& f : d.fits)
        fits.append(QJsonObject{{"zigzag", f.zigzag}, {"q2", f.q2}, {"q1", f.q1}, {"single_error", f.singleError}, {"best_error", f.bestError}});
    o["double_compression"] = QJsonObject{{"analysed", d.analysed},
                                          {"score", d.score},
                                          {"threshold", kDoubleCompressionThreshold},
                                          {"suspected", j.doubleCompressionSuspected},
                                          {"primary_quality", d.primaryQuality},
                                          {"finding", qs(j.doubleCompressionFinding)},
                                          {"fits", fits}};
    return o;
}

QJsonObject toJson(const MetadataReport& m) {
    return QJsonObject{
        {"format", qs(m.format)},
        {"camera_make", qs(m.cameraMake)},
        {"camera_model", qs(m.cameraModel)},
        {"capture_date", qs(m.captureDate)},
        {"capture_date_key", qs(m.captureDateKey)},
        {"software", qs(m.software)},
        {"has_gps", m.hasGps},
        {"has_thumbnail", m.hasThumbnail},
        {"thumbnail_check", QJsonObject{{"outcome", thumbnailOutcomeName(m.thumbnailCheck.outcome)},
                                        {"width", m.thumbnailCheck.width},
                                        {"height", m.thumbnailCheck.height},
                                        {"aspect_ratio", m.thumbnailCheck.aspectRatio},
                                        {"correlation", m.thumbnailCheck.correlation},
                                        {"worst_cell_difference", m.thumbnailCheck.worstCell},
                                        {"worst_cell", m.thumbnailCheck.worstCellIndex},
                                        {"cells_alike", m.thumbnailCheck.cellsAlike}}},
        {"digital_source_type", qs(m.digitalSourceType)},
        {"c2pa", QJsonObject{{"present", m.c2pa.present},
                             {"signature_verified", false},  // SynthScope never verifies C2PA signatures
                             {"container", qs(m.c2pa.container)},
                             {"bytes", double(m.c2pa.bytes)},
                             {"mentions", stringArray(m.c2pa.mentions)}}},
        {"generator_traces", toJson(m.generatorTraces)},
        {"facts", toJson(m.facts)},
        {"problems", toJson(m.problems)},
        {"exif", entries(m.exif)},
        {"xmp", entries(m.xmp)},
        {"iptc", entries(m.iptc)},
        {"png_text", entries(m.pngText)},
    };
}

QJsonObject toJson(const ElaResult& e) {
    return QJsonObject{{"quality", e.quality}, {"mean", e.mean}, {"p99", e.p99}, {"max", e.max}, {"display_scale", e.displayScale}};
}

}  // namespace synthscope
