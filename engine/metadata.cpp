#include "engine/metadata.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>

// Exiv2 0.27's API is built on std::auto_ptr (deprecated in C++11): silence those warnings in this file only.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <exiv2/exiv2.hpp>
#include <exiv2/webpimage.hpp>  // ImageType::webp (exiv2.hpp leaves it out)

#include "engine/generator_traces.h"
#include "engine/heif_process.h"
#include "engine/image_format.h"
#include "engine/png_text.h"

namespace synthscope {
namespace {

constexpr std::size_t kMaxBinaryShown = 256;  // larger undefined/binary EXIF values are summarised

// Once per process: Exiv2 must not print its warnings to stderr, and its XMP toolkit must be initialised
// before threads use it.
void initExiv2() {
    static std::once_flag once;
    std::call_once(once, [] {
        Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
        Exiv2::XmpParser::initialize();
    });
}

std::string capped(std::string s) {
    while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
    if (s.size() > kMaxMetadataValueBytes) {
        const std::size_t full = s.size();
        s.resize(kMaxMetadataValueBytes);
        s += "... (" + std::to_string(full) + " bytes, cut)";
    }
    return s;
}

std::string exifValueText(const Exiv2::Exifdatum& d) {
    if (d.tag() == 0x9286) {  // UserComment: decode its charset (A1111 writes UTF-16 "UNICODE" comments)
        try {
            if (const auto* comment = dynamic_cast<const Exiv2::CommentValue*>(&d.value())) return comment->comment();
        } catch (const std::exception&) {
        }
    }
    if ((d.typeId() == Exiv2::undefined || d.typeId() == Exiv2::unsignedByte) && d.size() > kMaxBinaryShown)
        return "(" + std::to_string(d.size()) + " bytes of binary data)";
    return d.toString();
}

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

void takeEntries(const Exiv2::ExifData& exif, const Exiv2::XmpData& xmp, const Exiv2::IptcData& iptc, MetadataReport& r) {
    for (const Exiv2::Exifdatum& d : exif) {
        if (Exiv2::ExifTags::isMakerGroup(d.groupName())) continue;  // maker notes: vendor internals, hundreds of tags
        r.exif.push_back({d.groupName(), d.key(), capped(exifValueText(d))});
    }
    for (const Exiv2::Xmpdatum& d : xmp) r.xmp.push_back({d.groupName(), d.key(), capped(d.toString())});
    for (const Exiv2::Iptcdatum& d : iptc) r.iptc.push_back({d.groupName(), d.key(), capped(d.toString())});
    Exiv2::ExifThumbC thumb(exif);
    const char* mime = thumb.mimeType();
    r.hasThumbnail = mime && *mime;
    if (r.hasThumbnail) {
        const Exiv2::DataBuf bytes = thumb.copy();
        if (bytes.size_ > 0 && std::size_t(bytes.size_) <= kMaxThumbnailBytes) {
            const std::uint8_t* begin = bytes.pData_;
            const std::uint8_t* end = begin + bytes.size_;
            // A JPEG thumbnail whose Compression tag is wrong (0, seen in KDE's wallpapers) comes back
            // wrapped in a TIFF that nothing decodes: the JPEG inside is the thumbnail.
            static const std::uint8_t soi[] = {0xFF, 0xD8, 0xFF};
            if (std::string(mime) == "image/tiff") {
                const std::uint8_t* jpeg = std::search(begin, end, soi, soi + 3);
                if (jpeg != end) begin = jpeg;
            }
            r.thumbnail.assign(begin, end);
        }
    }
}

void readWithExiv2(const std::uint8_t* data, std::size_t size, MetadataReport& r, std::string& xmpPacket) {
    initExiv2();
    try {
        Exiv2::Image::AutoPtr image = Exiv2::ImageFactory::open(data, long(size));
        // Exiv2 picks its parser by content, not by what SynthScope sniffed: a TIFF-looking file can go to its
        // QuickTime parser, which loops for ever on some inputs (found by fuzzing). Parse only as an image.
        static const std::set<int> kImageParsers{Exiv2::ImageType::jpeg, Exiv2::ImageType::png, Exiv2::ImageType::webp,
                                                 Exiv2::ImageType::tiff, Exiv2::ImageType::bmp, Exiv2::ImageType::cr2,
                                                 Exiv2::ImageType::orf, Exiv2::ImageType::rw2};
        if (!kImageParsers.count(image->imageType())) {
            r.problems.push_back(errorFinding("Metadata could not be read: Exiv2 does not take the file for an image."));
            return;
        }
        image->readMetadata();
        takeEntries(image->exifData(), image->xmpData(), image->iptcData(), r);
        xmpPacket = image->xmpPacket();
    } catch (const std::exception& e) {  // Exiv2::AnyError derives from std::exception
        r.problems.push_back(errorFinding(std::string("Metadata could not be read: ") + e.what() + "."));
    }
}

// HEIF and AVIF: libheif finds the EXIF and XMP blocks (in its own process, heif_process.h), Exiv2 parses them.
void readHeifWithExiv2(const std::uint8_t* data, std::size_t size, MetadataReport& r, std::string& xmpPacket) {
    const HeifMetadataBlocks blocks = readHeifMetadata(data, size);
    if (!blocks.error.empty()) {
        r.problems.push_back(errorFinding("Metadata could not be read: " + blocks.error + "."));
        return;
    }
    initExiv2();
    try {
        Exiv2::ExifData exif;
        Exiv2::XmpData xmp;
        if (!blocks.exifTiff.empty())
            Exiv2::ExifParser::decode(exif, blocks.exifTiff.data(), std::uint32_t(blocks.exifTiff.size()));
        if (!blocks.xmpPacket.empty() && Exiv2::XmpParser::decode(xmp, blocks.xmpPacket) != 0)
            r.problems.push_back(errorFinding("The XMP packet could not be parsed."));
        takeEntries(exif, xmp, Exiv2::IptcData(), r);
        xmpPacket = blocks.xmpPacket;
    } catch (const std::exception& e) {
        r.problems.push_back(errorFinding(std::string("Metadata could not be read: ") + e.what() + "."));
    }
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

MetadataReport readMetadata(const std::uint8_t* data, std::size_t size) {
    MetadataReport r;
    if (!data || size == 0) {
        r.problems.push_back(errorFinding("Metadata could not be read: the file is empty."));
        return r;
    }
    const ImageFormat format = sniffImageHeader(data, size).format;
    if (format != ImageFormat::Unknown) r.format = imageFormatName(format);

    std::string xmpPacket;
    if (format == ImageFormat::Heif || format == ImageFormat::Avif) readHeifWithExiv2(data, size, r, xmpPacket);
    else if (format != ImageFormat::Unknown) readWithExiv2(data, size, r, xmpPacket);
    // Exiv2 only sees the image formats SynthScope reads: given anything else it guesses by content, and its
    // video parsers (QuickTime, RIFF, Matroska) loop for ever on some 134-byte inputs (found by fuzzing).
    else r.problems.push_back(errorFinding("Metadata could not be read: not a JPEG, PNG, WebP, TIFF, BMP, HEIF or AVIF file."));

    const PngChunkScan png = scanPngChunks(data, size);
    for (const PngTextChunk& c : png.text) r.pngText.push_back({c.type, c.keyword, capped(c.text)});
    for (const std::string& p : png.problems) r.problems.push_back(errorFinding("The PNG file is damaged: " + p + "."));

    r.c2pa = detectC2pa(data, size);
    r.digitalSourceType = digitalSourceType(r.xmp, xmpPacket);
    collectFacts(r);
    r.generatorTraces = findGeneratorTraces(r);
    return r;
}

}  // namespace synthscope
