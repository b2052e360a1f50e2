#pragma once
#include <string>
#include <vector>

namespace synthscope {

struct LoadedImage;

// A rectangle of an image, in its pixels as analysed (after EXIF orientation): the part an investigator
// asks about on its own (a face that may have been pasted in, an object a generator may have filled in).
// The whole-image verdict rests on the highest-contrast patches anywhere in the picture and may never
// look at that part; a region's verdict rests on patches inside it only.
struct ImageRegion {
    int x = 0, y = 0, width = 0, height = 0;
    int sourceWidth = 0, sourceHeight = 0;  // the whole image's size (0 until cropToRegion fills it in)

    // "region 120,80 400x300 of 2560x1920" (without "of ..." while the source size is unknown).
    std::string describe() const;
    // "120,80 400x300": a tab's or a case row's name beside the file's, "photo.jpg [120,80 400x300]".
    std::string brief() const;
    // For file names: "region-120-80-400x300".
    std::string fileSuffix() const;
    bool operator==(const ImageRegion& o) const {
        return x == o.x && y == o.y && width == o.width && height == o.height && sourceWidth == o.sourceWidth &&
               sourceHeight == o.sourceHeight;
    }
};

// Smaller regions say nothing: a 16x16 patch repeated by reflection up to the model's patch is noise.
constexpr int kMinRegionSide = 32;

// "X,Y,W,H" (pixels). Throws EngineError(BadInput) with what is wrong.
ImageRegion parseImageRegion(const std::string& text);

// One line of a region list: a file and a region of it (`synthscope batch --regions FILE`).
struct RegionOfFile {
    std::string path;  // as listed, made absolute against the list's folder when relative
    ImageRegion region;
    int line = 0;      // its line in the list
};

// A CSV with the header "file,x,y,width,height" (other columns are ignored), one region per row; a file
// may be listed with several regions. Throws EngineError(BadInput) naming the line of the first bad row
// (a missing column, an empty file name, a region parseImageRegion refuses) or when no row is listed.
std::vector<RegionOfFile> readRegionList(const std::string& csvPath);

// The region asked for, checked against the image and, when the image is itself a region, put in the whole
// picture's pixels, with the whole picture's size filled in; nothing is copied. Throws EngineError(BadInput)
// when the region leaves the image or is smaller than kMinRegionSide.
ImageRegion regionWithin(const LoadedImage& image, const ImageRegion& region);

// The region's pixels as an image of their own, for the analyser: the same file (path, bytes, sha256,
// header) with `region` set and the whole picture kept beside it (shared, not copied) for checks that
// concern the whole file, such as the EXIF thumbnail. A region of a region is a region of the whole image.
// Throws as regionWithin does.
// Taken by value: pass a freshly loaded image with std::move and its file's bytes are not copied.
LoadedImage cropToRegion(LoadedImage image, const ImageRegion& region);

}  // namespace synthscope
