#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include <zlib.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // Exiv2 0.27's std::auto_ptr
// GCC 12 reports false stringop warnings for byte vectors grown from empty (GCC bug 107852).
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#include <exiv2/exiv2.hpp>

#include "engine/c2pa.h"
#include "engine/generator_traces.h"
#include "engine/heif_decoder.h"
#include "engine/image_loader.h"
#include "engine/metadata.h"
#include "engine/record_beside_verdict.h"
#include "engine/png_text.h"
#include "tests/unit/test_support.h"

using namespace synthscope;
using namespace synthscope::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

cv::Mat smallImage() {
    cv::Mat rgb(48, 64, CV_8UC3);
    cv::randu(rgb, 0, 256);
    return rgb;
}

void putBe32(Bytes& b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(v >> s));
}

Bytes pngChunk(const std::string& type, const Bytes& data) {
    Bytes c;
    putBe32(c, std::uint32_t(data.size()));
    c.insert(c.end(), type.begin(), type.end());
    c.insert(c.end(), data.begin(), data.end());
    uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), 4);
    crc = crc32(crc, data.data(), uInt(data.size()));
    putBe32(c, std::uint32_t(crc));
    return c;
}

Bytes bytesOf(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes zlibCompress(const std::string& s) {
    uLongf size = compressBound(uLong(s.size()));
    Bytes out(size);
    EXPECT_EQ(compress(out.data(), &size, reinterpret_cast<const Bytef*>(s.data()), uLong(s.size())), Z_OK);
    out.resize(size);
    return out;
}

// Inserts chunks right after IHDR (the first chunk: 8-byte signature + 12 + 13 bytes).
Bytes pngWith(const std::vector<Bytes>& chunks) {
    Bytes png = encodeRgb(".png", smallImage());
    std::size_t at = 8 + 12 + 13;
    for (const Bytes& c : chunks) {
        png.insert(png.begin() + std::ptrdiff_t(at), c.begin(), c.end());
        at += c.size();
    }
    return png;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// A JPEG APP11 segment with a JUMBF superbox labelled `label` (as C2PA writes its manifest store).
Bytes jumbfApp11(const std::string& label, const std::string& content) {
    Bytes description = bytesOf("jumd");
    const std::uint8_t c2paUuid[16] = {0x63, 0x32, 0x70, 0x61, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    description.insert(description.end(), c2paUuid, c2paUuid + 16);
    description.push_back(0x03);  // toggles: requestable, label present
    description.insert(description.end(), label.begin(), label.end());
    description.push_back(0);
    Bytes jumd;
    putBe32(jumd, std::uint32_t(description.size() + 4));
    jumd.insert(jumd.end(), description.begin(), description.end());
    Bytes inner = concat({jumd, bytesOf(content)});
    Bytes jumb;
    putBe32(jumb, std::uint32_t(inner.size() + 8));
    jumb.insert(jumb.end(), {'j', 'u', 'm', 'b'});
    jumb.insert(jumb.end(), inner.begin(), inner.end());
    Bytes payload = {'J', 'P', 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};  // common id, instance 1, sequence 1
    payload.insert(payload.end(), jumb.begin(), jumb.end());
    Bytes segment = {0xFF, 0xEB, std::uint8_t((payload.size() + 2) >> 8), std::uint8_t((payload.size() + 2) & 0xFF)};
    segment.insert(segment.end(), payload.begin(), payload.end());
    return segment;
}

Bytes jpegWithSegmentAfterSoi(const Bytes& segment) {
    Bytes jpeg = encodeRgb(".jpg", smallImage());
    jpeg.insert(jpeg.begin() + 2, segment.begin(), segment.end());
    return jpeg;
}

// A camera's EXIF: make, model, capture date and a GPS position (Paris).
void putCameraExif(Exiv2::ExifData& exif, const std::string& make, const std::string& model, const std::string& date) {
    exif["Exif.Image.Make"] = make;
    exif["Exif.Image.Model"] = model;
    exif["Exif.Photo.DateTimeOriginal"] = date;
    exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
    exif["Exif.GPSInfo.GPSLatitude"] = "48/1 51/1 0/1";
    exif["Exif.GPSInfo.GPSLongitudeRef"] = "E";
    exif["Exif.GPSInfo.GPSLongitude"] = "2/1 21/1 0/1";
}

bool anyTextContains(const std::vector<Finding>& findings, const std::string& severity, const std::string& needle) {
    return std::any_of(findings.begin(), findings.end(),
                       [&](const Finding& f) { return f.severity == severity && f.text.find(needle) != std::string::npos; });
}

const MetadataEntry* entry(const std::vector<MetadataEntry>& list, const std::string& key) {
    for (const MetadataEntry& e : list)
        if (e.key == key) return &e;
    return nullptr;
}

const std::string kA1111 =
    "a cat in a hat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 512x512, Model: sd_xl_base_1.0";
const std::string kComfyPrompt = R"({"3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 20}}})";
const std::string kComfyWorkflow = R"({"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": []})";

}  // namespace

