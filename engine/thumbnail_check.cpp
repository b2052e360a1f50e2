#include "engine/thumbnail_check.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/decoder_process.h"
#include "engine/errors.h"
#include "engine/image_format.h"
#include "engine/metadata.h"

namespace synthscope {
namespace {

int validOrientation(int o) { return o >= 1 && o <= 8 ? o : 1; }

// The stored thumbnail turned as EXIF orientation `o` turns the stored image for display.
cv::Mat oriented(const cv::Mat& m, int o) {
    cv::Mat turned, out;  // never written in place: `m` is the caller's
    if (o >= 5 && o <= 8) cv::transpose(m, turned);
    else turned = m;
    switch (o) {
    case 2: case 6: cv::flip(turned, out, 1); return out;   // 6: 90 degrees clockwise
    case 3: case 7: cv::flip(turned, out, -1); return out;
    case 4: case 8: cv::flip(turned, out, 0); return out;   // 8: 90 degrees anticlockwise
    default: return turned;                                 // 1, and 5 (the transpose alone)
    }
}

// Cameras pad a thumbnail to 160x120 with black bars when the picture is not 4:3: those rows and columns
// are cut off (never more than half of either side).
cv::Rect withoutBlackBars(const cv::Mat& grey) {
    auto dark = [](const cv::Mat& line) {
        cv::Scalar mean, sd;
        cv::meanStdDev(line, mean, sd);
        return mean[0] < 16 && sd[0] < 6;
    };
    int top = 0, bottom = grey.rows, left = 0, right = grey.cols;
    while (bottom - top > grey.rows / 2 && dark(grey.row(top))) ++top;
    while (bottom - top > grey.rows / 2 && dark(grey.row(bottom - 1))) --bottom;
    while (right - left > grey.cols / 2 && dark(grey.col(left).rowRange(top, bottom))) ++left;
    while (right - left > grey.cols / 2 && dark(grey.col(right - 1).rowRange(top, bottom))) --right;
    return {left, top, right - left, bottom - top};
}

struct Scores {
    double correlation = -1, worstCell = 0;
    int worstCellIndex = -1;
    int cellsAlike = 0;                // of the 16, those within kThumbnailMaxCellDifference
    std::uint16_t differingCells = 0;  // the others, bit i for cell i
};

// `a` (the thumbnail) and `b` (the image at its size), grey CV_64F of one size.
Scores score(const cv::Mat& a, const cv::Mat& b) {
    Scores s;
    cv::Scalar ma, sa, mb, sb;
    cv::meanStdDev(a, ma, sa);
    cv::meanStdDev(b, mb, sb);
    if (sa[0] < 1e-6 || sb[0] < 1e-6) s.correlation = std::abs(ma[0] - mb[0]) <= kThumbnailMaxCellDifference ? 1 : 0;  // flat: only levels
    else s.correlation = cv::mean((a - ma[0]).mul(b - mb[0]))[0] / (sa[0] * sb[0]);
    // The image's grey levels mapped onto the thumbnail's by rank (its darkest pixel takes the thumbnail's
    // darkest level, and so on): thumbnails are often rendered with another tone curve, and any monotone
    // one cancels out. Then the mean |difference| of each cell of a 4x4 grid: an edit shows in one cell.
    CV_Assert(a.isContinuous() && b.isContinuous());
    const auto* pa = a.ptr<double>();
    const auto* pb = b.ptr<double>();
    const std::size_t n = a.total();
    std::vector<double> levels(pa, pa + n);
    std::sort(levels.begin(), levels.end());
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [pb](std::size_t i, std::size_t j) { return pb[i] < pb[j]; });
    cv::Mat residual(a.size(), CV_64F);
    auto* pr = residual.ptr<double>();
    for (std::size_t rank = 0; rank < n; ++rank) pr[order[rank]] = std::abs(pa[order[rank]] - levels[rank]);
    for (int cy = 0; cy < 4; ++cy)
        for (int cx = 0; cx < 4; ++cx) {
            const cv::Rect cell(cx * a.cols / 4, cy * a.rows / 4, (cx + 1) * a.cols / 4 - cx * a.cols / 4, (cy + 1) * a.rows / 4 - cy * a.rows / 4);
            if (cell.area() == 0) continue;
            const double d = cv::mean(residual(cell))[0];
            if (d > s.worstCell) s.worstCell = d, s.worstCellIndex = cy * 4 + cx;
            if (d <= kThumbnailMaxCellDifference) ++s.cellsAlike;
            else s.differingCells |= std::uint16_t(1u << (cy * 4 + cx));
        }
    return s;
}


std::string fixed(double v, int digits) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
    return buffer;
}

