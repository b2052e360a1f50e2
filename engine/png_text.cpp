#include "engine/png_text.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <zlib.h>

namespace synthscope {
namespace {

constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
constexpr std::size_t kMaxChunks = 1'000'000;
constexpr std::size_t kMaxCaBXCopy = 1 << 20;

std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3]; }

std::string latin1ToUtf8(const std::uint8_t* p, std::size_t n) {
    std::string out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t c = p[i];
        if (c < 0x80) {
            out += char(c);
        } else {
            out += char(0xC0 | (c >> 6));
            out += char(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// The text up to the next NUL at or after `pos` (exclusive); pos moves past the NUL. False if there is none.
bool readNulTerminated(const std::uint8_t* d, std::size_t n, std::size_t& pos, std::string& out) {
    const void* nul = pos < n ? std::memchr(d + pos, 0, n - pos) : nullptr;
    if (!nul) return false;
    const std::size_t end = std::size_t(static_cast<const std::uint8_t*>(nul) - d);
    out.assign(reinterpret_cast<const char*>(d + pos), end - pos);
    pos = end + 1;
    return true;
}

void setText(PngTextChunk& chunk, std::string text) {
    if (text.size() > kMaxPngTextBytes) {
        text.resize(kMaxPngTextBytes);
        chunk.truncated = true;
    }
    chunk.text = std::move(text);
}

// Parses one tEXt/zTXt/iTXt chunk body; false (with a problem sentence) when it is malformed.
bool parseTextChunk(const std::string& type, const std::uint8_t* d, std::size_t n, PngTextChunk& chunk, std::string& problem) {
    chunk.type = type;
    std::size_t pos = 0;
    std::string keyword;
    if (!readNulTerminated(d, n, pos, keyword)) {
        problem = "a " + type + " chunk has no keyword terminator";
        return false;
    }
    chunk.keyword = latin1ToUtf8(reinterpret_cast<const std::uint8_t*>(keyword.data()), keyword.size());
    if (type == "tEXt") {
        setText(chunk, latin1ToUtf8(d + pos, n - pos));
        return true;
    }
    if (type == "zTXt") {
        if (pos >= n || d[pos] != 0) {
            problem = "the zTXt chunk \"" + chunk.keyword + "\" uses an unknown compression method";
            return false;
        }
        chunk.compressed = true;
        std::string raw;
        if (!inflateZlib(d + pos + 1, n - pos - 1, kMaxPngTextBytes, raw, chunk.truncated)) {
            problem = "the zTXt chunk \"" + chunk.keyword + "\" could not be decompressed";
            return false;
        }
        // Latin-1 above 0x7F takes two bytes in UTF-8: cap again after converting.
        const bool cut = chunk.truncated;
        setText(chunk, latin1ToUtf8(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
        chunk.truncated = chunk.truncated || cut;
        return true;
    }
    // iTXt: compression flag, method, language tag\0, translated keyword\0, text.
    if (pos + 2 > n) {
        problem = "the iTXt chunk \"" + chunk.keyword + "\" is cut short";
        return false;
    }
    const bool compressed = d[pos] != 0;
    const std::uint8_t method = d[pos + 1];
    pos += 2;
    if (!readNulTerminated(d, n, pos, chunk.language) || !readNulTerminated(d, n, pos, chunk.translatedKeyword)) {
        problem = "the iTXt chunk \"" + chunk.keyword + "\" is malformed";
        return false;
    }
    if (!compressed) {
        setText(chunk, std::string(reinterpret_cast<const char*>(d + pos), n - pos));
        return true;
    }
    if (method != 0) {
        problem = "the iTXt chunk \"" + chunk.keyword + "\" uses an unknown compression method";
        return false;
    }
    chunk.compressed = true;
    std::string text;
    if (!inflateZlib(d + pos, n - pos, kMaxPngTextBytes, text, chunk.truncated)) {
        problem = "the iTXt chunk \"" + chunk.keyword + "\" could not be decompressed";
        return false;
    }
    chunk.text = std::move(text);
    return true;
}

bool isChunkType(const std::uint8_t* p) {
    for (int i = 0; i < 4; ++i)
        if (!std::isalpha(p[i])) return false;
    return true;
}

}  // namespace

bool inflateZlib(const std::uint8_t* data, std::size_t size, std::size_t maxOut, std::string& out, bool& truncated) {
    out.clear();
    truncated = false;
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) return false;
    zs.next_in = const_cast<Bytef*>(data);
    zs.avail_in = uInt(std::min<std::size_t>(size, 0x7FFFFFFF));
    char buffer[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(buffer);
        zs.avail_out = sizeof buffer;
        rc = inflate(&zs, Z_NO_FLUSH);
        const std::size_t produced = sizeof buffer - zs.avail_out;
        if (out.size() + produced > maxOut) {
            out.append(buffer, maxOut - out.size());
            truncated = true;
            break;
        }
        out.append(buffer, produced);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended before the stream did
    }
    inflateEnd(&zs);
    return rc == Z_STREAM_END || truncated;
}

PngChunkScan scanPngChunks(const std::uint8_t* data, std::size_t size) {
    PngChunkScan scan;
    scan.isPng = data && size >= 8 && std::memcmp(data, kSignature, 8) == 0;
    if (!scan.isPng) return scan;
    std::size_t pos = 8;
    std::size_t textBytes = 0;
    bool textCapped = false;
    for (std::size_t count = 0; count < kMaxChunks; ++count) {
        if (pos == size) {
            scan.problems.push_back("the PNG file ends without an IEND chunk (it may be cut short)");
            break;
        }
        if (size - pos < 12) {
            scan.problems.push_back("the PNG file is cut short inside a chunk header");
            break;
        }
        const std::uint32_t length = be32(data + pos);
        if (!isChunkType(data + pos + 4)) {
            scan.problems.push_back("the PNG chunk list is corrupt at byte " + std::to_string(pos));
            break;
        }
        const std::string type(reinterpret_cast<const char*>(data + pos + 4), 4);
        if (length > 0x7FFFFFFFu || std::size_t(length) > size - pos - 12) {
            scan.problems.push_back("the PNG chunk " + type + " at byte " + std::to_string(pos) + " is cut short (the file is truncated)");
            break;
        }
        const std::uint8_t* body = data + pos + 8;
        if (scan.chunkTypes.empty() || !(type == "IDAT" && scan.chunkTypes.back() == "IDAT")) scan.chunkTypes.push_back(type);
        if ((type == "tEXt" || type == "zTXt" || type == "iTXt") && textBytes >= kMaxPngTextTotalBytes) {
            // Each chunk is capped, but a file can hold thousands of small zTXt chunks that each inflate to
            // the cap (a decompression bomb in the metadata): stop reading text past a total.
            if (!textCapped) scan.problems.push_back("the PNG file holds more text than " + std::to_string(kMaxPngTextTotalBytes >> 20) +
                                                     " MB; the text chunks after that were not read");
            textCapped = true;
        } else if (type == "tEXt" || type == "zTXt" || type == "iTXt") {
            PngTextChunk chunk;
            std::string problem;
            if (parseTextChunk(type, body, length, chunk, problem)) {
                textBytes += chunk.text.size();
                scan.text.push_back(std::move(chunk));
            }
            else scan.problems.push_back(problem);
        } else if (type == "caBX") {
            if (!scan.hasCaBX) scan.caBX.assign(body, body + std::min<std::size_t>(length, kMaxCaBXCopy));
            scan.hasCaBX = true;
        } else if (type == "eXIf") {
            scan.hasExifChunk = true;
        }
        pos += 12 + std::size_t(length);
        if (type == "IEND") break;
    }
    return scan;
}

}  // namespace synthscope