TEST(PngText, ReadsTextZtxtAndCompressedItxtChunks) {
    Bytes text = bytesOf("parameters");
    text.push_back(0);
    text.insert(text.end(), kA1111.begin(), kA1111.end());
    Bytes ztxt = bytesOf("prompt");
    ztxt.insert(ztxt.end(), {0, 0});  // NUL, method 0
    const Bytes zPrompt = zlibCompress(kComfyPrompt);
    ztxt.insert(ztxt.end(), zPrompt.begin(), zPrompt.end());
    Bytes itxt = bytesOf("workflow");
    itxt.insert(itxt.end(), {0, 1, 0});           // NUL, compressed, method 0
    itxt.insert(itxt.end(), {'e', 'n', 0});       // language
    itxt.insert(itxt.end(), {'f', 'l', 'o', 'w', 0});  // translated keyword
    const Bytes zWorkflow = zlibCompress(kComfyWorkflow);
    itxt.insert(itxt.end(), zWorkflow.begin(), zWorkflow.end());
    Bytes latin1 = bytesOf("Author");
    latin1.insert(latin1.end(), {0, 'R', 0xE9, 'm', 'i'});  // "Rémi" in Latin-1

    const Bytes png = pngWith({pngChunk("tEXt", text), pngChunk("zTXt", ztxt), pngChunk("iTXt", itxt), pngChunk("tEXt", latin1)});
    const PngChunkScan scan = scanPngChunks(png.data(), png.size());
    ASSERT_TRUE(scan.isPng);
    EXPECT_TRUE(scan.problems.empty()) << scan.problems.front();
    ASSERT_EQ(scan.text.size(), 4u);
    EXPECT_EQ(scan.text[0].keyword, "parameters");
    EXPECT_EQ(scan.text[0].text, kA1111);
    EXPECT_FALSE(scan.text[0].compressed);
    EXPECT_EQ(scan.text[1].type, "zTXt");
    EXPECT_TRUE(scan.text[1].compressed);
    EXPECT_EQ(scan.text[1].text, kComfyPrompt);
    EXPECT_EQ(scan.text[2].type, "iTXt");
    EXPECT_TRUE(scan.text[2].compressed);
    EXPECT_EQ(scan.text[2].language, "en");
    EXPECT_EQ(scan.text[2].translatedKeyword, "flow");
    EXPECT_EQ(scan.text[2].text, kComfyWorkflow);
    EXPECT_EQ(scan.text[3].text, "R\xC3\xA9mi") << "Latin-1 converted to UTF-8";

    const MetadataReport r = readMetadata(png);
    EXPECT_EQ(r.format, "PNG");
    ASSERT_NE(entry(r.pngText, "parameters"), nullptr);
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "strong", "AUTOMATIC1111"));
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "strong", "ComfyUI prompt graph"));
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "strong", "ComfyUI workflow"));
    EXPECT_TRUE(r.hasStrongGeneratorTrace());
}

