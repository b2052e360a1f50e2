#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/double_jpeg.h"
#include "engine/finding.h"

namespace synthscope {

// One quantisation table as stored in the file (DQT), in natural (row-major 8x8) order, not zig-zag.
struct JpegQuantTable {
    int index = 0;  // table slot 0..3
    std::array<std::uint16_t, 64> values{};
};

// The compression history a JPEG file shows: its tables, the quality they correspond to, and signs of an
// earlier compression. Everything here is read from the file's own bytes with libjpeg; no pixel is decoded
// to RGB.
struct JpegAnalysis {
    bool isJpeg = false;                  // starts with a JPEG SOI marker
    bool readable = false;                // libjpeg read the headers and the coefficients
    std::string error;                    // why not (empty when readable)
    std::vector<std::string> decoderWarnings;  // libjpeg's warnings: corrupt data, premature end, ...

    int width = 0, height = 0, components = 0;
    bool progressive = false;
    std::string colorSpace;               // "YCbCr", "grey", "RGB", "CMYK", "YCCK", "unknown"
    std::string subsampling;              // "4:2:0", "4:2:2", "4:4:4", "4:4:0", "4:1:1", or the factors
    std::vector<JpegQuantTable> tables;   // every table the file defines, by slot
    std::vector<int> componentTables;     // the slot each component uses

    int estimatedQuality = 0;             // nearest IJG quality 1..100 (0: no table)
    double qualityFitError = -1;          // mean |difference| per table entry at that quality; 0 = exact
    bool standardTables = false;          // the tables are exactly libjpeg's at estimatedQuality

    DoubleQuantResult doubleCompression;  // the luminance double-quantisation fit (see double_jpeg.h)
    bool doubleCompressionSuspected = false;  // score at or above kDoubleCompressionThreshold
    std::string doubleCompressionFinding;     // one plain-language sentence

    std::vector<Finding> findings;        // all of the above in sentences, errors included

    double doubleCompressionScore() const { return doubleCompression.score; }
};

// Score from which double compression is reported as suspected. Chosen above the highest score of single
// compressions seen on the 300 BSDS photos at qualities 60-95 (0.23); `synthscope inspect --selftest-double`
// prints the rates (and can be run on other photos to check the false-alarm rate).
inline constexpr double kDoubleCompressionThreshold = 0.3;

// Never throws for bad input: a file that is not a JPEG gives isJpeg = false, a broken one readable = false
// and an "error" finding.
JpegAnalysis analyzeJpeg(const std::vector<std::uint8_t>& bytes);
JpegAnalysis analyzeJpeg(const std::uint8_t* data, std::size_t size);

}  // namespace synthscope
