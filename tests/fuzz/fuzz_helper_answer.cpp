// libFuzzer harness: the engine's reading of a decoder helper's answer (engine/decoder_process.h). The
// helper's decoding processes run attacker-controlled decoders; an attacked one can write any bytes as its
// answer, so the reader is the boundary between them and the workstation. The first byte chooses the
// reader (pixels or metadata) and the pixel limit; the rest is the answer.
#include <cstddef>
#include <cstdint>

#include "engine/decoder_process.h"
#include "engine/errors.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    if (size == 0) return 0;
    const std::uint8_t choice = data[0];
    ++data;
    --size;
    if (choice & 1) {
        const std::optional<Exiv2Reading> reading = readMetadataAnswer(data, size);
        if (reading) {
            std::size_t texts = reading->xmpPacket.size() + reading->thumbnail.size();
            for (const auto* list : {&reading->exif, &reading->xmp, &reading->iptc})
                for (const MetadataEntry& e : *list) texts += e.group.size() + e.key.size() + e.value.size();
            FUZZ_CHECK(texts <= size);  // nothing made up beyond what the answer holds
        }
        return 0;
    }
    const std::int64_t maxPixels = std::int64_t(1) << (8 + (choice >> 1) % 20);  // 256 pixels .. 64 MP
    try {
        const std::optional<DecodedPicture> picture = readDecodeAnswer(data, size, maxPixels);
        if (picture) {
            FUZZ_CHECK(picture->declared.width > 0 && picture->declared.height > 0);
            if (!picture->rgb.empty()) {
                FUZZ_CHECK(picture->rgb.type() == CV_8UC3);
                FUZZ_CHECK(std::int64_t(picture->rgb.total()) <= maxPixels);
                FUZZ_CHECK(picture->rgb.size() == picture->declared);
                FUZZ_CHECK(picture->rgb.total() * 3 <= size);
            } else {
                FUZZ_CHECK(std::int64_t(picture->declared.width) * picture->declared.height > maxPixels);
            }
        }
    } catch (const EngineError& e) {
        FUZZ_CHECK(e.kind() == ErrorKind::BadInput);  // the helper's refusal, in its words
    }
    return 0;
}
