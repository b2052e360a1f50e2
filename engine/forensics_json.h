#pragma once
#include <QJsonArray>
#include <QJsonObject>

#include "engine/ela.h"
#include "engine/finding.h"
#include "engine/jpeg_analysis.h"
#include "engine/metadata.h"

namespace synthscope {

// JSON forms of the JPEG-history and metadata analyses (snake_case, stable field names).
QJsonObject toJson(const Finding& finding);
QJsonArray toJson(const std::vector<Finding>& findings);
QJsonObject toJson(const JpegAnalysis& jpeg);
QJsonObject toJson(const MetadataReport& metadata);
QJsonObject toJson(const ElaResult& ela);  // the statistics only, not the image

}  // namespace synthscope