Finding findingFor(const ThumbnailComparison& c) {
    const std::string scores = "correlation " + fixed(c.correlation, 2) + ", worst area " + fixed(c.worstCell, 1) + " grey levels";
    switch (c.outcome) {
    case ThumbnailComparison::Outcome::Matches:
        return infoFinding("The EXIF thumbnail shows this image (" + scores + ").");
    case ThumbnailComparison::Outcome::OtherShape:
        return noticeFinding("The EXIF thumbnail has another shape than the image (" + fixed(c.aspectRatio, 2) +
                             " times its width/height): the image was cropped or reframed after the thumbnail was written, "
                             "or its EXIF data came from another file.");
    case ThumbnailComparison::Outcome::OtherImage:
        return noticeFinding("The EXIF thumbnail does not show this image (" + scores +
                             "): its EXIF data may come from another file (camera data pasted into another picture), "
                             "or the image was replaced after the thumbnail was written.");
    case ThumbnailComparison::Outcome::LocalChange:
        return noticeFinding(std::string("The EXIF thumbnail differs from the image in part of it (most of all ") + thumbnailCellName(c.worstCellIndex) +
                             "; " + std::to_string(16 - c.cellsAlike) + " of 16 areas differ; " + scores +
                             "): that part may have been edited after the thumbnail was written.");
    case ThumbnailComparison::Outcome::Unreadable:
        return infoFinding("An EXIF thumbnail is embedded but could not be decoded.");
    case ThumbnailComparison::Outcome::NotCompared: break;
    }
    return infoFinding(kThumbnailNotComparedFact);
}

// `stored`: the decoded thumbnail as stored (thumbnailPicture(bytes, 1)), empty when it could not be.
ThumbnailComparison compareStored(bool present, const cv::Mat& stored, const cv::Mat& rgb, int exifOrientation) {
    ThumbnailComparison c;
    if (!present || rgb.empty() || rgb.type() != CV_8UC3) {
        c.finding = findingFor(c);
        return c;
    }
    if (stored.empty()) {
        c.outcome = ThumbnailComparison::Outcome::Unreadable;
        c.finding = findingFor(c);
        return c;
    }
    cv::Mat grey;
    cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    // The declared orientation, and the stored one in case a decoder did not turn the image.
    std::vector<int> orientations = {validOrientation(exifOrientation)};
    if (orientations[0] != 1) orientations.push_back(1);
    bool first = true;
    for (const int o : orientations) {
        cv::Mat t;
        cv::cvtColor(oriented(stored, o), t, cv::COLOR_RGB2GRAY);
        t = t(withoutBlackBars(t));
        const double aspect = (double(t.cols) / t.rows) / (double(grey.cols) / grey.rows);
        // Both compared at 64 px at most: finer, textures (grass, forest) alias differently in the camera's
        // thumbnail and in our reduction, and a genuine forest photo correlated only 0.88 at 196 px.
        const double scale = std::min(1.0, double(kThumbnailCompareSide) / std::max(t.cols, t.rows));
        const cv::Size size(std::max(4, int(std::lround(t.cols * scale))), std::max(4, int(std::lround(t.rows * scale))));
        cv::Mat smallThumb, smallImage, a, b;
        cv::resize(t, smallThumb, size, 0, 0, cv::INTER_AREA);
        cv::resize(grey, smallImage, size, 0, 0, cv::INTER_AREA);
        smallThumb.convertTo(a, CV_64F);
        smallImage.convertTo(b, CV_64F);
        const Scores s = score(a, b);
        if (!first && s.correlation <= c.correlation) continue;
        first = false;
        c.width = t.cols, c.height = t.rows;
        c.aspectRatio = aspect;
        c.correlation = s.correlation;
        c.worstCell = s.worstCell;
        c.worstCellIndex = s.worstCellIndex;
        c.cellsAlike = s.cellsAlike;
        c.differingCells = s.differingCells;
    }
    using O = ThumbnailComparison::Outcome;
    // A large edit lowers the correlation too; while most of the picture still agrees it is a change in
    // part of this image, not another image.
    if (std::abs(std::log(c.aspectRatio)) > kThumbnailMaxAspectChange) c.outcome = O::OtherShape;
    else if (c.correlation >= kThumbnailMinCorrelation && c.worstCell <= kThumbnailMaxCellDifference) c.outcome = O::Matches;
    else if (c.cellsAlike >= kThumbnailMinCellsAlike) c.outcome = O::LocalChange;
    else c.outcome = O::OtherImage;
    c.finding = findingFor(c);
    return c;
}

}  // namespace

const char* thumbnailCellName(int index) {
    static const std::array<const char*, 16> names = {
        "top left",          "top, left of centre",    "top, right of centre",    "top right",
        "upper left",        "upper middle left",      "upper middle right",      "upper right",
        "lower left",        "lower middle left",      "lower middle right",      "lower right",
        "bottom left",       "bottom, left of centre", "bottom, right of centre", "bottom right"};
    return index >= 0 && index < 16 ? names[std::size_t(index)] : "somewhere";
}

