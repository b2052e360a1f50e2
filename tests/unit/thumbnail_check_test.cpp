// The EXIF thumbnail against the image (engine/thumbnail_check.h), on JPEGs whose thumbnails Exiv2 writes.
#include <gtest/gtest.h>

#include <algorithm>

#include <opencv2/imgproc.hpp>
#include <QTemporaryDir>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // Exiv2 0.27's std::auto_ptr
#include <exiv2/exiv2.hpp>

#include "engine/image_analyzer.h"
#include "engine/image_loader.h"
#include "engine/image_region.h"
#include "engine/metadata.h"
#include "engine/record_beside_verdict.h"
#include "engine/thumbnail_check.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

using Bytes = std::vector<std::uint8_t>;
using Outcome = ThumbnailComparison::Outcome;
const std::uint8_t kSof0[] = {0xFF, 0xC0};  // a baseline JPEG's frame header: FF C0, length, precision, height, width

// A photo-like picture: a gradient with a few soft shapes, different for each seed; 3:2 like most cameras.
cv::Mat scene(int seed, cv::Size size = {480, 320}) {
    cv::Mat rgb(size, CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(40 + y / 3), uchar(90 + x / 6), uchar(150 - y / 4));
    cv::RNG rng{std::uint64_t(seed)};
    for (int i = 0; i < 12; ++i) {
        const cv::Point centre(rng.uniform(0, size.width), rng.uniform(0, size.height));
        const cv::Size axes(rng.uniform(15, size.width / 4), rng.uniform(15, size.height / 4));
        cv::ellipse(rgb, centre, axes, rng.uniform(0, 180), 0, 360, cv::Scalar(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256)), -1);
    }
    cv::GaussianBlur(rgb, rgb, cv::Size(0, 0), 2.0);
    return rgb;
}

// The camera's way: the picture reduced into 160x120, the rest black.
cv::Mat cameraThumbnail(const cv::Mat& rgb) {
    cv::Mat thumb(120, 160, CV_8UC3, cv::Scalar::all(0));
    const double s = std::min(160.0 / rgb.cols, 120.0 / rgb.rows);
    cv::Mat reduced;
    cv::resize(rgb, reduced, cv::Size(int(rgb.cols * s), int(rgb.rows * s)), 0, 0, cv::INTER_AREA);
    reduced.copyTo(thumb(cv::Rect((160 - reduced.cols) / 2, (120 - reduced.rows) / 2, reduced.cols, reduced.rows)));
    return thumb;
}

// `stored` as a JPEG whose EXIF holds `thumbnailJpeg` (a camera's tags, and the orientation when not 1).
Bytes jpegWithThumbnail(const cv::Mat& stored, const Bytes& thumbnailJpeg, int orientation = 1, bool compressionTagZero = false) {
    return withExiv2(encodeRgb(".jpg", stored), [&](Exiv2::Image& image) {
        Exiv2::ExifData& exif = image.exifData();
        exif["Exif.Image.Make"] = "Canon";
        exif["Exif.Image.Model"] = "Canon EOS 80D";
        exif["Exif.Photo.DateTimeOriginal"] = "2019:05:04 17:30:00";
        exif["Exif.Image.Orientation"] = std::uint16_t(orientation);
        Exiv2::ExifThumb(exif).setJpegThumbnail(thumbnailJpeg.data(), long(thumbnailJpeg.size()));
        if (compressionTagZero) exif["Exif.Thumbnail.Compression"] = std::uint16_t(0);
    });
}

// What the workstation does with a file: decode it, read its metadata, compare.
MetadataReport checked(const Bytes& file) {
    const LoadedImage image = decodeImage(file, "photo");
    MetadataReport report = readMetadata(file);
    checkThumbnail(report, image.rgb, image.header.exifOrientation);
    return report;
}

