#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/finding.h"

namespace cv {
class Mat;
}

namespace synthscope {

struct MetadataReport;

// The EXIF thumbnail against the image it claims to preview. A camera writes the thumbnail when it takes
// the picture, and many editors and metadata tools leave it alone. A thumbnail that shows something else
// means the pixels changed after it was written (an edit, a crop), or that the EXIF block came from
// another file: camera data pasted into a generated image keeps the donor photo's thumbnail.
struct ThumbnailComparison {
    enum class Outcome {
        NotCompared,  // no thumbnail, or no pixels to compare with
        Matches,
        OtherShape,   // its shape differs from the image's: cropped, or another image
        OtherImage,   // it shows something else altogether
        LocalChange,  // the same picture, with part of it changed (most cells alike)
        Unreadable,   // a thumbnail that could not be decoded
    };
    Outcome outcome = Outcome::NotCompared;
    int width = 0, height = 0;  // the thumbnail's, less the black bars cameras pad it with (before the reduction)
    double aspectRatio = 1;     // its width/height over the image's
    double correlation = 0;     // of its grey levels with those of the image reduced to its size
    double worstCell = 0;       // the largest mean |difference| of a 4x4 grid cell, in grey levels, after matching the tone by rank
    int worstCellIndex = -1;    // row-major, 0 = top left
    int cellsAlike = 0;         // cells within kThumbnailMaxCellDifference, of 16
    std::uint16_t differingCells = 0;  // the others: bit i for cell i (row-major, over the picture as shown)
    Finding finding;            // what it means, in a sentence ("info" for a match, "notice" otherwise)
};

// Both are compared in grey at 64 px on the longer side. Thresholds, from the photos with EXIF thumbnails
// of ../shared/data (DIF's reals) and of Debian's wallpaper packages, 26 distinct ones (bench/
// thumbnail_check.py; README, "Metadata"): their own thumbnails correlate 0.979-1.000 with a worst cell
// of at most 10 grey levels, also re-saved; with another photo's EXIF block they correlate at most 0.63;
// a clone-stamp edit of a sixteenth of the image is caught 22 times in 26.
inline constexpr int kThumbnailCompareSide = 64;
inline constexpr double kThumbnailMinCorrelation = 0.90;
inline constexpr double kThumbnailMaxCellDifference = 20;  // grey levels, after the tone is matched by rank
inline constexpr double kThumbnailMaxAspectChange = 0.03;  // |log(aspect ratio)|
inline constexpr int kThumbnailMinCellsAlike = 12;          // of 16: a change in part of the image, not another image

// `thumbnail`: the thumbnail's bytes (MetadataReport::thumbnail). `rgb`: the image as decoded, CV_8UC3,
// with its EXIF orientation applied, which is applied to the thumbnail too (`exifOrientation`, 1..8).
ThumbnailComparison compareThumbnail(const std::vector<std::uint8_t>& thumbnail, const cv::Mat& rgb, int exifOrientation);

// The thumbnail as a picture, RGB CV_8UC3, turned as the image is shown; empty when it cannot be decoded
// or its header declares more than kMaxThumbnailPixels (EXIF thumbnails are 160x120 and the like).
inline constexpr std::int64_t kMaxThumbnailPixels = 2048 * 2048;
cv::Mat thumbnailPicture(const std::vector<std::uint8_t>& thumbnail, int exifOrientation);

// Compares the report's thumbnail with the image and puts the finding where the report's readers look:
// a match among the facts, in place of "was not compared"; anything else among the generator traces
// (a notice: a sign of editing or of borrowed metadata, not of a generator as such).
// Returns the thumbnail as shown (thumbnailPicture), decoded once for both; empty when there is none.
cv::Mat checkThumbnail(MetadataReport& report, const cv::Mat& rgb, int exifOrientation);

// The cells of the comparison's 4x4 grid that the rectangle x, y, width x height of a picture of the given
// size overlaps, as a mask like differingCells; and a cell's name ("lower left", ...).
std::uint16_t thumbnailCellsOverlapping(int x, int y, int width, int height, int pictureWidth, int pictureHeight);
const char* thumbnailCellName(int index);

const char* thumbnailOutcomeName(ThumbnailComparison::Outcome outcome);   // "matches", "other_shape", ...
const char* thumbnailOutcomeWords(ThumbnailComparison::Outcome outcome);  // "shows this image", "has another shape than the image", ...

}  // namespace synthscope