TEST(PngText, PlainPngHasNoTracesAndDamagedChunksAreReportedNotFatal) {
    const MetadataReport plain = readMetadata(encodeRgb(".png", smallImage()));
    EXPECT_TRUE(plain.generatorTraces.empty());
    EXPECT_TRUE(plain.problems.empty()) << plain.problems.front().text;
    EXPECT_FALSE(plain.c2paPresent());

    // A zTXt chunk whose compressed text is garbage, and a file cut inside a chunk.
    Bytes bad = bytesOf("Comment");
    bad.insert(bad.end(), {0, 0, 0x78, 0x9C, 0xFF, 0xFF, 0x00, 0x12});
    const Bytes png = pngWith({pngChunk("zTXt", bad)});
    const PngChunkScan scan = scanPngChunks(png.data(), png.size());
    EXPECT_TRUE(scan.text.empty());
    ASSERT_FALSE(scan.problems.empty());
    EXPECT_NE(scan.problems[0].find("could not be decompressed"), std::string::npos);
    for (std::size_t cut : {std::size_t(9), std::size_t(30), png.size() / 2, png.size() - 3}) {
        const Bytes cutPng(png.begin(), png.begin() + std::ptrdiff_t(cut));
        const PngChunkScan s = scanPngChunks(cutPng.data(), cutPng.size());
        EXPECT_FALSE(s.problems.empty()) << cut;
        const MetadataReport r = readMetadata(cutPng);  // must not crash
        EXPECT_FALSE(r.problems.empty()) << cut;
    }
    // A chunk length of 2^31 - 1 in a tiny file.
    Bytes huge = encodeRgb(".png", smallImage());
    huge.resize(40);
    huge[33] = 0x7F;
    huge[34] = huge[35] = huge[36] = 0xFF;
    EXPECT_FALSE(scanPngChunks(huge.data(), huge.size()).problems.empty());
}

TEST(PngText, DecompressionIsCapped) {
    const std::string big(3 << 20, 'a');  // 3 MiB of 'a' compress to a few KiB
    const Bytes z = zlibCompress(big);
    std::string out;
    bool truncated = false;
    EXPECT_TRUE(inflateZlib(z.data(), z.size(), 1000, out, truncated));
    EXPECT_TRUE(truncated);
    EXPECT_EQ(out.size(), 1000u);
    EXPECT_TRUE(inflateZlib(z.data(), z.size(), big.size(), out, truncated));
    EXPECT_FALSE(truncated);
    EXPECT_EQ(out, big);
    EXPECT_FALSE(inflateZlib(z.data(), z.size() / 2, big.size(), out, truncated)) << "a cut stream is corrupt";
}

TEST(Metadata, XmpDigitalSourceTypeWrittenWithExiv2IsFlagged) {
    const Bytes jpeg = encodeRgb(".jpg", smallImage());
    const Bytes generated = withExiv2(jpeg, [](Exiv2::Image& image) {
        image.xmpData()["Xmp.iptcExt.DigitalSourceType"] = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
    });
    const MetadataReport r = readMetadata(generated);
    EXPECT_TRUE(r.problems.empty()) << r.problems.front().text;
    EXPECT_NE(r.digitalSourceType.find("trainedAlgorithmicMedia"), std::string::npos);
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "strong", "trainedAlgorithmicMedia"));

    const MetadataReport composite = readMetadata(withExiv2(jpeg, [](Exiv2::Image& image) {
        image.xmpData()["Xmp.iptcExt.DigitalSourceType"] =
            "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia";
    }));
    EXPECT_TRUE(anyTextContains(composite.generatorTraces, "strong", "compositeWithTrainedAlgorithmicMedia"));

    const MetadataReport capture = readMetadata(withExiv2(jpeg, [](Exiv2::Image& image) {
        image.xmpData()["Xmp.iptcExt.DigitalSourceType"] = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture";
        image.xmpData()["Xmp.xmp.CreatorTool"] = "Adobe Firefly Image 3";
    }));
    EXPECT_FALSE(anyTextContains(capture.generatorTraces, "strong", "digital source type"));
    EXPECT_TRUE(anyTextContains(capture.facts, "info", "digitalCapture"));
    EXPECT_TRUE(anyTextContains(capture.generatorTraces, "strong", "Adobe Firefly")) << "CreatorTool names a generator";
}

