// libFuzzer harness: a fingerprint as loadFingerprint reads it from disk, i.e. an .npy array and its
// JSON sidecar. The input is the sidecar's text, a NUL byte, then the .npy bytes (no NUL: the whole
// input is the sidecar and the .npy is empty). Both are written to a private temporary folder.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/errors.h"
#include "engine/fingerprint.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void writeFile(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
}

const std::filesystem::path& folder() {
    static const std::filesystem::path dir = [] {
        auto d = std::filesystem::temp_directory_path() / ("synthscope-fuzz-fingerprint-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    const auto* nul = static_cast<const std::uint8_t*>(std::memchr(data, 0, size));
    const std::size_t sidecarSize = nul ? std::size_t(nul - data) : size;
    const std::size_t npyOffset = nul ? sidecarSize + 1 : size;
    writeFile(folder() / "gen.json", data, sidecarSize);
    writeFile(folder() / "gen.npy", data + npyOffset, size - npyOffset);
    try {
        const Fingerprint f = loadFingerprint((folder() / "gen.npy").string());
        FUZZ_CHECK(f.pattern.type() == CV_32FC3 && !f.pattern.empty());
        FUZZ_CHECK(std::isfinite(f.muReal) && std::isfinite(f.muFake) && f.muReal != f.muFake);
        FUZZ_CHECK(std::isfinite(f.score(0.0)));
        FUZZ_CHECK(f.name == "gen");
    } catch (const EngineError& e) {
        FUZZ_CHECK(e.kind() == ErrorKind::BadInput);
    }
    return 0;
}
