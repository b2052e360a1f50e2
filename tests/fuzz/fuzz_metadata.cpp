// libFuzzer harness: readMetadata (Exiv2 EXIF/XMP/IPTC from memory, PNG text chunks with zlib, C2PA /
// JUMBF box scan, generator traces) on untrusted bytes, plus the PNG chunk walker and the C2PA scan on
// their own, and the EXIF thumbnail it finds compared with a small picture. None of them may throw for bad
// input.
#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

#include "engine/c2pa.h"
#include "engine/metadata.h"
#include "engine/png_text.h"
#include "engine/thumbnail_check.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    const PngChunkScan scan = scanPngChunks(data, size);
    for (const PngTextChunk& t : scan.text) FUZZ_CHECK(t.text.size() <= kMaxPngTextBytes);
    FUZZ_CHECK(scan.caBX.size() <= (1u << 20));
    const C2paDetection c2pa = detectC2pa(data, size);
    FUZZ_CHECK(c2pa.bytes <= size);
    const MetadataReport report = readMetadata(data, size);
    for (const auto* list : {&report.exif, &report.xmp, &report.iptc, &report.pngText})
        for (const MetadataEntry& e : *list) FUZZ_CHECK(e.value.size() <= kMaxMetadataValueBytes + 64);
    (void)report.hasStrongGeneratorTrace();
    FUZZ_CHECK(report.thumbnail.size() <= kMaxThumbnailBytes);
    if (!report.thumbnail.empty()) {
        MetadataReport checked = report;
        const cv::Mat picture(48, 64, CV_8UC3, cv::Scalar(90, 140, 200));
        checkThumbnail(checked, picture, int(size % 9));  // orientations 0..8, 0 and out-of-range included
        FUZZ_CHECK(checked.thumbnailCheck.outcome != ThumbnailComparison::Outcome::NotCompared);
    }
    return 0;
}