TEST(Metadata, ExifCameraFactsWrittenWithExiv2AreReported) {
    const Bytes jpeg = withExiv2(encodeRgb(".jpg", smallImage()), [](Exiv2::Image& image) {
        putCameraExif(image.exifData(), "Canon", "Canon EOS 5D Mark IV", "2021:06:01 12:34:56");
        image.exifData()["Exif.Image.Software"] = "GIMP 2.10.34";
    });
    const MetadataReport r = readMetadata(jpeg);
    EXPECT_EQ(r.format, "JPEG");
    EXPECT_EQ(r.cameraMake, "Canon");
    EXPECT_EQ(r.cameraModel, "Canon EOS 5D Mark IV");
    EXPECT_EQ(r.captureDate, "2021:06:01 12:34:56");
    EXPECT_EQ(r.captureDateKey, "Exif.Photo.DateTimeOriginal");
    EXPECT_EQ(r.software, "GIMP 2.10.34");
    EXPECT_TRUE(r.hasGps);
    EXPECT_FALSE(r.hasThumbnail);
    EXPECT_TRUE(anyTextContains(r.facts, "info", "Canon EOS 5D Mark IV"));
    EXPECT_TRUE(r.generatorTraces.empty()) << r.generatorTraces.front().text;
    ASSERT_NE(entry(r.exif, "Exif.Image.Make"), nullptr);
    EXPECT_EQ(entry(r.exif, "Exif.Image.Make")->group, "Image");

    const MetadataReport none = readMetadata(encodeRgb(".jpg", smallImage()));
    EXPECT_TRUE(none.cameraMake.empty());
    EXPECT_FALSE(none.hasGps);
    EXPECT_TRUE(anyTextContains(none.facts, "info", "No EXIF, XMP or IPTC"));
}

// Beside the verdict, the workstation says where the file's own record points the other way.
TEST(Metadata, TheRecordThatPointsAgainstTheVerdictIsNamed) {
    MetadataReport camera = readMetadata(withExiv2(encodeRgb(".jpg", smallImage()), [](Exiv2::Image& image) {
        putCameraExif(image.exifData(), "Canon", "Canon EOS 5D Mark IV", "2021:06:01 12:34:56");
    }));
    std::vector<RecordNote> notes = recordBesideVerdict(VerdictLabel::Synthetic, camera);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(notes[0].againstVerdict);
    EXPECT_NE(notes[0].text.find("camera's record: Canon EOS 5D Mark IV, taken 2021:06:01 12:34:56."), std::string::npos)
        << "the make is not repeated when the model names it; no thumbnail compared, none claimed: " << notes[0].text;
    camera.thumbnailCheck.outcome = ThumbnailComparison::Outcome::Matches;
    EXPECT_NE(recordBesideVerdict(VerdictLabel::Synthetic, camera)[0].text.find("with an EXIF thumbnail that shows the same picture"),
              std::string::npos);
    EXPECT_TRUE(recordBesideVerdict(VerdictLabel::Authentic, camera).empty()) << "they agree";
    EXPECT_TRUE(recordBesideVerdict(VerdictLabel::Inconclusive, camera).empty());
    camera.cameraMake = "KONICA MINOLTA";
    camera.cameraModel = "DiMAGE Z5";
    EXPECT_NE(recordBesideVerdict(VerdictLabel::Synthetic, camera)[0].text.find("KONICA MINOLTA DiMAGE Z5"), std::string::npos);
    camera.captureDate.clear();
    EXPECT_TRUE(recordBesideVerdict(VerdictLabel::Synthetic, camera).empty()) << "a make and model alone are not a camera's record";

    const MetadataReport generated = readMetadata(withExiv2(encodeRgb(".jpg", smallImage()), [](Exiv2::Image& image) {
        image.xmpData()["Xmp.iptcExt.DigitalSourceType"] = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
    }));
    notes = recordBesideVerdict(VerdictLabel::Authentic, generated);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(notes[0].againstVerdict);
    EXPECT_EQ(notes[0].text.rfind("The detector found no sign of generation, but the metadata says a generator made or edited it: ", 0), 0u)
        << notes[0].text;
    EXPECT_NE(notes[0].text.find("trainedAlgorithmicMedia"), std::string::npos);
    EXPECT_EQ(recordBesideVerdict(VerdictLabel::Inconclusive, generated).size(), 1u);
    EXPECT_TRUE(recordBesideVerdict(VerdictLabel::Synthetic, generated).empty()) << "they agree";
    EXPECT_TRUE(recordBesideVerdict(VerdictLabel::Synthetic, readMetadata(encodeRgb(".png", smallImage()))).empty());
    EXPECT_TRUE(recordBesideVerdict(VerdictLabel::Authentic, readMetadata(encodeRgb(".png", smallImage()))).empty());
}

