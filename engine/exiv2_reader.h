#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/finding.h"
#include "engine/image_format.h"
#include "engine/metadata.h"

namespace synthscope {

// What Exiv2 reads of a file's EXIF, XMP and IPTC (for HEIF and AVIF, from the blocks libheif finds,
// with the container's other images):
// the part of readMetadata() that runs third-party parsers, so that it can run in the decoder process
// (decoder_process.h). Everything else readMetadata() does is SynthScope's own code, fuzzed in place.
struct Exiv2Reading {
    std::vector<MetadataEntry> exif, xmp, iptc;  // values cut at kMaxMetadataValueBytes; no maker notes
    std::string xmpPacket;                       // the raw packet, for what Exiv2 does not map
    bool hasThumbnail = false;                   // an EXIF thumbnail is declared
    std::vector<std::uint8_t> thumbnail;         // its bytes when at most kMaxThumbnailBytes
    std::vector<Finding> problems;               // "error" findings: what could not be read
    std::vector<Finding> facts;                  // "info" findings: HEIF/AVIF, what the container holds (libheif)
};

// In this process; never throws for bad input. Only the formats SynthScope decodes are handed to Exiv2
// (given anything else it guesses by content, and its video parsers loop for ever on some small inputs).
Exiv2Reading readExiv2InProcess(const std::uint8_t* data, std::size_t size, ImageFormat format);

// A metadata value as shown: trailing NULs and blanks dropped, cut at kMaxMetadataValueBytes.
std::string cappedMetadataValue(std::string value);

}  // namespace synthscope
