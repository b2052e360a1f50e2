#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace synthscope {

// One PNG text chunk, decoded: tEXt and zTXt are Latin-1 (converted to UTF-8 here), iTXt is UTF-8.
struct PngTextChunk {
    std::string type;               // "tEXt", "zTXt" or "iTXt"
    std::string keyword;            // e.g. "parameters", "prompt", "Software"
    std::string text;               // UTF-8; cut at kMaxPngTextBytes
    std::string language;           // iTXt only
    std::string translatedKeyword;  // iTXt only
    bool compressed = false;        // zTXt, or iTXt with the compression flag
    bool truncated = false;         // the text was longer than kMaxPngTextBytes
};

// What the chunk list of a PNG holds besides pixels.
struct PngChunkScan {
    bool isPng = false;                  // the 8-byte PNG signature is there
    std::vector<PngTextChunk> text;
    std::vector<std::string> chunkTypes; // every chunk type in file order (IDAT runs collapsed to one)
    bool hasCaBX = false;                // a C2PA manifest store (JUMBF in a caBX chunk)
    std::vector<std::uint8_t> caBX;      // the first caBX chunk's data (at most 1 MiB), for a look inside
    bool hasExifChunk = false;           // eXIf
    std::vector<std::string> problems;   // plain sentences: truncated file, bad chunk, undecompressible text
};

// Decompressed text is capped (a zip bomb in a zTXt chunk must not exhaust memory).
inline constexpr std::size_t kMaxPngTextBytes = 1 << 20;
// ... and so is the text of all chunks together: chunks past it are skipped, with a problem saying so.
inline constexpr std::size_t kMaxPngTextTotalBytes = 16 << 20;

// Walks the chunks with bounds checks; never reads outside [data, data + size) and never throws for bad
// input. CRCs are not checked (a wrong CRC does not change what the text says).
PngChunkScan scanPngChunks(const std::uint8_t* data, std::size_t size);

// zlib-inflates at most maxOut bytes. Returns false if the stream is corrupt; `truncated` is set when the
// output was cut at maxOut.
bool inflateZlib(const std::uint8_t* data, std::size_t size, std::size_t maxOut, std::string& out, bool& truncated);

}  // namespace synthscope
