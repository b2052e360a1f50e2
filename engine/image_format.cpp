#include "engine/image_format.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace synthscope {
namespace {

// Bounds-checked reads: every header parser below goes through these.
class ByteView {
public:
    ByteView(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    std::size_t size() const { return n_; }
    bool has(std::size_t off, std::size_t len) const { return off <= n_ && len <= n_ - off; }
    std::uint8_t u8(std::size_t o) const { return has(o, 1) ? d_[o] : 0; }
    std::uint32_t be16(std::size_t o) const { return has(o, 2) ? (d_[o] << 8) | d_[o + 1] : 0; }
    std::uint32_t le16(std::size_t o) const { return has(o, 2) ? d_[o] | (d_[o + 1] << 8) : 0; }
    std::uint32_t be32(std::size_t o) const { return has(o, 4) ? (be16(o) << 16) | be16(o + 2) : 0; }
    std::uint32_t le32(std::size_t o) const { return has(o, 4) ? le16(o) | (le16(o + 2) << 16) : 0; }
    std::uint32_t le24(std::size_t o) const { return has(o, 3) ? d_[o] | (d_[o + 1] << 8) | (d_[o + 2] << 16) : 0; }
    bool matches(std::size_t o, const char* s) const {
        const std::size_t len = std::strlen(s);
        return has(o, len) && std::memcmp(d_ + o, s, len) == 0;
    }
    ByteView sub(std::size_t off, std::size_t len) const {
        if (!has(off, 0)) return ByteView(d_, 0);
        return ByteView(d_ + off, std::min(len, n_ - off));
    }

private:
    const std::uint8_t* d_;
    std::size_t n_;
};

// A TIFF structure (a .tif file or the EXIF block of a JPEG): reads IFD0's tags we care about.
struct TiffTags {
    std::int64_t width = 0, height = 0;
    int bitsPerSample = 0, samplesPerPixel = 0, orientation = 1, extraSamples = 0;
};

TiffTags readTiffIfd0(const ByteView& b) {
    TiffTags t;
    const bool little = b.matches(0, "II");
    if (!little && !b.matches(0, "MM")) return t;
    auto r16 = [&](std::size_t o) { return little ? b.le16(o) : b.be16(o); };
    auto r32 = [&](std::size_t o) { return little ? b.le32(o) : b.be32(o); };
    const std::size_t ifd = r32(4);
    const std::uint32_t count = r16(ifd);
    if (!b.has(ifd + 2, std::size_t(count) * 12)) return t;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::size_t e = ifd + 2 + i * 12;
        const std::uint32_t tag = r16(e), type = r16(e + 2);
        // SHORT values sit left-aligned in the 4-byte field; LONG values fill it.
        const std::uint32_t value = type == 3 ? r16(e + 8) : r32(e + 8);
        switch (tag) {
        case 256: t.width = value; break;
        case 257: t.height = value; break;
        case 258: {  // BitsPerSample: one SHORT inline, two inline, or an offset to the array
            const std::uint32_t n = r32(e + 4);
            t.bitsPerSample = int(n <= 2 ? r16(e + 8) : r16(r32(e + 8)));
            break;
        }
        case 277: t.samplesPerPixel = int(value); break;
        case 274: t.orientation = int(value); break;
        case 338: t.extraSamples = int(r32(e + 4)); break;
        default: break;
        }
    }
    if (t.orientation < 1 || t.orientation > 8) t.orientation = 1;
    return t;
}

void sniffJpeg(const ByteView& b, ImageHeader& h) {
    h.format = ImageFormat::Jpeg;
    h.bitDepth = 8;
    std::size_t o = 2;
    while (b.has(o, 4)) {
        if (b.u8(o) != 0xFF) break;  // lost sync: stop, the decoder will judge
        const std::uint8_t marker = b.u8(o + 1);
        if (marker == 0xFF) { ++o; continue; }  // fill byte
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { o += 2; continue; }
        if (marker == 0xD9 || marker == 0xDA) break;  // end of image / start of scan: headers are over
        const std::uint32_t len = b.be16(o + 2);
        if (len < 2) break;
        const bool isSof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (isSof && b.has(o + 4, 6)) {
            h.bitDepth = b.u8(o + 4);
            h.height = b.be16(o + 5);
            h.width = b.be16(o + 7);
            h.channels = b.u8(o + 9);
            h.jpegArithmetic = marker >= 0xC9;
        } else if (marker == 0xE1 && b.matches(o + 4, "Exif")) {
            const TiffTags t = readTiffIfd0(b.sub(o + 10, len - 8));
            h.exifOrientation = t.orientation;
        }
        o += 2 + len;
    }
    // A complete JPEG ends with EOI (FF D9); some writers append trailing bytes, so look near the end.
    h.jpegHasEndMarker = false;
    const std::size_t tail = b.size() > 4096 ? b.size() - 4096 : 2;
    for (std::size_t i = b.size() >= 2 ? b.size() - 2 : 0; i + 1 > tail && i >= 2; --i) {
        if (b.u8(i) == 0xFF && b.u8(i + 1) == 0xD9) { h.jpegHasEndMarker = true; break; }
    }
}

}  // namespace

bool jpegFrameFitsInFile(std::int64_t width, std::int64_t height, std::size_t bytes, bool arithmetic) {
    if (arithmetic || width <= 0 || height <= 0) return true;
    const std::int64_t lumaBlocks = ((width + 7) / 8) * ((height + 7) / 8);
    return lumaBlocks <= std::int64_t(bytes) * 8;
}

