#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/heif_decoder.h"

namespace synthscope {

// libheif in a process of its own. libheif 1.15 and the codecs under it are the engine's most fragile
// dependency (fuzzing crashed it or sent it into gigabyte allocations four times; heif_grid.h), and an
// evidence file may be made to attack a decoder. So HEIF and AVIF files are decoded by a small helper
// executable, `synthscope-heif-decode`, under a memory limit and a time limit: if it crashes, runs out of
// memory or hangs, the user gets a sentence about that one file and the workstation keeps everything else.
// It costs one process start per HEIF file (a few milliseconds) and one copy of the pixels.

// Where the helper is, first match wins: $SYNTHSCOPE_HEIF_HELPER (a path, or "in-process" to decode in this
// process), beside the running executable (a build folder's app/), `../libexec/synthscope/` from it (an
// installed or unpacked copy), the configured install prefix's, and the build folder's (tests). Empty: none
// was found, and HEIF is decoded in this process (a program embedding the engine, the fuzz harnesses).
// Throws EngineError(Internal) when $SYNTHSCOPE_HEIF_HELPER names something that is not an executable file.
std::string heifHelperPath();

// How one helper run is bounded.
struct HeifHelperLimits {
    int timeoutSeconds = 120;
    std::int64_t memoryBytes = 0;  // address-space limit; 0: 1 GiB plus 24 bytes per allowed pixel
};

// The loader's and the metadata reader's entry points: through the helper when heifHelperPath() finds it,
// in this process otherwise. Errors as decodeHeifInProcess() / readHeifMetadataInProcess(), plus a sentence
// when the helper crashed, ran out of memory, was stopped after the time limit or could not be started.
HeifPicture decodeHeif(const std::vector<std::uint8_t>& bytes, const std::string& name, const char* formatName,
                       std::int64_t maxPixels);
HeifMetadataBlocks readHeifMetadata(const std::uint8_t* data, std::size_t size);

// The same through a given helper (tests point these at stand-ins that crash, hang or answer nonsense).
HeifPicture decodeHeifInHelper(const std::string& helper, const HeifHelperLimits& limits, const std::vector<std::uint8_t>& bytes,
                               const std::string& name, const char* formatName, std::int64_t maxPixels);
HeifMetadataBlocks readHeifMetadataInHelper(const std::string& helper, const HeifHelperLimits& limits, const std::uint8_t* data,
                                            std::size_t size);

// The helper executable's whole main (app/heif_decode_main.cpp): reads the file from standard input and
// writes its answer to standard output in the format this file's readers expect.
int heifHelperMain(int argc, char** argv);

}  // namespace synthscope
