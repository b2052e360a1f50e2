#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/decoded_picture.h"

namespace synthscope {

// HEIF (HEIC, the iPhone's photo format) and AVIF decoding through libheif, the one place that knows it:
// OpenCV 4.6 reads neither. Built in when CMake found libheif (packaging/install-deps.sh installs it);
// otherwise every call says so in a sentence.
bool heifDecodingAvailable();


// Decodes in this process; `declared` is the primary image's. Only the decoder helper (decoder_process.h)
// calls this: everything else goes through decodePicture() there, which keeps libheif's crashes out of
// the application.
// The size is read before any pixel is decoded, so the loader's one pixel limit applies to HEIF as to
// every other format. Throws EngineError(BadInput) with a sentence naming `name`.
DecodedPicture decodeHeifInProcess(const std::vector<std::uint8_t>& bytes, const std::string& name, const char* formatName,
                                std::int64_t maxPixels);

// The primary image's metadata blocks, for the metadata reader (Exiv2 reads neither HEIF nor AVIF in
// Debian 12's build: its QuickTime parser would report made-up "Xmp.video" entries instead).
struct HeifMetadataBlocks {
    std::vector<std::uint8_t> exifTiff;  // the EXIF block from its TIFF header on; empty: none
    std::string xmpPacket;               // the XMP packet; empty: none
    std::string error;                   // why the file could not be read; empty: it could
    // What the container holds besides the primary image (the one SynthScope analyses): phones store
    // thumbnails, depth maps and other auxiliary images (HDR gain maps, portrait mattes); converters and
    // generators rarely do.
    int topLevelImages = 0;                   // images a viewer can show, the primary one included
    int thumbnails = 0;                       // of the primary image
    int depthImages = 0;                      // of the primary image
    std::vector<std::string> auxiliaryTypes;  // the primary image's other auxiliary images (URNs; alpha and depth left out)
};
HeifMetadataBlocks readHeifMetadataInProcess(const std::uint8_t* data, std::size_t size);

}  // namespace synthscope
