#include "engine/exiv2_reader.h"

#include <algorithm>
#include <mutex>
#include <set>

// Exiv2 0.27's API is built on std::auto_ptr (deprecated in C++11): silence those warnings in this file only.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <exiv2/exiv2.hpp>
#include <exiv2/webpimage.hpp>  // ImageType::webp (exiv2.hpp leaves it out)

#include "engine/heif_decoder.h"

namespace synthscope {

std::string cappedMetadataValue(std::string s) {
    while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
    if (s.size() > kMaxMetadataValueBytes) {
        const std::size_t full = s.size();
        s.resize(kMaxMetadataValueBytes);
        s += "... (" + std::to_string(full) + " bytes, cut)";
    }
    return s;
}

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

void takeEntries(const Exiv2::ExifData& exif, const Exiv2::XmpData& xmp, const Exiv2::IptcData& iptc, Exiv2Reading& r) {
    for (const Exiv2::Exifdatum& d : exif) {
        if (Exiv2::ExifTags::isMakerGroup(d.groupName())) continue;  // maker notes: vendor internals, hundreds of tags
        r.exif.push_back({d.groupName(), d.key(), cappedMetadataValue(exifValueText(d))});
    }
    for (const Exiv2::Xmpdatum& d : xmp) r.xmp.push_back({d.groupName(), d.key(), cappedMetadataValue(d.toString())});
    for (const Exiv2::Iptcdatum& d : iptc) r.iptc.push_back({d.groupName(), d.key(), cappedMetadataValue(d.toString())});
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

void readWithExiv2(const std::uint8_t* data, std::size_t size, Exiv2Reading& r) {
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
        r.xmpPacket = image->xmpPacket();
    } catch (const std::exception& e) {  // Exiv2::AnyError derives from std::exception
        r.problems.push_back(errorFinding(std::string("Metadata could not be read: ") + e.what() + "."));
    }
}

std::string counted(int n, const std::string& one, const std::string& many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// What a HEIF/AVIF container holds besides the primary image, in sentences.
std::vector<Finding> containerFacts(const HeifMetadataBlocks& b, ImageFormat format) {
    const std::string container = format == ImageFormat::Avif ? "AVIF" : "HEIF";
    std::vector<Finding> facts;
    if (b.topLevelImages > 1)
        facts.push_back(infoFinding("The " + container + " file holds " + std::to_string(b.topLevelImages) +
                                    " images; SynthScope analyses the primary one only."));
    std::vector<std::string> parts;
    if (b.thumbnails > 0) parts.push_back(counted(b.thumbnails, "thumbnail", "thumbnails"));
    if (b.depthImages > 0) parts.push_back(counted(b.depthImages, "depth map", "depth maps"));
    bool apple = false;
    for (const std::string& type : b.auxiliaryTypes) {
        parts.push_back("an auxiliary image of type " + type);
        apple = apple || type.rfind("urn:com:apple:photo:", 0) == 0;
    }
    if (parts.empty()) {
        facts.push_back(infoFinding("The " + container + " file's primary image comes alone: no thumbnail, depth map or auxiliary image. A phone's "
                                    "camera usually stores at least a thumbnail; converters and generators usually store none."));
        return facts;
    }
    std::string list;
    for (std::size_t i = 0; i < parts.size(); ++i) list += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
    facts.push_back(infoFinding("Besides its primary image the " + container + " container holds " + list + "." +
                                (apple ? " Apple's camera writes such auxiliary images (HDR gain maps, portrait mattes); "
                                         "they can be copied into a file, so this is a hint, not proof."
                                       : "")));
    return facts;
}

// HEIF and AVIF: libheif finds the EXIF and XMP blocks (heif_decoder.h), Exiv2 parses them.
void readHeifWithExiv2(const std::uint8_t* data, std::size_t size, ImageFormat format, Exiv2Reading& r) {
    const HeifMetadataBlocks blocks = readHeifMetadataInProcess(data, size);
    if (!blocks.error.empty()) {
        r.problems.push_back(errorFinding("Metadata could not be read: " + blocks.error + "."));
        return;
    }
    r.facts = containerFacts(blocks, format);
    initExiv2();
    try {
        Exiv2::ExifData exif;
        Exiv2::XmpData xmp;
        if (!blocks.exifTiff.empty())
            Exiv2::ExifParser::decode(exif, blocks.exifTiff.data(), std::uint32_t(blocks.exifTiff.size()));
        if (!blocks.xmpPacket.empty() && Exiv2::XmpParser::decode(xmp, blocks.xmpPacket) != 0)
            r.problems.push_back(errorFinding("The XMP packet could not be parsed."));
        takeEntries(exif, xmp, Exiv2::IptcData(), r);
        r.xmpPacket = blocks.xmpPacket;
    } catch (const std::exception& e) {
        r.problems.push_back(errorFinding(std::string("Metadata could not be read: ") + e.what() + "."));
    }
}

}  // namespace

Exiv2Reading readExiv2InProcess(const std::uint8_t* data, std::size_t size, ImageFormat format) {
    Exiv2Reading r;
    if (format == ImageFormat::Heif || format == ImageFormat::Avif) readHeifWithExiv2(data, size, format, r);
    else if (format != ImageFormat::Unknown) readWithExiv2(data, size, r);
    // Exiv2 only sees the image formats SynthScope reads: given anything else it guesses by content, and its
    // video parsers (QuickTime, RIFF, Matroska) loop for ever on some 134-byte inputs (found by fuzzing).
    else r.problems.push_back(errorFinding("Metadata could not be read: not a JPEG, PNG, WebP, TIFF, BMP, HEIF or AVIF file."));
    return r;
}

}  // namespace synthscope
