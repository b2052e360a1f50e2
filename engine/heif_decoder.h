#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace synthscope {

// HEIF (HEIC, the iPhone's photo format) and AVIF decoding through libheif, the one place that knows it:
// OpenCV 4.6 reads neither. Built in when CMake found libheif (packaging/install-deps.sh installs it);
// otherwise every call says so in a sentence.
bool heifDecodingAvailable();

// The primary image's size as the container states it (before rotation), read without decoding pixels, so
// that the loader's one pixel limit applies to HEIF as to every other format. Throws EngineError(BadInput)
// with a sentence naming `name`.
cv::Size heifImageSize(const std::vector<std::uint8_t>& bytes, const std::string& name, const char* formatName);
// The primary image as 8-bit RGB (CV_8UC3), with the file's rotation and mirroring applied (HEIF keeps
// them in its own boxes, not as EXIF orientation). Throws EngineError(BadInput) with a sentence naming `name`.
cv::Mat decodeHeif(const std::vector<std::uint8_t>& bytes, const std::string& name, const char* formatName);

// The primary image's metadata blocks, for the metadata reader (Exiv2 reads neither HEIF nor AVIF in
// Debian 12's build: its QuickTime parser would report made-up "Xmp.video" entries instead).
struct HeifMetadataBlocks {
    std::vector<std::uint8_t> exifTiff;  // the EXIF block from its TIFF header on; empty: none
    std::string xmpPacket;               // the XMP packet; empty: none
    std::string error;                   // why the file could not be read; empty: it could
};
HeifMetadataBlocks readHeifMetadata(const std::uint8_t* data, std::size_t size);

}  // namespace synthscope
