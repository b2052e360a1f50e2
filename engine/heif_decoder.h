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

// The primary image as 8-bit RGB (CV_8UC3), with the file's rotation and mirroring applied (HEIF keeps
// them in its own boxes, not as EXIF orientation). The size is read from the container and refused above
// maxPixels before any pixel is decoded. Throws EngineError(BadInput) with a sentence naming `name`.
cv::Mat decodeHeif(const std::vector<std::uint8_t>& bytes, const std::string& name, const char* formatName,
                   std::int64_t maxPixels);

}  // namespace synthscope