TEST(Metadata, HeicExifAndXmpAreReadFromTheirBlocks) {
    // An iPhone-like HEIC: EXIF (camera, date, GPS) in an Exif item, XMP in a mime item. libheif finds the
    // blocks and Exiv2 parses them; Exiv2's own reader would take the file for a QuickTime video and
    // report made-up "Xmp.video" entries.
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    Exiv2::ExifData exif;
    putCameraExif(exif, "Apple", "iPhone 13", "2024:05:06 07:08:09");
    Exiv2::Blob tiff;
    Exiv2::ExifParser::encode(tiff, Exiv2::littleEndian, exif);
    Exiv2::XmpData xmp;
    xmp["Xmp.iptcExt.DigitalSourceType"] = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
    std::string packet;
    ASSERT_EQ(Exiv2::XmpParser::encode(packet, xmp), 0);

    const Bytes heic = encodeHeif(smallImage(), false, Bytes(tiff.begin(), tiff.end()), packet);
    const MetadataReport r = readMetadata(heic);
    EXPECT_EQ(r.format, "HEIF");
    EXPECT_TRUE(r.problems.empty()) << r.problems.front().text;
    EXPECT_EQ(r.cameraMake, "Apple");
    EXPECT_EQ(r.cameraModel, "iPhone 13");
    EXPECT_EQ(r.captureDate, "2024:05:06 07:08:09");
    EXPECT_TRUE(r.hasGps);
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "strong", "trainedAlgorithmicMedia")) << "the XMP packet was read";
    EXPECT_TRUE(std::none_of(r.xmp.begin(), r.xmp.end(), [](const MetadataEntry& e) { return e.key.rfind("Xmp.video.", 0) == 0; }));

    // Without metadata blocks: nothing made up, and the usual "no metadata" fact.
    const MetadataReport bare = readMetadata(encodeHeif(smallImage(), true));
    EXPECT_EQ(bare.format, "AVIF");
    EXPECT_TRUE(bare.xmp.empty() && bare.exif.empty());
    EXPECT_TRUE(anyTextContains(bare.facts, "info", "No EXIF, XMP or IPTC"));
    // A broken file: a finding, not a crash.
    const MetadataReport cut = readMetadata(Bytes(heic.begin(), heic.begin() + 40));
    EXPECT_FALSE(cut.problems.empty());
}

TEST(Metadata, HeifContainerSaysWhatItHoldsBesidesThePrimaryImage) {
    // Phones store a thumbnail (and depth maps, HDR gain maps) beside the photo; burst and edited files
    // hold several images, of which SynthScope analyses the primary one. libheif lists them.
    if (!heifDecodingAvailable()) GTEST_SKIP() << "built without libheif";
    HeifExtras extras;
    extras.thumbnailSide = 32;
    extras.moreTopLevelImages = 2;
    const MetadataReport phoneLike = readMetadata(encodeHeif(smallImage(), false, {}, {}, extras));
    EXPECT_TRUE(phoneLike.problems.empty()) << phoneLike.problems.front().text;
    EXPECT_TRUE(anyTextContains(phoneLike.facts, "info", "The HEIF file holds 3 images; SynthScope analyses the primary one only"));
    EXPECT_TRUE(anyTextContains(phoneLike.facts, "info", "Besides its primary image the HEIF container holds 1 thumbnail."));
    EXPECT_FALSE(anyTextContains(phoneLike.facts, "info", "comes alone"));

    const MetadataReport alone = readMetadata(encodeHeif(smallImage(), true));
    EXPECT_TRUE(anyTextContains(alone.facts, "info", "The AVIF file's primary image comes alone"));
    EXPECT_FALSE(anyTextContains(alone.facts, "info", "images; SynthScope analyses"));
    EXPECT_FALSE(anyTextContains(alone.facts, "info", "container holds"));

    // Other formats carry no container facts.
    const MetadataReport jpeg = readMetadata(encodeRgb(".jpg", smallImage()));
    EXPECT_FALSE(anyTextContains(jpeg.facts, "info", "primary image"));
}