std::uint16_t thumbnailCellsOverlapping(int x, int y, int width, int height, int pictureWidth, int pictureHeight) {
    std::uint16_t cells = 0;
    if (width <= 0 || height <= 0 || pictureWidth <= 0 || pictureHeight <= 0) return cells;
    for (int cy = 0; cy < 4; ++cy)
        for (int cx = 0; cx < 4; ++cx) {
            // Quarters of each side, as score() cuts its grid at the comparison's 64 px.
            const int left = cx * pictureWidth / 4, right = (cx + 1) * pictureWidth / 4;
            const int top = cy * pictureHeight / 4, bottom = (cy + 1) * pictureHeight / 4;
            if (x < right && x + width > left && y < bottom && y + height > top) cells |= std::uint16_t(1u << (cy * 4 + cx));
        }
    return cells;
}

cv::Mat thumbnailPicture(const std::vector<std::uint8_t>& thumbnail, int exifOrientation) {
    // The header's size first, as the image loader does: a forged few-kilobyte "thumbnail" can declare
    // a frame of gigabytes, which the decoder would allocate before reading a byte of it (found by fuzzing).
    const ImageHeader header = sniffImageHeader(thumbnail.data(), thumbnail.size());
    if (header.width <= 0 || header.height <= 0 || header.width * header.height > kMaxThumbnailPixels) return {};
    if (header.format == ImageFormat::Jpeg && !jpegFrameFitsInFile(header.width, header.height, thumbnail.size(), header.jpegArithmetic))
        return {};
    if (header.format == ImageFormat::Unknown || header.format == ImageFormat::Heif || header.format == ImageFormat::Avif) return {};
    cv::Mat rgb;
    try {  // the thumbnail's bytes are the file's: decoded in the decoder helper, as the picture is
        rgb = decodePicture(thumbnail, "the EXIF thumbnail", header.format, kMaxThumbnailPixels, nullptr, ExifOrientation::Ignore).rgb;
    } catch (const EngineError&) {
        return {};
    }
    if (rgb.empty() || rgb.cols < 8 || rgb.rows < 8) return {};
    return oriented(rgb, validOrientation(exifOrientation));
}

ThumbnailComparison compareThumbnail(const std::vector<std::uint8_t>& thumbnail, const cv::Mat& rgb, int exifOrientation) {
    return compareStored(!thumbnail.empty(), thumbnailPicture(thumbnail, 1), rgb, exifOrientation);
}

cv::Mat checkThumbnail(MetadataReport& report, const cv::Mat& rgb, int exifOrientation) {
    if (report.thumbnail.empty()) return {};
    const cv::Mat stored = thumbnailPicture(report.thumbnail, 1);  // decoded once, for the comparison and the caller
    report.thumbnailCheck = compareStored(true, stored, rgb, exifOrientation);
    std::vector<Finding>& facts = report.facts;
    facts.erase(std::remove_if(facts.begin(), facts.end(), [](const Finding& f) { return f.text == kThumbnailNotComparedFact; }), facts.end());
    if (report.thumbnailCheck.finding.severity == "notice") report.generatorTraces.push_back(report.thumbnailCheck.finding);
    else facts.push_back(report.thumbnailCheck.finding);
    return stored.empty() ? cv::Mat() : oriented(stored, validOrientation(exifOrientation));
}

const char* thumbnailOutcomeName(ThumbnailComparison::Outcome outcome) {
    switch (outcome) {
    case ThumbnailComparison::Outcome::NotCompared: return "not_compared";
    case ThumbnailComparison::Outcome::Matches: return "matches";
    case ThumbnailComparison::Outcome::OtherShape: return "other_shape";
    case ThumbnailComparison::Outcome::OtherImage: return "other_image";
    case ThumbnailComparison::Outcome::LocalChange: return "local_change";
    case ThumbnailComparison::Outcome::Unreadable: return "unreadable";
    }
    return "not_compared";
}

const char* thumbnailOutcomeWords(ThumbnailComparison::Outcome outcome) {
    switch (outcome) {
    case ThumbnailComparison::Outcome::NotCompared: return "was not compared";
    case ThumbnailComparison::Outcome::Matches: return "shows this image";
    case ThumbnailComparison::Outcome::OtherShape: return "has another shape than the image";
    case ThumbnailComparison::Outcome::OtherImage: return "shows another picture";
    case ThumbnailComparison::Outcome::LocalChange: return "differs in part of the image";
    case ThumbnailComparison::Outcome::Unreadable: return "could not be decoded";
    }
    return "was not compared";
}

}  // namespace synthscope
