#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/image_format.h"
#include "engine/image_region.h"

namespace synthscope {

// The largest file decodeImage takes: OpenCV's decoders take the length as an int.
constexpr std::int64_t kMaxImageFileBytes = 2147483647;

struct LoadOptions {
    // Refuse images above this many pixels before decoding them (decompression bombs, out-of-memory).
    std::int64_t maxPixels = 250'000'000;
    // When set and it turns true, the decoding (in the decoder process; seconds for a large HEIF) stops at
    // once with EngineError(Cancelled).
    const std::atomic<bool>* cancel = nullptr;
    // The bytes were encoded by SynthScope itself from pixels it had decoded (the JPEG and rescaled copies
    // of the robustness check, `evaluate` and teaching mode): nothing in them can attack a decoder, so
    // they are decoded in this process, without the decoder helper (decoder_process.h).
    bool ownEncoding = false;
};

// A decoded image and what is known of its file. rgb is CV_8UC3 in RGB order with EXIF orientation
// applied, which is what every analysis works on; bytes are the file's exact bytes, kept for hashing
// and for the metadata and JPEG analyses.
struct LoadedImage {
    std::string path;
    std::vector<std::uint8_t> bytes;
    std::string sha256;
    ImageHeader header;  // format, stored size, bit depth, channels, alpha, orientation
    cv::Mat rgb;
    // Set when rgb is one region of the file's picture (cropToRegion); wholeRgb is then the whole picture
    // (shared), for checks that concern the whole file.
    std::optional<ImageRegion> region;
    cv::Mat wholeRgb;

    // The whole picture: rgb, or wholeRgb when rgb is a region of it.
    const cv::Mat& wholePicture() const { return region ? wholeRgb : rgb; }
    int width() const { return rgb.cols; }
    int height() const { return rgb.rows; }
};

// Throws EngineError(BadInput) with a sentence a user understands: missing, empty, not an image,
// unsupported, truncated, too large, or undecodable.
LoadedImage loadImage(const std::string& path, const LoadOptions& options = {});
LoadedImage decodeImage(std::vector<std::uint8_t> bytes, const std::string& name, const LoadOptions& options = {});

// Reads a whole file (byte paths, so any file name the system allows).
std::vector<std::uint8_t> readFileBytes(const std::string& path);

}  // namespace synthscope
