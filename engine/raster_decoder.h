#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/decoded_picture.h"
#include "engine/image_format.h"

namespace synthscope {

enum class ExifOrientation { Apply, Ignore };

// JPEG, PNG, WebP, TIFF and BMP through OpenCV's imgcodecs (libjpeg-turbo, libpng, libwebp, libtiff),
// into 8-bit RGB: 16-bit and float data scaled, grey expanded, alpha dropped, the EXIF orientation applied
// unless told to ignore it. `declared` is the decoded size (these formats declare it in a header the
// loader has already checked). Decodes in this process: only the decoder helper (decoder_process.h) and
// the fuzz harnesses call this directly; everything else goes through decodePicture() there.
// Throws EngineError(BadInput) with a sentence naming `name`.
DecodedPicture decodeRasterInProcess(const std::vector<std::uint8_t>& bytes, const std::string& name, ImageFormat format,
                                     std::int64_t maxPixels, ExifOrientation orientation = ExifOrientation::Apply);

}  // namespace synthscope
