#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace synthscope {

enum class ImageFormat { Unknown, Jpeg, Png, WebP, Tiff, Bmp, Heif, Avif };  // Heif: HEIC and other HEIF files

const char* imageFormatName(ImageFormat format);
// A pixel count in megapixels with one decimal ("12.2"), for sentences about image sizes.
std::string megapixelsText(double pixels);

// What the first bytes of a file say about it, read without decoding pixels. This is how SynthScope
// refuses a decompression bomb before allocating anything, and ignores misleading file extensions.
struct ImageHeader {
    ImageFormat format = ImageFormat::Unknown;
    std::int64_t width = 0;   // 0 when the header did not say (then the decoder's answer is used)
    std::int64_t height = 0;
    int bitDepth = 0;         // bits per sample, 0 if unknown
    int channels = 0;         // samples per pixel, 0 if unknown
    bool hasAlpha = false;
    int exifOrientation = 1;  // 1..8 as in EXIF; 1 = as stored
    bool jpegHasEndMarker = true;  // false for a JPEG cut short
    bool jpegArithmetic = false;   // arithmetic-coded frame (SOF9-SOF15), rare
};

// Whether a Huffman-coded JPEG of `bytes` bytes can hold a width x height frame: the DC code alone spends
// at least one bit per 8x8 luma block. Decoders allocate the whole frame from the header before reading
// the data, so a forged few-kilobyte header would otherwise cost gigabytes. Arithmetic coding can go
// below one bit per block, so it always passes.
bool jpegFrameFitsInFile(std::int64_t width, std::int64_t height, std::size_t bytes, bool arithmetic);

// Never reads outside [data, data+size); never throws.
ImageHeader sniffImageHeader(const std::uint8_t* data, std::size_t size);

}  // namespace synthscope
