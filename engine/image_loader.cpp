#include "engine/image_loader.h"

#include <fstream>
#include <future>
#include <sstream>
#include <sys/stat.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/errors.h"
#include "engine/decoder_process.h"
#include "engine/sha256.h"

namespace synthscope {
namespace {

// Swaps the first and third channel of an 8-bit 3-channel image in place. cv::cvtColor would copy:
// it clones its input when asked to work in place, which for a 100-megapixel image is 300 MB more.
void swapRedBlueInPlace(cv::Mat& image) {
    cv::parallel_for_(cv::Range(0, image.rows), [&](const cv::Range& rows) {
        for (int r = rows.start; r < rows.end; ++r) {
            std::uint8_t* p = image.ptr<std::uint8_t>(r);
            for (int c = 0; c < image.cols; ++c, p += 3) std::swap(p[0], p[2]);
        }
    });
}

// Converts whatever the decoder returned (8/16-bit or float, 1-4 channels, BGR order) to 8-bit RGB.
// Takes the decoded image by value: 8-bit colour images (the usual case) are converted in place.
cv::Mat toRgb8(cv::Mat decoded) {
    cv::Mat eight;
    switch (decoded.depth()) {
    case CV_8U: eight = std::move(decoded); break;
    case CV_16U: decoded.convertTo(eight, CV_8U, 1.0 / 257.0); break;
    case CV_32F:
    case CV_64F: decoded.convertTo(eight, CV_8U, 255.0); break;  // float images are taken as [0,1]
    default: decoded.convertTo(eight, CV_8U); break;
    }
    cv::Mat rgb;
    switch (eight.channels()) {
    case 1: cv::cvtColor(eight, rgb, cv::COLOR_GRAY2RGB); break;
    case 2: {  // grey + alpha: alpha is dropped, as PIL's convert('RGB') does
        cv::Mat grey;
        cv::extractChannel(eight, grey, 0);
        cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
        break;
    }
    case 3:
        swapRedBlueInPlace(eight);
        rgb = std::move(eight);
        break;
    case 4: cv::cvtColor(eight, rgb, cv::COLOR_BGRA2RGB); break;
    default: throw badInput("unsupported number of colour channels: " + std::to_string(eight.channels()));
    }
    return rgb;
}

std::string megapixels(double pixels) {
    std::ostringstream s;
    s.precision(1);
    s << std::fixed << double(pixels) / 1e6;
    return s.str();
}

// JPEG, PNG, WebP, TIFF and BMP, decoded by OpenCV into 8-bit RGB.
cv::Mat decodeWithOpenCv(std::vector<std::uint8_t>& bytes, const std::string& name, ImageFormat format, const LoadOptions& options) {
    cv::Mat decoded;
    try {
        // ANYDEPTH|ANYCOLOR keeps 16-bit and grey data and applies the EXIF orientation.
        decoded = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, bytes.data()),
                               cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR);
    } catch (const cv::Exception& e) {
        throw badInput(name + ": the " + imageFormatName(format) + " data could not be decoded (" + e.err + ")");
    }
    if (decoded.empty())
        throw badInput(name + ": the " + std::string(imageFormatName(format)) +
                       " data could not be decoded (corrupt or truncated file)");
    if (std::int64_t(decoded.cols) * decoded.rows > options.maxPixels)  // headers that did not state a size
        throw badInput(name + ": " + megapixels(std::int64_t(decoded.cols) * decoded.rows) +
                       " MP is above the limit of " + megapixels(options.maxPixels) + " MP");
    return toRgb8(std::move(decoded));
}

}  // namespace

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
    const bool heif = h.format == ImageFormat::Heif || h.format == ImageFormat::Avif;  // OpenCV reads neither: libheif
    HeifPicture heifPicture;
    if (heif) {  // their size lives deep in the container: libheif reads it first, and the limit below applies as to all
        heifPicture = decodeHeif(bytes, name, imageFormatName(h.format), options.maxPixels, options.cancel);
        image.header.width = heifPicture.declared.width;
        image.header.height = heifPicture.declared.height;
    }
    // Compared by division: a header's width and height (up to 2^32 each in PNG and TIFF) can multiply past
    // 64 bits (found by the image_decode fuzzer).
    if (h.width < 0 || h.height < 0 || (h.width > 0 && h.height > 0 && h.width > options.maxPixels / h.height))
        throw badInput(name + ": " + std::to_string(h.width) + "x" + std::to_string(h.height) + " pixels (" +
                       megapixels(double(h.width) * double(h.height)) + " MP) is above the limit of " +
                       megapixels(options.maxPixels) + " MP; refusing to decode it");
    if (h.format == ImageFormat::Jpeg && !jpegFrameFitsInFile(h.width, h.height, bytes.size(), h.jpegArithmetic))
        throw badInput(name + ": the JPEG header claims " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                       " pixels, but " + std::to_string(bytes.size()) + " bytes cannot hold them: the file is cut short or forged");
    if (h.format == ImageFormat::Jpeg && !h.jpegHasEndMarker)
        throw badInput(name + ": the JPEG file is truncated (no end-of-image marker); its lower part would be grey");

    // Hash the bytes while they are decoded (both only read them).
    std::future<std::string> sha256 = std::async(std::launch::async, [&bytes] { return sha256Hex(bytes); });
    image.rgb = heif ? heifPicture.rgb : decodeWithOpenCv(bytes, name, h.format, options);
    image.sha256 = sha256.get();
    image.bytes = std::move(bytes);
    return image;
}

}  // namespace synthscope
