#include "engine/c2pa.h"

#include <algorithm>
#include <cstring>

#include "engine/png_text.h"

namespace synthscope {
namespace {

constexpr std::size_t kMaxManifestCopy = 4 << 20;

// Strings worth reporting when they occur in a manifest (CBOR text strings are stored as plain UTF-8).
const char* const kMentions[] = {"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia",
                                 "compositeSynthetic", "c2pa.created", "c2pa.edited", "c2pa.actions", "c2pa.ai_generative_training"};

bool contains(const std::uint8_t* d, std::size_t n, const char* needle) {
    const std::size_t m = std::strlen(needle);
    if (m == 0 || n < m) return false;
    return std::search(d, d + n, needle, needle + m) != d + n;
}

std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3]; }
std::uint32_t le32(const std::uint8_t* p) { return std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0]; }

// A JUMBF superbox ("jumb") whose description box ("jumd") carries the label "c2pa". `box` points at the
// superbox header: LBox(4) TBox(4) = "jumb", then LBox(4) "jumd", a 16-byte type UUID, a toggles byte and,
// when toggle bit 1 is set, a NUL-terminated label.
bool isC2paSuperbox(const std::uint8_t* box, std::size_t n) {
    if (n < 8 + 8 + 16 + 1 + 5) return false;
    if (std::memcmp(box + 4, "jumb", 4) != 0 || std::memcmp(box + 12, "jumd", 4) != 0) return false;
    const std::uint8_t toggles = box[8 + 8 + 16];
    if (!(toggles & 0x02)) return false;  // no label
    const std::uint8_t* label = box + 8 + 8 + 16 + 1;
    const std::size_t room = n - (8 + 8 + 16 + 1);
    return room >= 5 && std::memcmp(label, "c2pa", 4) == 0 && label[4] == 0;
}

// JPEG: APP11 segments with the JPEG XT common identifier "JP", a box instance number (2 bytes), a packet
// sequence number (4 bytes), then the JUMBF box (repeated box header in continuation packets).
C2paDetection inJpeg(const std::uint8_t* d, std::size_t n) {
    C2paDetection r;
    std::vector<std::uint8_t> manifest;
    std::size_t pos = 2;
    while (pos + 4 <= n) {
        if (d[pos] != 0xFF) break;  // lost sync: stop, the metadata segments are behind us or corrupt
        const std::uint8_t marker = d[pos + 1];
        if (marker == 0xFF) { ++pos; continue; }                      // fill byte
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) { pos += 2; continue; }  // no length
        if (marker == 0xDA || marker == 0xD9) break;                 // image data: no more metadata
        const std::size_t length = std::size_t(d[pos + 2]) << 8 | d[pos + 3];
        if (length < 2 || pos + 2 + length > n) break;
        const std::uint8_t* payload = d + pos + 4;
        const std::size_t size = length - 2;
        if (marker == 0xEB && size >= 8 + 8 && payload[0] == 'J' && payload[1] == 'P') {
            const std::uint8_t* box = payload + 8;
            const std::size_t boxBytes = size - 8;
            const std::uint32_t sequence = be32(payload + 4);
            if (isC2paSuperbox(box, boxBytes)) {
                r.present = true;
                r.container = "JPEG APP11";
            }
            if (r.present && manifest.size() < kMaxManifestCopy) {
                // Continuation packets repeat the 8-byte box header: keep only the content.
                const std::uint8_t* from = sequence > 1 ? box + 8 : box;
                manifest.insert(manifest.end(), from, box + boxBytes);
            }
        }
        pos += 2 + length;
    }
    r.bytes = manifest.size();
    if (r.present) r.mentions = c2paMentions(manifest.data(), manifest.size());
    return r;
}

C2paDetection inPng(const std::uint8_t* d, std::size_t n) {
    C2paDetection r;
    const PngChunkScan scan = scanPngChunks(d, n);
    if (!scan.hasCaBX) return r;
    r.present = true;  // the chunk type is reserved for C2PA manifest stores
    r.container = "PNG caBX";
    r.bytes = scan.caBX.size();
    r.mentions = c2paMentions(scan.caBX.data(), scan.caBX.size());
    return r;
}

// WebP: RIFF chunks (FourCC, little-endian size, data padded to even size); C2PA uses the FourCC "C2PA".
C2paDetection inWebP(const std::uint8_t* d, std::size_t n) {
    C2paDetection r;
    std::size_t pos = 12;
    while (pos + 8 <= n) {
        const std::size_t size = le32(d + pos + 4);
        if (size > n - pos - 8) break;
        if (std::memcmp(d + pos, "C2PA", 4) == 0) {
            r.present = true;
            r.container = "WebP C2PA";
            r.bytes = size;
            r.mentions = c2paMentions(d + pos + 8, size);
            break;
        }
        pos += 8 + size + (size & 1);
    }
    return r;
}

}  // namespace

std::vector<std::string> c2paMentions(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> found;
    // Case-sensitive: "algorithmicMedia" does not match inside "trainedAlgorithmicMedia".
    for (const char* m : kMentions)
        if (contains(data, size, m)) found.emplace_back(m);
    return found;
}

C2paDetection detectC2pa(const std::uint8_t* data, std::size_t size) {
    if (!data || size < 12) return {};
    if (data[0] == 0xFF && data[1] == 0xD8) return inJpeg(data, size);
    if (data[0] == 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G') return inPng(data, size);
    if (std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0) return inWebP(data, size);
    return {};
}

}  // namespace synthscope