TEST(Metadata, A1111ParametersInExifUserCommentAndGeneratorSoftwareAreFlagged) {
    const Bytes jpeg = withExiv2(encodeRgb(".jpg", smallImage()), [](Exiv2::Image& image) {
        image.exifData()["Exif.Photo.UserComment"] = "charset=Unicode " + kA1111;
        image.exifData()["Exif.Image.Software"] = "Midjourney";
    });
    const MetadataReport r = readMetadata(jpeg);
    ASSERT_NE(entry(r.exif, "Exif.Photo.UserComment"), nullptr);
    EXPECT_EQ(entry(r.exif, "Exif.Photo.UserComment")->value, kA1111) << "UTF-16 comment decoded";
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "strong", "AUTOMATIC1111"));
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "strong", "names Midjourney"));
}

TEST(Metadata, C2paManifestInJpegApp11AndPngCaBXIsDetectedNotVerified) {
    const Bytes jpeg = jpegWithSegmentAfterSoi(jumbfApp11("c2pa", "....c2pa.actions....trainedAlgorithmicMedia...."));
    const MetadataReport r = readMetadata(jpeg);
    EXPECT_TRUE(r.c2paPresent());
    EXPECT_EQ(r.c2pa.container, "JPEG APP11");
    EXPECT_NE(std::find(r.c2pa.mentions.begin(), r.c2pa.mentions.end(), "trainedAlgorithmicMedia"), r.c2pa.mentions.end());
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "notice", "signature NOT verified"));
    EXPECT_TRUE(anyTextContains(r.generatorTraces, "strong", "NOT verified"));
    for (const auto* list : {&r.generatorTraces, &r.facts})
        for (const Finding& f : *list) EXPECT_EQ(f.text.find("verified signature"), std::string::npos) << "never claim verification";

    // Another JUMBF label is not C2PA; the manifest without AI mentions is only a notice.
    EXPECT_FALSE(readMetadata(jpegWithSegmentAfterSoi(jumbfApp11("jpxl", "data"))).c2paPresent());
    const MetadataReport plainManifest = readMetadata(jpegWithSegmentAfterSoi(jumbfApp11("c2pa", "c2pa.actions")));
    EXPECT_TRUE(plainManifest.c2paPresent());
    EXPECT_FALSE(plainManifest.hasStrongGeneratorTrace());
    EXPECT_FALSE(readMetadata(encodeRgb(".jpg", smallImage())).c2paPresent());

    const Bytes caBX = jumbfApp11("c2pa", "manifest");  // reuse the JUMBF box inside a PNG chunk
    const Bytes png = pngWith({pngChunk("caBX", Bytes(caBX.begin() + 12, caBX.end()))});
    const MetadataReport pr = readMetadata(png);
    EXPECT_TRUE(pr.c2paPresent());
    EXPECT_EQ(pr.c2pa.container, "PNG caBX");

    // A cut APP11 segment (length past the end of the file) does not crash.
    Bytes cut = jumbfApp11("c2pa", std::string(100, 'x'));
    cut.resize(30);
    const Bytes cutJpeg = concat({{0xFF, 0xD8}, cut});
    EXPECT_FALSE(detectC2pa(cutJpeg.data(), cutJpeg.size()).present);
}

