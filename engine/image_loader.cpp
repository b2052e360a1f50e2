#include "engine/image_loader.h"

#include <fstream>
#include <future>
#include <sys/stat.h>

#include "engine/errors.h"
#include "engine/decoder_process.h"
#include "engine/sha256.h"

namespace synthscope {

std::vector<std::uint8_t> readFileBytes(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw badInput(path + ": no such file");
    if (S_ISDIR(st.st_mode)) throw badInput(path + ": is a folder, not an image");
    // A FIFO or a device given by name would block for ever (or never end) when read: refuse them.
    if (!S_ISREG(st.st_mode)) throw badInput(path + ": is not a regular file (a pipe, socket or device)");
    // cv::imdecode takes an int length: larger files cannot be decoded, so do not allocate for them.
    if (st.st_size > kMaxImageFileBytes)
        throw badInput(path + ": the file is larger than 2 GB; refusing to read it");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw badInput(path + ": cannot be opened (permission denied?)");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
    if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size())))
        throw badInput(path + ": read error");
    return bytes;
}

LoadedImage loadImage(const std::string& path, const LoadOptions& options) {
    return decodeImage(readFileBytes(path), path, options);
}

LoadedImage decodeImage(std::vector<std::uint8_t> bytes, const std::string& name, const LoadOptions& options) {
    if (bytes.empty()) throw badInput(name + ": the file is empty (0 bytes)");
    if (bytes.size() > std::size_t(kMaxImageFileBytes))  // cv::imdecode's length is an int
        throw badInput(name + ": the file is larger than 2 GB; refusing to decode it");
    LoadedImage image;
    image.path = name;
    image.header = sniffImageHeader(bytes.data(), bytes.size());
    const ImageHeader& h = image.header;
    if (h.format == ImageFormat::Unknown)
        throw badInput(name + ": not an image SynthScope can read (supported: JPEG, PNG, WebP, TIFF, BMP, HEIF/HEIC, AVIF)");
    const auto decode = [&] {
        return options.ownEncoding ? decodeInProcess(bytes, name, h.format, options.maxPixels)
                                   : decodePicture(bytes, name, h.format, options.maxPixels, options.cancel);
    };
    const bool heif = h.format == ImageFormat::Heif || h.format == ImageFormat::Avif;
    DecodedPicture picture;
    if (heif) {  // their size lives deep in the container: libheif reads it first, and the limit below applies as to all
        picture = decode();
        image.header.width = picture.declared.width;
        image.header.height = picture.declared.height;
    }
    // Compared by division: a header's width and height (up to 2^32 each in PNG and TIFF) can multiply past
    // 64 bits (found by the image_decode fuzzer).
    if (h.width < 0 || h.height < 0 || (h.width > 0 && h.height > 0 && h.width > options.maxPixels / h.height))
        throw badInput(name + ": " + std::to_string(h.width) + "x" + std::to_string(h.height) + " pixels (" +
                       megapixelsText(double(h.width) * double(h.height)) + " MP) is above the limit of " +
                       megapixelsText(options.maxPixels) + " MP; refusing to decode it");
    if (h.format == ImageFormat::Jpeg && !jpegFrameFitsInFile(h.width, h.height, bytes.size(), h.jpegArithmetic))
        throw badInput(name + ": the JPEG header claims " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                       " pixels, but " + std::to_string(bytes.size()) + " bytes cannot hold them: the file is cut short or forged");
    if (h.format == ImageFormat::Jpeg && !h.jpegHasEndMarker)
        throw badInput(name + ": the JPEG file is truncated (no end-of-image marker); its lower part would be grey");

    // Hash the bytes while they are decoded (both only read them).
    std::future<std::string> sha256 = std::async(std::launch::async, [&bytes] { return sha256Hex(bytes); });
    image.rgb = heif ? picture.rgb : decode().rgb;
    image.sha256 = sha256.get();
    image.bytes = std::move(bytes);
    return image;
}

}  // namespace synthscope
