// libFuzzer harness: a case file (issue 6's SQLite store, engine/case_store.h) opened as `synthscope
// report` opens one, then read through every query the reports use, the stored results (zlib-compressed
// JSON) included. The input is the file's bytes, written to a private temporary folder (SQLite's WAL and
// shared-memory files beside it are removed after each run).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/case_store.h"
#include "engine/errors.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_scratch.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synthscope;
    const std::filesystem::path file = scratchFolder("case") / "case.sscase";
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(file.string() + suffix);
    writeFile(file, data, size);
    try {
        const auto store = CaseStore::open(file.string(), /*create=*/false);
        const CaseCounts counts = store->counts();
        FUZZ_CHECK(counts.entries >= 0 && counts.failures >= 0);
        int visited = 0;
        store->forEachEntry([&](const CaseEntry& e) {
            if (++visited > 50) return;  // enough to reach every column and a few stored results
            (void)store->entriesForPath(e.path);
            (void)store->result(e.key);
        });
        store->forEachFailure([](const CaseFailure&) {});
        (void)store->createdAt();
    } catch (const EngineError&) {
        // any kind: a damaged case is refused with a message
    }
    return 0;
}
