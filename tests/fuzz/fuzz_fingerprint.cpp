// libFuzzer harness: a fingerprint as loadFingerprint reads it from disk, i.e. an .npy array and its
// JSON sidecar. The input is the sidecar's text, a NUL byte, then the .npy bytes (no NUL: the whole
// input is the sidecar and the .npy is empty). Both are written to a private temporary folder.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include "engine/errors.h"
#include "engine/fingerprint.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_scratch.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    const auto* nul = static_cast<const std::uint8_t*>(std::memchr(data, 0, size));
    const std::size_t sidecarSize = nul ? std::size_t(nul - data) : size;
    const std::size_t npyOffset = nul ? sidecarSize + 1 : size;
    const std::filesystem::path& dir = scratchFolder("fingerprint");
    writeFile(dir / "gen.json", data, sidecarSize);
    writeFile(dir / "gen.npy", data + npyOffset, size - npyOffset);
    try {
        const Fingerprint f = loadFingerprint((dir / "gen.npy").string());
        FUZZ_CHECK(f.pattern.type() == CV_32FC3 && !f.pattern.empty());
        FUZZ_CHECK(std::isfinite(f.muReal) && std::isfinite(f.muFake) && f.muReal != f.muFake);
        FUZZ_CHECK(std::isfinite(f.score(0.0)));
        FUZZ_CHECK(f.name == "gen");
    } catch (const EngineError& e) {
        FUZZ_CHECK(e.kind() == ErrorKind::BadInput);
    }
    return 0;
}
