#include "engine/image_region.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "engine/csv_table.h"
#include "engine/errors.h"
#include "engine/image_loader.h"

namespace synthscope {

std::string ImageRegion::brief() const {
    return std::to_string(x) + "," + std::to_string(y) + " " + std::to_string(width) + "x" + std::to_string(height);
}

std::string ImageRegion::describe() const {
    std::string text = "region " + brief();
    if (sourceWidth > 0 && sourceHeight > 0) text += " of " + std::to_string(sourceWidth) + "x" + std::to_string(sourceHeight);
    return text;
}

std::string ImageRegion::fileSuffix() const {
    return "region-" + std::to_string(x) + "-" + std::to_string(y) + "-" + std::to_string(width) + "x" + std::to_string(height);
}

ImageRegion parseImageRegion(const std::string& text) {
    long long v[4] = {};
    char trailing = 0;
    if (std::sscanf(text.c_str(), "%lld,%lld,%lld,%lld%c", &v[0], &v[1], &v[2], &v[3], &trailing) != 4)
        throw badInput("a region is X,Y,WIDTH,HEIGHT in pixels (for example 120,80,400,300), not \"" + text + "\"");
    if (v[0] < 0 || v[1] < 0) throw badInput("a region's corner cannot be negative (" + text + ")");
    // No image is this large (the loader's pixel limit), and sums of these stay inside an int.
    constexpr long long kLargest = 1'000'000'000;
    for (long long x : v)
        if (x > kLargest) throw badInput("the region " + text + " is larger than any image");
    ImageRegion r{int(v[0]), int(v[1]), int(v[2]), int(v[3])};
    if (r.width < kMinRegionSide || r.height < kMinRegionSide)
        throw badInput("the region " + text + " is too small: at least " + std::to_string(kMinRegionSide) + "x" +
                       std::to_string(kMinRegionSide) + " pixels");
    return r;
}

std::vector<RegionOfFile> readRegionList(const std::string& csvPath) {
    const CsvTable t = readCsv(csvPath);
    const int file = t.column("file"), x = t.column("x"), y = t.column("y"), w = t.column("width"), h = t.column("height");
    if (file < 0 || x < 0 || y < 0 || w < 0 || h < 0)
        throw badInput(csvPath + ": the header must name the columns file, x, y, width and height");
    const std::filesystem::path base = std::filesystem::path(csvPath).parent_path();
    std::vector<RegionOfFile> out;
    for (const auto& [number, fields] : t.rows) {
        const std::string where = csvPath + ", line " + std::to_string(number) + ": ";
        auto field = [&](int column) { return fields[std::size_t(column)]; };
        if (field(file).empty()) throw badInput(where + "empty file name");
        RegionOfFile r;
        r.path = std::filesystem::path(field(file)).is_absolute() ? field(file) : (base / field(file)).string();
        r.line = number;
        try {
            r.region = parseImageRegion(field(x) + "," + field(y) + "," + field(w) + "," + field(h));
        } catch (const EngineError& e) {
            throw badInput(where + e.what());
        }
        out.push_back(std::move(r));
    }
    if (out.empty()) throw badInput(csvPath + " lists no region");
    return out;
}

ImageRegion regionWithin(const LoadedImage& image, const ImageRegion& asked) {
    if (asked.width < kMinRegionSide || asked.height < kMinRegionSide)
        throw badInput(image.path + ": the " + asked.describe() + " is too small: at least " + std::to_string(kMinRegionSide) +
                       "x" + std::to_string(kMinRegionSide) + " pixels");
    if (asked.x < 0 || asked.y < 0 || std::int64_t(asked.x) + asked.width > image.width() ||
        std::int64_t(asked.y) + asked.height > image.height())
        throw badInput(image.path + ": the " + asked.describe() + " does not lie inside the " + std::to_string(image.width()) +
                       "x" + std::to_string(image.height()) + " image");
    ImageRegion r = asked;
    if (image.region) {  // a region of a region: in the whole image's pixels
        r.x += image.region->x;
        r.y += image.region->y;
        r.sourceWidth = image.region->sourceWidth;
        r.sourceHeight = image.region->sourceHeight;
    } else {
        r.sourceWidth = image.width();
        r.sourceHeight = image.height();
    }
    return r;
}

LoadedImage cropToRegion(LoadedImage image, const ImageRegion& asked) {
    const ImageRegion region = regionWithin(image, asked);
    LoadedImage out;
    out.path = std::move(image.path);
    out.bytes = std::move(image.bytes);
    out.sha256 = std::move(image.sha256);
    out.header = image.header;
    out.rgb = image.rgb(cv::Rect(asked.x, asked.y, asked.width, asked.height)).clone();  // the analyser wants it continuous
    out.wholeRgb = image.wholePicture();
    out.region = region;
    return out;
}

}  // namespace synthscope
