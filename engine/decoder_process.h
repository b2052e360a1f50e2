#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/decoded_picture.h"
#include "engine/exiv2_reader.h"
#include "engine/heif_decoder.h"
#include "engine/image_format.h"
#include "engine/raster_decoder.h"

namespace synthscope {

// Every decoder of a file's bytes in a process of its own. An evidence file may be made to attack them:
// libheif 1.15 and the codecs under it are the engine's most fragile dependency (fuzzing crashed it or sent
// it into gigabyte allocations four times; heif_grid.h), Exiv2 0.27 has a long record of memory-safety
// fixes (and hung twice under fuzzing here), and image decoders have been attacked through crafted files
// in the wild (libwebp's CVE-2023-4863). So the pixels of every file (JPEG, PNG, WebP, TIFF and BMP through
// OpenCV, HEIF and AVIF through libheif), its EXIF thumbnail, and its EXIF, XMP and IPTC are read by a
// small helper executable, `synthscope-decode`, under a memory limit and a time limit: if it crashes, runs
// out of memory or hangs, the user gets a sentence about that one file and the workstation keeps everything
// else. Each file gets a fresh process, forked by the helper's fork server (helper_launcher.h: about 1 ms,
// where starting the helper costs about 125 ms), and what comes back is copied once. Images the engine
// encoded itself (JPEG and rescaled copies) are decoded in this process.

// Where the helper is, first match wins: $SYNTHSCOPE_DECODE_HELPER (a path, or "in-process" to decode in this
// process), beside the running executable (a build folder's app/), `../libexec/synthscope/` from it (an
// installed or unpacked copy), the configured install prefix's, and the build folder's (tests). Empty: none
// was found, and both run in this process (a program embedding the engine, the fuzz harnesses).
// Throws EngineError(Internal) when $SYNTHSCOPE_DECODE_HELPER names something that is not an executable file.
std::string decodeHelperPath();

// Which decoders run where, in a line for `synthscope --version` and the About box, e.g. "libheif and
// Exiv2, in a process of their own (/usr/libexec/synthscope/synthscope-decode)".
std::string describeDecoders();

// How one helper run is bounded.
struct DecodeHelperLimits {
    int timeoutSeconds = 120;
    std::int64_t memoryBytes = 0;                // address space the decoding may add to what the helper has mapped when
                                                 // it starts; 0: 1 GiB plus 24 bytes per allowed pixel
                                                 // (in AddressSanitizer builds, a limit on each allocation)
    const std::atomic<bool>* cancel = nullptr;   // when it turns true the helper is stopped at once (Cancelled)
};

// The loader's and the metadata reader's entry points: through the helper when decodeHelperPath() finds it,
// in this process otherwise. Errors as decodeInProcess() / readExiv2InProcess(), plus a sentence when the
// helper crashed, ran out of memory, was stopped after the time limit or could not be started
// (decodePicture throws it; readExiv2 returns it as a problem and never throws). `cancel` stops a
// decoding at once (EngineError(Cancelled)).
DecodedPicture decodePicture(const std::vector<std::uint8_t>& bytes, const std::string& name, ImageFormat format, std::int64_t maxPixels,
                             const std::atomic<bool>* cancel = nullptr, ExifOrientation orientation = ExifOrientation::Apply);
Exiv2Reading readExiv2(const std::uint8_t* data, std::size_t size, ImageFormat format);

// The same through a given helper (tests point these at stand-ins that crash, hang or answer nonsense).
DecodedPicture decodeInHelper(const std::string& helper, const DecodeHelperLimits& limits, const std::vector<std::uint8_t>& bytes,
                              const std::string& name, ImageFormat format, std::int64_t maxPixels,
                              ExifOrientation orientation = ExifOrientation::Apply);
Exiv2Reading readExiv2InHelper(const std::string& helper, const DecodeHelperLimits& limits, const std::uint8_t* data,
                               std::size_t size, ImageFormat format);

// The engine's reading of what a helper run wrote to its answer file. An answer is as untrusted as the file
// it is about (an attacked decoder writes what it likes), so every length is checked against what is
// there. std::nullopt: not an answer (the callers say "gave an answer SynthScope cannot read"). A
// decoding the helper refused throws EngineError(BadInput) with its sentence. Fuzzed (fuzz_helper_answer).
std::optional<DecodedPicture> readDecodeAnswer(const std::uint8_t* data, std::size_t size, std::int64_t maxPixels);
std::optional<Exiv2Reading> readMetadataAnswer(const std::uint8_t* data, std::size_t size);

// True when a decoding that needs more than the memory limit is answered "it needs more memory than the
// ... allowed". False in AddressSanitizer builds (packaging/sanitize.sh): ASan reserves terabytes of address
// space, so the limit there is its per-allocation one, and its operator new aborts the helper instead of
// throwing; the file is still refused ("stopped with exit code 1"), in fewer words.
bool decodeHelperAnswersOutOfMemory();

// Decodes in this process, by format: libheif for HEIF and AVIF (decodeHeifInProcess), OpenCV for the rest
// (decodeRasterInProcess). What the helper runs; the engine itself calls it only when no helper is found.
DecodedPicture decodeInProcess(const std::vector<std::uint8_t>& bytes, const std::string& name, ImageFormat format, std::int64_t maxPixels,
                               ExifOrientation orientation = ExifOrientation::Apply);

// What a decoding library printed (the helper captures its standard error: bytes a hostile file makes a
// decoder print must not reach the user's terminal), as one line of printable text for the sentence that
// refuses the file: the first 600 bytes, every byte outside printable ASCII dropped, lines joined with
// "; ", a line already given not repeated. Empty when nothing printable was printed.
std::string printableDiagnostics(const char* data, std::size_t size);

// The helper executable's whole main (app/decode_main.cpp): reads the file from standard input and
// writes its answer to standard output in the format this file's readers expect.
int decodeHelperMain(int argc, char** argv);

}  // namespace synthscope
