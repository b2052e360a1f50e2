// libFuzzer harness: the .npy reader (header dictionary and (H, W, 3) float32 data). An array that is
// accepted must round-trip through the writer unchanged.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/errors.h"
#include "engine/npy.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    try {
        const NpyHeader h = parseNpyHeader(data, size);
        FUZZ_CHECK(h.dataOffset <= size);
    } catch (const EngineError& e) {
        FUZZ_CHECK(e.kind() == ErrorKind::BadInput);
    }
    try {
        const cv::Mat image = decodeNpyImage(data, size);
        FUZZ_CHECK(image.type() == CV_32FC3 && image.isContinuous());
        FUZZ_CHECK(image.rows > 0 && image.cols > 0 && image.rows <= kNpyMaxImageSide && image.cols <= kNpyMaxImageSide);
        const std::vector<std::uint8_t> again = encodeNpyImage(image);
        const cv::Mat back = decodeNpyImage(again.data(), again.size());
        FUZZ_CHECK(back.size() == image.size() && std::memcmp(back.data, image.data, image.total() * image.elemSize()) == 0);
    } catch (const EngineError& e) {
        FUZZ_CHECK(e.kind() == ErrorKind::BadInput);
    }
    return 0;
}