namespace {

void sniffPng(const ByteView& b, ImageHeader& h) {
    h.format = ImageFormat::Png;
    if (!b.matches(12, "IHDR")) return;
    h.width = b.be32(16);
    h.height = b.be32(20);
    h.bitDepth = b.u8(24);
    const int colourType = b.u8(25);
    h.channels = colourType == 0 ? 1 : colourType == 2 ? 3 : colourType == 3 ? 1 : colourType == 4 ? 2 : 4;
    h.hasAlpha = colourType == 4 || colourType == 6;
}

void sniffWebP(const ByteView& b, ImageHeader& h) {
    h.format = ImageFormat::WebP;
    h.bitDepth = 8;
    if (b.matches(12, "VP8 ") && b.u8(23) == 0x9D && b.u8(24) == 0x01 && b.u8(25) == 0x2A) {
        h.width = b.le16(26) & 0x3FFF;
        h.height = b.le16(28) & 0x3FFF;
        h.channels = 3;
    } else if (b.matches(12, "VP8L") && b.u8(20) == 0x2F) {
        const std::uint32_t bits = b.le32(21);
        h.width = (bits & 0x3FFF) + 1;
        h.height = ((bits >> 14) & 0x3FFF) + 1;
        h.hasAlpha = (bits >> 28) & 1;
        h.channels = h.hasAlpha ? 4 : 3;
    } else if (b.matches(12, "VP8X")) {
        h.hasAlpha = b.u8(20) & 0x10;
        h.width = std::int64_t(b.le24(24)) + 1;
        h.height = std::int64_t(b.le24(27)) + 1;
        h.channels = h.hasAlpha ? 4 : 3;
    }
}

void sniffTiff(const ByteView& b, ImageHeader& h) {
    h.format = ImageFormat::Tiff;
    const TiffTags t = readTiffIfd0(b);
    h.width = t.width;
    h.height = t.height;
    h.bitDepth = t.bitsPerSample;
    h.channels = t.samplesPerPixel;
    h.hasAlpha = t.extraSamples > 0;
    h.exifOrientation = t.orientation;
}

void sniffBmp(const ByteView& b, ImageHeader& h) {
    h.format = ImageFormat::Bmp;
    const std::uint32_t dib = b.le32(14);
    if (dib == 12) {
        h.width = b.le16(18);
        h.height = b.le16(20);
        h.bitDepth = int(b.le16(24));
    } else if (dib >= 40) {
        h.width = std::int32_t(b.le32(18));
        const std::int32_t height = std::int32_t(b.le32(22));
        h.height = height < 0 ? -std::int64_t(height) : height;  // negative height = top-down rows
        h.bitDepth = int(b.le16(28));
        if (h.width < 0) h.width = 0;
    }
    h.channels = h.bitDepth == 32 ? 4 : h.bitDepth >= 24 ? 3 : 1;
    h.hasAlpha = false;  // OpenCV ignores BMP alpha; so do we
    if (h.bitDepth > 8) h.bitDepth = 8;
}

// ISO base media files (HEIF, AVIF): an "ftyp" box first, whose major and compatible brands say what the
// file holds. The size lives deep in other boxes; libheif reads it before decoding (heif_decoder.h).
bool sniffIsoBmff(const ByteView& b, ImageHeader& h) {
    if (!b.matches(4, "ftyp")) return false;
    const std::size_t boxSize = std::min<std::size_t>(b.be32(0), b.size());
    bool heif = false, avif = false;
    for (std::size_t o = 8; o + 4 <= boxSize; o += (o == 8 ? 8 : 4)) {  // major brand, minor version, compatible brands
        for (const char* brand : {"avif", "avis"}) avif = avif || b.matches(o, brand);
        for (const char* brand : {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"}) heif = heif || b.matches(o, brand);
    }
    if (!avif && !heif) return false;
    h.format = avif ? ImageFormat::Avif : ImageFormat::Heif;
    return true;
}

}  // namespace

std::string megapixelsText(double pixels) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", pixels / 1e6);
    return text;
}

const char* imageFormatName(ImageFormat format) {
    switch (format) {
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Png: return "PNG";
    case ImageFormat::WebP: return "WebP";
    case ImageFormat::Tiff: return "TIFF";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::Heif: return "HEIF";
    case ImageFormat::Avif: return "AVIF";
    case ImageFormat::Unknown: break;
    }
    return "unknown";
}

ImageHeader sniffImageHeader(const std::uint8_t* data, std::size_t size) {
    ImageHeader h;
    const ByteView b(data, data ? size : 0);
    if (b.u8(0) == 0xFF && b.u8(1) == 0xD8 && b.u8(2) == 0xFF) sniffJpeg(b, h);
    else if (b.matches(0, "\x89PNG\r\n\x1a\n")) sniffPng(b, h);
    else if (b.matches(0, "RIFF") && b.matches(8, "WEBP")) sniffWebP(b, h);
    else if (b.matches(0, "II*") || b.matches(0, "MM")) { if (b.u8(2) == 0x2A || b.u8(3) == 0x2A) sniffTiff(b, h); }
    else if (b.matches(0, "BM") && b.size() >= 26) sniffBmp(b, h);
    else sniffIsoBmff(b, h);
    return h;
}

}  // namespace synthscope
