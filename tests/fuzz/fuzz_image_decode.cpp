// libFuzzer harness: decodeImage on untrusted bytes (format sniffing, pixel limit before decoding, the
// JPEG end-marker check, OpenCV decoding with EXIF orientation, conversion to 8-bit RGB, hashing).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/errors.h"
#include "engine/image_format.h"
#include "engine/image_loader.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    const ImageHeader header = sniffImageHeader(data, size);  // never throws, never reads past size
    FUZZ_CHECK(header.width >= 0 && header.height >= 0);
    FUZZ_CHECK(header.exifOrientation >= 1 && header.exifOrientation <= 8);

    LoadOptions options;
    options.maxPixels = 4'000'000;  // small enough that the fuzzer's memory limit is never the limit
    try {
        const LoadedImage image = decodeImage(std::vector<std::uint8_t>(data, data + size), "fuzz-input", options);
        FUZZ_CHECK(!image.rgb.empty() && image.rgb.type() == CV_8UC3);
        FUZZ_CHECK(std::int64_t(image.rgb.cols) * image.rgb.rows <= options.maxPixels);
        FUZZ_CHECK(image.sha256.size() == 64);
        FUZZ_CHECK(image.bytes.size() == size);
    } catch (const EngineError& e) {
        FUZZ_CHECK(e.kind() == ErrorKind::BadInput);
    }
    return 0;
}
