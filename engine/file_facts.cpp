#include "engine/file_facts.h"

#include <cstdio>
#include <filesystem>

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

#include "engine/image_format.h"

namespace synthscope {
namespace {

// "214,578 bytes (209.5 KiB)": the exact count for the record, the rounded one for the eye.
std::string sizeText(std::size_t bytes) {
    std::string digits = std::to_string(bytes);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) digits.insert(std::size_t(i), ",");
    const char* units[] = {"KiB", "MiB", "GiB"};
    double value = double(bytes);
    int unit = -1;
    while (value >= 1024 && unit < 2) {
        value /= 1024;
        ++unit;
    }
    if (unit < 0) return digits + " bytes";
    char rounded[32];
    std::snprintf(rounded, sizeof rounded, "%.1f %s", value, units[unit]);
    return digits + " bytes (" + rounded + ")";
}

std::string headerText(const ImageHeader& h, int decodedWidth, int decodedHeight) {
    std::string text = imageFormatName(h.format);
    const long long w = h.width > 0 ? h.width : decodedWidth, hh = h.height > 0 ? h.height : decodedHeight;
    text += ", " + std::to_string(w) + " x " + std::to_string(hh) + " px";
    if (h.bitDepth > 0) text += ", " + std::to_string(h.bitDepth) + "-bit";
    if (h.channels > 0) text += ", " + std::to_string(h.channels) + (h.channels == 1 ? " channel" : " channels");
    if (h.hasAlpha) text += " (with alpha)";
    return text;
}

}  // namespace

std::vector<MetadataEntry> fileFacts(const LoadedImage& image) {
    // The folder as one absolute path without "..": what a record should say, whatever path opened it.
    std::error_code error;
    std::filesystem::path path = std::filesystem::absolute(image.path, error);
    path = (error ? std::filesystem::path(image.path) : path).lexically_normal();
    // The whole picture's size, also when one region of it is what is shown and analysed.
    const int width = image.wholePicture().cols, height = image.wholePicture().rows;
    std::vector<MetadataEntry> facts{
        {"File", "File", path.filename().string()},
        {"File", "Folder", path.parent_path().string()},
        {"File", "Size", sizeText(image.bytes.size())},
        {"File", "SHA-256", image.sha256},
        {"File", "Format", headerText(image.header, width, height)},
    };
    if (image.region)
        facts.push_back({"File", "Region", "only the " + image.region->describe() + " is shown and analysed"});
    if (image.header.exifOrientation != 1)
        facts.push_back({"File", "Orientation", "EXIF orientation " + std::to_string(image.header.exifOrientation) +
                                                    ": shown and analysed turned upright, " + std::to_string(width) + " x " +
                                                    std::to_string(height) + " px"});
    const QFileInfo file(QFile::decodeName(image.path.c_str()));
    if (!image.path.empty() && file.exists())
        facts.push_back({"File", "Modified", file.lastModified().toUTC().toString("yyyy-MM-dd HH:mm:ss 'UTC'").toStdString()});
    return facts;
}

}  // namespace synthscope