bool has(const std::vector<Finding>& findings, const std::string& needle) {
    for (const Finding& f : findings)
        if (f.text.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST(ThumbnailCheck, TheImagesOwnThumbnailMatches) {
    const cv::Mat photo = scene(1);
    const MetadataReport r = checked(jpegWithThumbnail(photo, encodeRgb(".jpg", cameraThumbnail(photo))));
    ASSERT_TRUE(r.hasThumbnail);
    EXPECT_EQ(r.thumbnailCheck.outcome, Outcome::Matches) << r.thumbnailCheck.finding.text;
    EXPECT_EQ(r.thumbnailCheck.width, 160) << "the black bars above and below are not part of the picture";
    EXPECT_NEAR(r.thumbnailCheck.height, 107, 1);
    EXPECT_GT(r.thumbnailCheck.correlation, 0.98);
    EXPECT_TRUE(has(r.facts, "The EXIF thumbnail shows this image"));
    EXPECT_FALSE(has(r.facts, kThumbnailNotComparedFact)) << "replaced by what the comparison found";
    EXPECT_TRUE(r.generatorTraces.empty());
    // Without the pixels, the report says it was not compared.
    EXPECT_TRUE(has(readMetadata(jpegWithThumbnail(photo, encodeRgb(".jpg", cameraThumbnail(photo)))).facts, kThumbnailNotComparedFact));
}

TEST(ThumbnailCheck, AnotherPhotosThumbnailIsANotice) {
    // Camera metadata pasted into another picture keeps the donor's thumbnail.
    const MetadataReport r = checked(jpegWithThumbnail(scene(1), encodeRgb(".jpg", cameraThumbnail(scene(2)))));
    EXPECT_EQ(r.thumbnailCheck.outcome, Outcome::OtherImage) << r.thumbnailCheck.finding.text;
    EXPECT_LT(r.thumbnailCheck.correlation, kThumbnailMinCorrelation);
    EXPECT_TRUE(has(r.generatorTraces, "does not show this image"));
    EXPECT_FALSE(r.hasStrongGeneratorTrace()) << "a notice, not proof of a generator";
}

TEST(ThumbnailCheck, AnAreaChangedAfterTheThumbnailIsLocated) {
    const cv::Mat original = scene(3);
    cv::Mat edited = original.clone();
    // Painted over: the lower-left cell of a 4x4 grid (columns 0, rows 2 of 0-3).
    cv::rectangle(edited, cv::Rect(10, 170, 100, 60), cv::Scalar(250, 250, 250), -1);
    const MetadataReport r = checked(jpegWithThumbnail(edited, encodeRgb(".jpg", cameraThumbnail(original))));
    EXPECT_EQ(r.thumbnailCheck.outcome, Outcome::LocalChange) << r.thumbnailCheck.finding.text;
    EXPECT_EQ(r.thumbnailCheck.worstCellIndex, 8);
    EXPECT_TRUE(has(r.generatorTraces, "differs from the image in part of it (most of all lower left"));
}

TEST(ThumbnailCheck, ACroppedImageHasAnotherShape) {
    const cv::Mat photo = scene(4);
    const cv::Mat square = photo(cv::Rect(80, 0, 320, 320)).clone();
    const MetadataReport r = checked(jpegWithThumbnail(square, encodeRgb(".jpg", cameraThumbnail(photo))));
    EXPECT_EQ(r.thumbnailCheck.outcome, Outcome::OtherShape) << r.thumbnailCheck.finding.text;
    EXPECT_TRUE(has(r.generatorTraces, "another shape"));
}

TEST(ThumbnailCheck, TheThumbnailIsTurnedWithTheImage) {
    // Pixels and thumbnail stored as the sensor saw them; the orientation tag says how to show both
    // (3: upside down, 6 and 8: a portrait taken with the camera on its side, 2: mirrored).
    const cv::Mat stored = scene(5);
    for (const int orientation : {2, 3, 6, 8}) {
        const Bytes file = jpegWithThumbnail(stored, encodeRgb(".jpg", cameraThumbnail(stored)), orientation);
        const LoadedImage image = decodeImage(file, "turned");
        ASSERT_EQ(image.header.exifOrientation, orientation);
        ASSERT_EQ(image.rgb.rows, orientation >= 5 ? stored.cols : stored.rows) << "the decoder turned the pixels";
        EXPECT_EQ(checked(file).thumbnailCheck.outcome, Outcome::Matches) << "orientation " << orientation;
        // The thumbnail as shown is the stored one turned the same way: not the stored one as it is.
        const cv::Mat shown = thumbnailPicture(encodeRgb(".jpg", stored), orientation);
        ASSERT_EQ(shown.size(), image.rgb.size());
        EXPECT_LT(cv::norm(shown, image.rgb, cv::NORM_L1) / double(shown.total() * 3), 4.0) << "orientation " << orientation;
    }
}

TEST(ThumbnailCheck, BrokenOrMislabelledThumbnails) {
    const cv::Mat photo = scene(6);
    const MetadataReport broken = checked(jpegWithThumbnail(photo, Bytes{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 0xD9}));
    EXPECT_EQ(broken.thumbnailCheck.outcome, Outcome::Unreadable);
    EXPECT_TRUE(has(broken.facts, "could not be decoded"));
    // A thumbnail whose header declares 30000x30000 pixels is refused before the decoder allocates them.
    Bytes bomb = encodeRgb(".jpg", cameraThumbnail(photo));
    const auto sof = std::search(bomb.begin(), bomb.end(), std::begin(kSof0), std::end(kSof0));
    ASSERT_NE(sof, bomb.end());
    for (const std::size_t at : {5u, 7u}) sof[long(at)] = 0x75, sof[long(at) + 1] = 0x30;  // height, width: 30000
    EXPECT_TRUE(thumbnailPicture(bomb, 1).empty());
    EXPECT_EQ(checked(jpegWithThumbnail(photo, bomb)).thumbnailCheck.outcome, Outcome::Unreadable);
    // A JPEG thumbnail whose Compression tag says 0 (as in KDE's wallpapers) is still the JPEG.
    const MetadataReport mislabelled = checked(jpegWithThumbnail(photo, encodeRgb(".jpg", cameraThumbnail(photo)), 1, true));
    EXPECT_EQ(mislabelled.thumbnailCheck.outcome, Outcome::Matches) << mislabelled.thumbnailCheck.finding.text;
}

// What the verdict panel, the reports and the command line say beside a verdict about a file with a
// camera's record, from the file as its analysis loaded it.
TEST(ThumbnailCheck, TheCameraRecordBesideTheVerdictFollowsTheThumbnail) {
    auto notesFor = [&](const Bytes& file, VerdictLabel label) { return recordBesideVerdict(label, decodeImage(file, "photo.jpg")); };
    const cv::Mat photo = scene(7);
    // Its own thumbnail: the record points the other way, and says the thumbnail agrees.
    std::vector<RecordNote> notes = notesFor(jpegWithThumbnail(photo, encodeRgb(".jpg", cameraThumbnail(photo))), VerdictLabel::Synthetic);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(notes[0].againstVerdict);
    EXPECT_NE(notes[0].text.find("Canon EOS 80D, taken 2019:05:04 17:30:00, with an EXIF thumbnail that shows the same picture"),
              std::string::npos) << notes[0].text;

    // A camera's record pasted into another picture keeps its donor's thumbnail: it does not speak for
    // these pixels, and the note must not reassure.
    notes = notesFor(jpegWithThumbnail(scene(8), encodeRgb(".jpg", cameraThumbnail(photo))), VerdictLabel::Synthetic);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_FALSE(notes[0].againstVerdict) << notes[0].text;
    EXPECT_NE(notes[0].text.find("does not show this image"), std::string::npos) << notes[0].text;
    EXPECT_EQ(notes[0].text.find("shows the same picture"), std::string::npos) << notes[0].text;

    // A camera photo changed in one part after capture: said beside any verdict, never as reassurance.
    cv::Mat edited = photo.clone();
    cv::rectangle(edited, cv::Rect(10, 170, 100, 60), cv::Scalar(250, 250, 250), -1);
    const Bytes editedFile = jpegWithThumbnail(edited, encodeRgb(".jpg", cameraThumbnail(photo)));
    for (const VerdictLabel label : {VerdictLabel::Synthetic, VerdictLabel::Inconclusive, VerdictLabel::Authentic}) {
        notes = notesFor(editedFile, label);
        ASSERT_EQ(notes.size(), 1u) << verdictLabelName(label);
        EXPECT_FALSE(notes[0].againstVerdict) << notes[0].text;
        EXPECT_NE(notes[0].text.find("differs from the image in part of it (most of all lower left"), std::string::npos) << notes[0].text;
        EXPECT_NE(notes[0].text.find("heatmap"), std::string::npos) << notes[0].text;
    }

    // A thumbnail that cannot be decoded is not compared, and nothing is claimed of it.
    notes = notesFor(jpegWithThumbnail(photo, Bytes{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 0xFF, 0xD9}), VerdictLabel::Synthetic);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(notes[0].againstVerdict);
    EXPECT_EQ(notes[0].text.find("thumbnail"), std::string::npos) << notes[0].text;
}

TEST(ThumbnailCheck, ARegionIsToldWhetherTheThumbnailDiffersWhereItIs) {
    // A camera photo painted over in its lower-left sixteenth after the thumbnail was written.
    const cv::Mat photo = scene(7);
    cv::Mat edited = photo.clone();
    cv::rectangle(edited, cv::Rect(10, 170, 100, 60), cv::Scalar(250, 250, 250), -1);
    const Bytes editedFile = jpegWithThumbnail(edited, encodeRgb(".jpg", cameraThumbnail(photo)));
    auto notesFor = [&](const Bytes& file, const ImageRegion& region, VerdictLabel label) {
        return recordBesideVerdict(label, cropToRegion(decodeImage(file, "photo.jpg"), region));
    };
    const ImageRegion over{20, 160, 96, 96};   // lower left: the edit
    const ImageRegion away{360, 10, 96, 96};   // top right
    std::vector<RecordNote> notes = notesFor(editedFile, over, VerdictLabel::Synthetic);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_FALSE(notes[0].againstVerdict);
    EXPECT_NE(notes[0].text.find("differs from the picture in the part that holds this region (lower left): the picture was changed there"),
              std::string::npos) << notes[0].text;
    EXPECT_NE(notes[0].text.find("generator would look like this"), std::string::npos) << notes[0].text;
    notes = notesFor(editedFile, over, VerdictLabel::Authentic);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].text.find("may be of another kind"), std::string::npos) << notes[0].text;
    notes = notesFor(editedFile, over, VerdictLabel::Inconclusive);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].text.find("cannot tell whether a generator made that change"), std::string::npos) << notes[0].text;
    notes = notesFor(editedFile, away, VerdictLabel::Synthetic);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].text.find("but not in the part of the picture that holds this region"), std::string::npos) << notes[0].text;

    // Its own thumbnail, unchanged: at 64 px it cannot vouch for a small region, and no note is made; nor is
    // the camera's record set against a region's verdict (a local edit looks like that).
    const Bytes untouched = jpegWithThumbnail(photo, encodeRgb(".jpg", cameraThumbnail(photo)));
    EXPECT_TRUE(notesFor(untouched, over, VerdictLabel::Synthetic).empty());
    EXPECT_FALSE(recordBesideVerdict(VerdictLabel::Synthetic, decodeImage(untouched, "photo.jpg")).empty()) << "the whole picture's note";

    // As the workstation analyses a region of the file: the note comes with the region's result.
    QTemporaryDir dir;
    const std::string path = dir.filePath("photo.jpg").toStdString();
    writeBytes(path, editedFile);
    const ImageAnalyzer analyzer(fixtureDetector("brightness_detector"), {});
    const AnalysisResult result = analyzer.analyzeRegion(path, over);
    ASSERT_TRUE(result.record.has_value());
    ASSERT_EQ(result.record->size(), 1u);
    EXPECT_NE((*result.record)[0].text.find("in the part that holds this region"), std::string::npos) << (*result.record)[0].text;

    // The grid's cells a rectangle overlaps.
    EXPECT_EQ(thumbnailCellsOverlapping(0, 0, 120, 80, 480, 320), 1u);
    EXPECT_EQ(thumbnailCellsOverlapping(119, 79, 2, 2, 480, 320), 1u | 2u | 16u | 32u);
    EXPECT_EQ(thumbnailCellsOverlapping(0, 0, 480, 320, 480, 320), 0xFFFFu);
    EXPECT_EQ(thumbnailCellsOverlapping(360, 240, 120, 80, 480, 320), 1u << 15);
}