TEST(Metadata, GarbageAndEmptyInputGiveAClearFindingNotACrash) {
    Bytes garbage(4096);
    cv::RNG rng(3);
    for (auto& b : garbage) b = std::uint8_t(rng.uniform(0, 256));
    const MetadataReport r = readMetadata(garbage);
    EXPECT_TRUE(r.format.empty());
    ASSERT_FALSE(r.problems.empty());
    EXPECT_EQ(r.problems[0].severity, "error");
    EXPECT_NE(r.problems[0].text.find("Metadata could not be read"), std::string::npos);
    EXPECT_FALSE(readMetadata(Bytes{}).problems.empty());
    // A QuickTime-looking file ("ftyp" at offset 4, no image brand) on which Exiv2's video parser looped for
    // ever (found by the metadata fuzzer): now never handed to Exiv2. A hang fails this test by its timeout.
    Bytes quicktime = {0x89, 'P', 'N', 'G', 'f', 't', 'y', 'p', 0x0d, 0x0a, 'm', 0x00, 0xc1, 0x6b, 0x91, 0x02, 0x30, 0x60, 0x00};
    quicktime.insert(quicktime.end(), 94, 0xFF);
    const Bytes tail = {0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 'd', 'e', ',', ':', ' ', 'X', 0x11, 'o', 'd', 0x00, 's'};
    quicktime.insert(quicktime.end(), tail.begin(), tail.end());
    ASSERT_EQ(quicktime.size(), 134u);
    const MetadataReport video = readMetadata(quicktime);
    EXPECT_TRUE(video.format.empty());
    ASSERT_FALSE(video.problems.empty());
    EXPECT_NE(video.problems[0].text.find("not a JPEG, PNG"), std::string::npos) << video.problems[0].text;
    // A JPEG signature followed by garbage, and a JPEG cut in its EXIF segment.
    Bytes fakeJpeg = {0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00};
    fakeJpeg.insert(fakeJpeg.end(), garbage.begin(), garbage.begin() + 100);
    EXPECT_NO_THROW(readMetadata(fakeJpeg));
    const Bytes withExif = withExiv2(encodeRgb(".jpg", smallImage()), [](Exiv2::Image& image) { image.exifData()["Exif.Image.Make"] = "Nikon"; });
    for (std::size_t cut = 4; cut < 120; cut += 7) EXPECT_NO_THROW(readMetadata(Bytes(withExif.begin(), withExif.begin() + std::ptrdiff_t(cut))));
}

TEST(GeneratorTraces, NamesAreMatchedAsWholeWords) {
    EXPECT_EQ(generatorNamedIn("DALL\xC2\xB7" "E 3"), "DALL-E");
    EXPECT_EQ(generatorNamedIn("made with stable diffusion xl"), "Stable Diffusion");
    EXPECT_EQ(generatorNamedIn("Adobe Firefly"), "Adobe Firefly");
    EXPECT_EQ(generatorNamedIn("Imagenomic Portraiture 3"), "") << "not Imagen";
    EXPECT_EQ(generatorNamedIn("Adobe Photoshop 24.0 (Windows)"), "");
    EXPECT_TRUE(looksLikeA1111Parameters(kA1111));
    EXPECT_FALSE(looksLikeA1111Parameters("Steps: climb them"));
}

TEST(Metadata, ALoadedFilesReportIsRememberedByItsHash) {
    const Bytes jpeg = withExiv2(encodeRgb(".jpg", smallImage()), [](Exiv2::Image& image) {
        image.exifData()["Exif.Image.Make"] = "NIKON CORPORATION";
        image.exifData()["Exif.Image.Model"] = "NIKON D750";
    });
    LoadedImage image = decodeImage(jpeg, "camera.jpg");
    const MetadataReport first = readMetadata(image);
    EXPECT_EQ(first.cameraModel, "NIKON D750");
    EXPECT_EQ(first.exif.size(), readMetadata(jpeg).exif.size()) << "the same report as a fresh read";

    // Read again under the same hash: the remembered report, even though these bytes now say otherwise
    // (which a real file with that hash cannot).
    LoadedImage sameHash = image;
    sameHash.bytes = encodeRgb(".png", smallImage());
    EXPECT_EQ(readMetadata(sameHash).cameraModel, "NIKON D750");
    // Another hash, or none (an image made in memory): read afresh.
    sameHash.sha256 = std::string(64, '0');
    EXPECT_EQ(readMetadata(sameHash).cameraModel, "");
    sameHash.sha256.clear();
    EXPECT_EQ(readMetadata(sameHash).format, "PNG");
    // A report with problems is not remembered: the next read tries again.
    LoadedImage empty;
    empty.sha256 = std::string(64, '1');
    EXPECT_FALSE(readMetadata(empty).problems.empty());
    empty.bytes = jpeg;
    EXPECT_EQ(readMetadata(empty).cameraModel, "NIKON D750");
}
