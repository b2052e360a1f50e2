// Replays inputs through the fuzz harnesses without libFuzzer, in the normal (and the sanitizer) build:
// every crashing input a fuzz run ever found is kept in tests/fuzz/regressions/<harness>/ and replayed
// by CTest (fuzz_regressions_<harness>), together with the seed corpus, so that it stays fixed.
// Usage: fuzz_replay HARNESS FILE_OR_FOLDER...   (folders: every file inside, recursively)
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

using Harness = int (*)(const std::uint8_t*, std::size_t);

// Each harness is compiled with LLVMFuzzerTestOneInput renamed to synthscope_fuzz_<name> (CMake).
#define SYNTHSCOPE_HARNESS(name) extern "C" int synthscope_fuzz_##name(const std::uint8_t*, std::size_t);
SYNTHSCOPE_HARNESS(image_decode)
SYNTHSCOPE_HARNESS(manifest)
SYNTHSCOPE_HARNESS(npy)
SYNTHSCOPE_HARNESS(fingerprint)
SYNTHSCOPE_HARNESS(jpeg_analysis)
SYNTHSCOPE_HARNESS(metadata)
SYNTHSCOPE_HARNESS(case_file)
SYNTHSCOPE_HARNESS(helper_answer)
#undef SYNTHSCOPE_HARNESS

int main(int argc, char** argv) {
    const std::map<std::string, Harness> harnesses = {
        {"image_decode", synthscope_fuzz_image_decode}, {"manifest", synthscope_fuzz_manifest},
        {"npy", synthscope_fuzz_npy},                   {"fingerprint", synthscope_fuzz_fingerprint},
        {"jpeg_analysis", synthscope_fuzz_jpeg_analysis}, {"metadata", synthscope_fuzz_metadata},
        {"case_file", synthscope_fuzz_case_file},       {"helper_answer", synthscope_fuzz_helper_answer},
    };
    if (argc < 2 || !harnesses.count(argv[1])) {
        std::fprintf(stderr, "usage: fuzz_replay HARNESS FILE_OR_FOLDER...\nharnesses:");
        for (const auto& h : harnesses) std::fprintf(stderr, " %s", h.first.c_str());
        std::fprintf(stderr, "\n");
        return 2;
    }
    const Harness run = harnesses.at(argv[1]);
    std::vector<std::filesystem::path> files;
    for (int i = 2; i < argc; ++i) {
        const std::filesystem::path p(argv[i]);
        if (std::filesystem::is_directory(p)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (std::filesystem::is_regular_file(p)) {
            files.push_back(p);
        }  // a harness with no regressions yet has no folder: nothing to replay there
    }
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::printf("%s: %s (%zu bytes)\n", argv[1], f.string().c_str(), bytes.size());
        std::fflush(stdout);
        run(bytes.data(), bytes.size());  // a bug aborts (or a sanitizer stops the process)
    }
    std::printf("%s: %zu inputs replayed, no crash\n", argv[1], files.size());
    return 0;
}
