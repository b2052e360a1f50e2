// libFuzzer harness: a model manifest (JSON text) parsed by parseManifest, the one parser behind
// loadManifest. A manifest that is accepted must be safe to use: classes and index in range, sizes
// and bands the detector can work with.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/errors.h"
#include "engine/model_manifest.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const ModelManifest m = parseManifest(text, "/nonexistent/fuzz/model.json");
        FUZZ_CHECK(m.classes.size() >= 2);
        FUZZ_CHECK(m.authenticIndex >= 0 && std::size_t(m.authenticIndex) < m.classes.size());
        FUZZ_CHECK(m.classGenerators.size() == m.classes.size());
        FUZZ_CHECK(!m.authenticClass().empty());
        FUZZ_CHECK(m.inputSize > 0 && m.inputSize <= 8192);
        FUZZ_CHECK(m.stride >= 0 && m.verdictTopK > 0 && m.batchSize > 0);
        FUZZ_CHECK(m.inconclusiveLow <= m.inconclusiveHigh);
        for (float s : m.std) FUZZ_CHECK(s > 0 && std::isfinite(s));
        for (float v : m.mean) FUZZ_CHECK(std::isfinite(v));
    } catch (const EngineError& e) {
        FUZZ_CHECK(e.kind() == ErrorKind::Model);
    }
    return 0;
}
