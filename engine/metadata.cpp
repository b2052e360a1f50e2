#include "engine/metadata.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <utility>

#include "engine/generator_traces.h"
#include "engine/decoder_process.h"
#include "engine/image_format.h"
#include "engine/image_loader.h"
#include "engine/png_text.h"

namespace synthscope {
namespace {

const MetadataEntry* find(const std::vector<MetadataEntry>& list, const std::string& key) {
    for (const MetadataEntry& e : list)
        if (e.key == key && !e.value.empty()) return &e;
    return nullptr;
}

std::string leaf(const std::string& key) {
    const std::size_t cut = key.find_last_of(".:/");
    return cut == std::string::npos ? key : key.substr(cut + 1);
}

// The IPTC DigitalSourceType term: from a parsed XMP property, or from the raw packet when Exiv2 did not
// map its namespace.
std::string digitalSourceType(const std::vector<MetadataEntry>& xmp, const std::string& packet) {
    for (const MetadataEntry& e : xmp)
        if (leaf(e.key) == "DigitalSourceType") return e.value;
    static const std::string vocabulary = "cv.iptc.org/newscodes/digitalsourcetype/";
    const std::size_t at = packet.find(vocabulary);
    if (at == std::string::npos) return {};
    std::size_t end = at + vocabulary.size();
    while (end < packet.size() && std::isalnum(static_cast<unsigned char>(packet[end]))) ++end;
    return "http://" + packet.substr(at, end - at);
}

void collectFacts(MetadataReport& r) {
    const auto value = [&](std::initializer_list<const char*> keys, std::string* usedKey = nullptr) -> std::string {
        for (const char* k : keys) {
            for (const auto* list : {&r.exif, &r.xmp, &r.pngText}) {
                if (const MetadataEntry* e = find(*list, k)) {
                    if (usedKey) *usedKey = k;
                    return e->value;
                }
            }
        }
        return {};
    };
    r.cameraMake = value({"Exif.Image.Make", "Xmp.tiff.Make"});
    r.cameraModel = value({"Exif.Image.Model", "Xmp.tiff.Model"});
    r.captureDate = value({"Exif.Photo.DateTimeOriginal", "Xmp.exif.DateTimeOriginal", "Xmp.photoshop.DateCreated",
                           "Exif.Photo.DateTimeDigitized", "Exif.Image.DateTime", "Xmp.xmp.CreateDate", "Creation Time"},
                          &r.captureDateKey);
    r.software = value({"Exif.Image.Software", "Xmp.xmp.CreatorTool", "Xmp.tiff.Software", "Software"});
    r.hasGps = (find(r.exif, "Exif.GPSInfo.GPSLatitude") && find(r.exif, "Exif.GPSInfo.GPSLongitude")) ||
               (find(r.xmp, "Xmp.exif.GPSLatitude") && find(r.xmp, "Xmp.exif.GPSLongitude"));

    if (!r.cameraMake.empty() || !r.cameraModel.empty())
        r.facts.push_back(infoFinding("Camera: " + r.cameraMake + (r.cameraMake.empty() || r.cameraModel.empty() ? "" : " / ") +
                                      r.cameraModel + " (camera tags are easily copied into any file)."));
    if (!r.captureDate.empty()) r.facts.push_back(infoFinding("Date: " + r.captureDate + " (" + r.captureDateKey + ")."));
    if (!r.software.empty()) r.facts.push_back(infoFinding("Software: " + r.software + "."));
    if (r.hasGps) r.facts.push_back(infoFinding("A GPS position is recorded."));
    if (r.hasThumbnail) r.facts.push_back(infoFinding(kThumbnailNotComparedFact));
    if (!r.exif.empty() && !r.hasGps) r.facts.push_back(infoFinding("The EXIF data has no GPS position."));
    if (!r.exif.empty() && !r.hasThumbnail) r.facts.push_back(infoFinding("The EXIF data has no thumbnail."));
    if (!r.digitalSourceType.empty() && r.digitalSourceType.find("lgorithmicMedia") == std::string::npos &&
        r.digitalSourceType.find("compositeSynthetic") == std::string::npos)
        r.facts.push_back(infoFinding("XMP declares the IPTC digital source type " + leaf(r.digitalSourceType) + " (a claim, not verified)."));
    if (r.exif.empty() && r.xmp.empty() && r.iptc.empty())
        r.facts.push_back(infoFinding("No EXIF, XMP or IPTC metadata: common for generated images, but equally for screenshots and "
                                      "photos re-saved by web services; not evidence either way."));
}

}  // namespace

bool MetadataReport::hasStrongGeneratorTrace() const {
    return std::any_of(generatorTraces.begin(), generatorTraces.end(), [](const Finding& f) { return f.severity == "strong"; });
}

MetadataReport readMetadata(const std::vector<std::uint8_t>& bytes) { return readMetadata(bytes.data(), bytes.size()); }

MetadataReport readMetadata(const LoadedImage& image) {
    constexpr std::size_t kRemembered = 8;
    static std::mutex mutex;
    static std::deque<std::pair<std::string, MetadataReport>> remembered;  // newest first
    if (image.sha256.empty()) return readMetadata(image.bytes);
    {
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto& [sha256, report] : remembered)
            if (sha256 == image.sha256) return report;
    }
    MetadataReport report = readMetadata(image.bytes);  // outside the lock: two different files may be read at once
    if (report.problems.empty()) {
        std::lock_guard<std::mutex> lock(mutex);
        remembered.emplace_front(image.sha256, report);
        if (remembered.size() > kRemembered) remembered.pop_back();
    }
    return report;
}

MetadataReport readMetadata(const std::uint8_t* data, std::size_t size) {
    MetadataReport r;
    if (!data || size == 0) {
        r.problems.push_back(errorFinding("Metadata could not be read: the file is empty."));
        return r;
    }
    const ImageFormat format = sniffImageHeader(data, size).format;
    if (format != ImageFormat::Unknown) r.format = imageFormatName(format);

    // Exiv2 (and libheif for HEIF) in the decoder process when there is one (decoder_process.h).
    Exiv2Reading exiv2 = readExiv2(data, size, format);
    r.exif = std::move(exiv2.exif);
    r.xmp = std::move(exiv2.xmp);
    r.iptc = std::move(exiv2.iptc);
    r.hasThumbnail = exiv2.hasThumbnail;
    r.thumbnail = std::move(exiv2.thumbnail);
    r.problems = std::move(exiv2.problems);
    const std::string xmpPacket = std::move(exiv2.xmpPacket);

    const PngChunkScan png = scanPngChunks(data, size);
    for (const PngTextChunk& c : png.text) r.pngText.push_back({c.type, c.keyword, cappedMetadataValue(c.text)});
    for (const std::string& p : png.problems) r.problems.push_back(errorFinding("The PNG file is damaged: " + p + "."));

    r.c2pa = detectC2pa(data, size);
    r.digitalSourceType = digitalSourceType(r.xmp, xmpPacket);
    collectFacts(r);
    for (Finding& f : exiv2.facts) r.facts.push_back(std::move(f));  // HEIF/AVIF: the container's other images
    r.generatorTraces = findGeneratorTraces(r);
    return r;
}

}  // namespace synthscope
