// What decoding in a process of its own costs (engine/decoder_process.h): the same file's metadata read
// (Exiv2, and libheif for HEIF) and its pixels decoded (OpenCV, or libheif for HEIF/AVIF), in this process
// and through synthscope-decode, alternately, ROUNDS times. The helper's runs are forked by its fork server
// (helper_launcher.h) unless $SYNTHSCOPE_DECODE_HELPER names it, which starts a process per run: the first
// figure is with the server started; the start itself is printed apart.
// Usage: synthscope_decode_bench FILE [ROUNDS]   (prints the median and the range of each)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <vector>

#include "engine/errors.h"
#include "engine/decoder_process.h"
#include "engine/image_format.h"

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
        std::fprintf(stderr, "usage: %s FILE [ROUNDS]\n", argv[0]);
        return 2;
    }
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    std::ifstream in(argv[1], std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    const std::string helper = decodeHelperPath();
    const ImageFormat format = sniffImageHeader(bytes.data(), bytes.size()).format;
    const bool heif = format == ImageFormat::Heif || format == ImageFormat::Avif;
    if (helper.empty() || format == ImageFormat::Unknown || (heif && !heifDecodingAvailable())) {
        std::fprintf(stderr, "needs synthscope-decode (run it from the build folder), and libheif for HEIF\n");
        return 2;
    }
    std::vector<double> inside, outside, metaInside, metaOutside;
    cv::Size size;
    double first = 0;
    try {
        first = milliseconds([&] { (void)readExiv2InHelper(helper, {}, bytes.data(), bytes.size(), format); });
        for (int i = 0; i < rounds; ++i) {
            inside.push_back(milliseconds([&] { size = decodeInProcess(bytes, argv[1], format, 250'000'000).rgb.size(); }));
            outside.push_back(milliseconds([&] { (void)decodeInHelper(helper, {}, bytes, argv[1], format, 250'000'000); }));
            metaInside.push_back(milliseconds([&] { (void)readExiv2InProcess(bytes.data(), bytes.size(), format); }));
            metaOutside.push_back(milliseconds([&] { (void)readExiv2InHelper(helper, {}, bytes.data(), bytes.size(), format); }));
        }
    } catch (const EngineError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    std::printf("%s: %s, %zu bytes, %d rounds; helper %s\n", argv[1], imageFormatName(format), bytes.size(), rounds, helper.c_str());
    std::printf("  %dx%d pixels; the first run through the helper (with its start) %.1f ms\n", size.width, size.height, first);
    print("decode, in this process", inside);
    print("decode, through the helper", outside);
    print("metadata, in this process", metaInside);
    print("metadata, through the helper", metaOutside);
    return 0;
}
