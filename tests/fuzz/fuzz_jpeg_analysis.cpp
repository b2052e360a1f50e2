// libFuzzer harness: analyzeJpeg (libjpeg headers, quantisation tables, DCT coefficients, quality
// estimate, double-compression fit) on untrusted bytes. It promises never to throw for bad input.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "engine/jpeg_analysis.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    const JpegAnalysis a = analyzeJpeg(data, size);
    FUZZ_CHECK(a.readable ? a.error.empty() : true);
    FUZZ_CHECK(a.readable ? a.isJpeg : true);
    FUZZ_CHECK(a.estimatedQuality >= 0 && a.estimatedQuality <= 100);
    FUZZ_CHECK(!std::isnan(a.doubleCompression.score));
    for (int slot : a.componentTables) FUZZ_CHECK(slot >= 0 && slot < 4);
    return 0;
}
