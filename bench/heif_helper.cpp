// What decoding HEIF/AVIF in a process of its own costs (engine/heif_process.h): the same file decoded,
// and its metadata read, in this process and through synthscope-heif-decode, alternately, ROUNDS times.
// Usage: synthscope_heif_bench FILE.heic [ROUNDS]   (prints the median and the range of each)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <vector>

#include "engine/errors.h"
#include "engine/heif_process.h"

using namespace synthscope;

namespace {

double milliseconds(const std::function<void()>& run) {
    const auto start = std::chrono::steady_clock::now();
    run();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void print(const char* what, std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    std::printf("  %-28s median %8.1f ms  (%.1f-%.1f)\n", what, ms[ms.size() / 2], ms.front(), ms.back());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE.heic [ROUNDS]\n", argv[0]);
        return 2;
    }
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    std::ifstream in(argv[1], std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    const std::string helper = heifHelperPath();
    if (!heifDecodingAvailable() || helper.empty()) {
        std::fprintf(stderr, "needs libheif and synthscope-heif-decode (run it from the build folder)\n");
        return 2;
    }
    std::vector<double> inside, outside, metaInside, metaOutside;
    cv::Size size;
    try {
        for (int i = 0; i < rounds; ++i) {
            inside.push_back(milliseconds([&] { size = decodeHeifInProcess(bytes, argv[1], "HEIF", 250'000'000).rgb.size(); }));
            outside.push_back(milliseconds([&] { (void)decodeHeifInHelper(helper, {}, bytes, argv[1], "HEIF", 250'000'000); }));
            metaInside.push_back(milliseconds([&] { (void)readHeifMetadataInProcess(bytes.data(), bytes.size()); }));
            metaOutside.push_back(milliseconds([&] { (void)readHeifMetadataInHelper(helper, {}, bytes.data(), bytes.size()); }));
        }
    } catch (const EngineError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    std::printf("%s: %dx%d, %zu bytes, %d rounds; helper %s\n", argv[1], size.width, size.height, bytes.size(), rounds, helper.c_str());
    print("decode, in this process", inside);
    print("decode, through the helper", outside);
    print("metadata, in this process", metaInside);
    print("metadata, through the helper", metaOutside);
    return 0;
}
