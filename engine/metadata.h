#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/c2pa.h"
#include "engine/finding.h"
#include "engine/thumbnail_check.h"

namespace synthscope {

struct MetadataEntry {
    std::string group;  // Exiv2 group ("Image", "Photo", "GPSInfo", "xmp", "dc", ...) or the PNG chunk type
    std::string key;    // full Exiv2 key ("Exif.Image.Make", "Xmp.xmp.CreatorTool") or the PNG keyword
    std::string value;  // as text, cut at kMaxMetadataValueBytes
};

inline constexpr std::size_t kMaxMetadataValueBytes = 64 * 1024;
inline constexpr std::size_t kMaxThumbnailBytes = 1024 * 1024;
// The fact readMetadata states about a thumbnail; thumbnail_check.h replaces it with what the comparison found.
inline constexpr const char* kThumbnailNotComparedFact = "An EXIF thumbnail is embedded; it was not compared with the image.";

// Everything SynthScope reads from a file besides its pixels, and what it suggests. Metadata is easy to
// strip and to forge: a trace of a generator is strong evidence when present, its absence proves nothing,
// and camera data can be copied into a generated image.
struct MetadataReport {
    std::string format;  // "JPEG", "PNG", ... as Exiv2 or the signature says; empty when unknown
    std::vector<MetadataEntry> exif, xmp, iptc, pngText;

    // Plain facts (empty / false when absent).
    std::string cameraMake, cameraModel;
    std::string captureDate, captureDateKey;  // e.g. "2023:04:01 10:00:00" from "Exif.Photo.DateTimeOriginal"
    std::string software;                     // Exif Software, XMP CreatorTool or PNG Software
    bool hasGps = false;                      // a GPS position (latitude and longitude)
    bool hasThumbnail = false;                // an embedded EXIF thumbnail
    std::vector<std::uint8_t> thumbnail;      // its bytes (a small JPEG, at most kMaxThumbnailBytes), for compareThumbnail
    ThumbnailComparison thumbnailCheck;       // filled by checkThumbnail (it needs the pixels), not by readMetadata
    std::string digitalSourceType;            // the IPTC DigitalSourceType declared in XMP, if any

    C2paDetection c2pa;                       // detected only; the signature is NOT verified
    bool c2paPresent() const { return c2pa.present; }

    std::vector<Finding> generatorTraces;     // "strong"/"notice": signs that a generator made or edited it
    std::vector<Finding> facts;               // "info": camera, date, GPS, thumbnail, software, absence of EXIF
    std::vector<Finding> problems;            // "error": metadata that could not be read, damaged chunks

    bool hasStrongGeneratorTrace() const;
};

// Reads EXIF, XMP and IPTC with Exiv2 (from memory), PNG text chunks and C2PA markers. Never throws for
// bad input: unreadable metadata becomes a finding in `problems`.
MetadataReport readMetadata(const std::vector<std::uint8_t>& bytes);
MetadataReport readMetadata(const std::uint8_t* data, std::size_t size);

struct LoadedImage;
// The same for a loaded file, remembered by its SHA-256 for the last few files read: the workstation
// reads a file's record twice (for the analysis's notes and for the Metadata tab), and each read starts
// the decoder process (about 20 ms). A report with problems is not remembered (a failure need not recur),
// nor one of an image without a hash (made in memory).
MetadataReport readMetadata(const LoadedImage& image);

}  // namespace synthscope
