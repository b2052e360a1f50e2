#include "engine/npy.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "engine/errors.h"

namespace synthscope {
namespace {

constexpr std::uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// numpy itself refuses headers above 10000 bytes unless told otherwise (max_header_size).
constexpr std::size_t kMaxHeaderBytes = 10000;
// Dimensions above this are refused while parsing, so that products of a few of them cannot overflow.
constexpr std::int64_t kMaxDimension = std::int64_t(1) << 40;
constexpr std::size_t kMaxDims = 32;

std::uint32_t readLe32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

// A recursive-descent parser for the one Python literal numpy writes as the header: a dict with the
// keys 'descr' (str), 'fortran_order' (bool) and 'shape' (tuple of non-negative ints). Anything else,
// including escapes in strings, expressions, or extra keys, is refused.
class HeaderParser {
public:
    HeaderParser(const std::string& text, const std::string& name) : s_(text), name_(name) {}

    void parse(NpyHeader& h) {
        bool haveDescr = false, haveOrder = false, haveShape = false;
        skipSpace();
        expect('{');
        for (;;) {
            skipSpace();
            if (peek() == '}') break;
            const std::string key = parseString();
            skipSpace();
            expect(':');
            skipSpace();
            if (key == "descr") {
                if (haveDescr) fail("its header names 'descr' twice");
                h.descr = parseString();
                haveDescr = true;
            } else if (key == "fortran_order") {
                if (haveOrder) fail("its header names 'fortran_order' twice");
                h.fortranOrder = parseBool();
                haveOrder = true;
            } else if (key == "shape") {
                if (haveShape) fail("its header names 'shape' twice");
                h.shape = parseShape();
                haveShape = true;
            } else {
                fail("its header has an unexpected key '" + key + "' (only 'descr', 'fortran_order' and 'shape' are allowed)");
            }
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == '}') break;
            fail("its header dictionary is malformed near byte " + std::to_string(pos_));
        }
        expect('}');
        skipSpace();
        if (pos_ != s_.size()) fail("its header has text after the dictionary");
        if (!haveDescr || !haveOrder || !haveShape) fail("its header lacks one of 'descr', 'fortran_order' and 'shape'");
    }

private:
    [[noreturn]] void fail(const std::string& why) const { throw badInput(name_ + " is not a valid NumPy .npy file: " + why + "."); }
    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    void skipSpace() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("its header dictionary is malformed (expected '") + c + "' at byte " + std::to_string(pos_) + ")");
        ++pos_;
    }
    std::string parseString() {
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail("its header dictionary is malformed (expected a quoted string at byte " + std::to_string(pos_) + ")");
        ++pos_;
        std::string out;
        while (peek() != quote) {
            if (pos_ >= s_.size()) fail("its header has an unterminated string");
            if (peek() == '\\') fail("its header has an escaped string, which numpy never writes");
            if (out.size() >= 64) fail("its header has an overlong string");
            out += s_[pos_++];
        }
        ++pos_;
        return out;
    }
    bool parseBool() {
        if (s_.compare(pos_, 4, "True") == 0) {
            pos_ += 4;
            return true;
        }
        if (s_.compare(pos_, 5, "False") == 0) {
            pos_ += 5;
            return false;
        }
        fail("its header's 'fortran_order' is not True or False");
    }
    std::int64_t parseInt() {
        const std::size_t start = pos_;
        std::int64_t v = 0;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
            v = v * 10 + (s_[pos_] - '0');
            if (v > kMaxDimension) fail("its shape has a dimension too large to be real");
            ++pos_;
        }
        if (pos_ == start) fail("its shape holds something other than non-negative whole numbers");
        if (pos_ - start > 1 && s_[start] == '0') fail("its shape has a number with a leading zero");
        if (peek() == 'L') ++pos_;  // Python 2's numpy wrote long integers as 256L
        return v;
    }
    std::vector<std::int64_t> parseShape() {
        expect('(');
        std::vector<std::int64_t> shape;
        skipSpace();
        if (peek() == ')') {
            ++pos_;
            return shape;
        }
        for (;;) {
            shape.push_back(parseInt());
            if (shape.size() > kMaxDims) fail("its shape has too many dimensions");
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                skipSpace();
                if (peek() == ')') break;
                continue;
            }
            // "(5)" is the integer 5 in Python, not a tuple: numpy writes one-element shapes as "(5,)".
            if (peek() == ')' && shape.size() > 1) break;
            fail("its shape is not a tuple of whole numbers");
        }
        ++pos_;
        return shape;
    }

    const std::string& s_;
    const std::string& name_;
    std::size_t pos_ = 0;
};

}  // namespace

NpyHeader parseNpyHeader(const std::uint8_t* data, std::size_t size, const std::string& name) {
    auto fail = [&](const std::string& why) { return badInput(name + " is not a valid NumPy .npy file: " + why + "."); };
    if (data == nullptr || size < 10 || std::memcmp(data, kMagic, sizeof kMagic) != 0)
        throw fail("it does not start with the .npy magic string");
    NpyHeader h;
    h.majorVersion = data[6];
    h.minorVersion = data[7];
    if (h.majorVersion < 1 || h.majorVersion > 3 || h.minorVersion != 0)
        throw fail("format version " + std::to_string(h.majorVersion) + "." + std::to_string(h.minorVersion) +
                   " is unknown (1.0, 2.0 and 3.0 are supported)");
    std::size_t preamble = 10, headerBytes = 0;
    if (h.majorVersion == 1) {
        headerBytes = std::size_t(data[8]) | std::size_t(data[9]) << 8;
    } else {
        if (size < 12) throw fail("it is cut short inside its preamble");
        preamble = 12;
        headerBytes = readLe32(data + 8);
    }
    if (headerBytes > kMaxHeaderBytes) throw fail("its header claims " + std::to_string(headerBytes) + " bytes, more than the 10000 allowed");
    if (headerBytes > size - preamble) throw fail("it is cut short inside its header");
    const char* text = reinterpret_cast<const char*>(data + preamble);
    if (headerBytes == 0 || text[headerBytes - 1] != '\n') throw fail("its header does not end with a newline");
    for (std::size_t i = 0; i + 1 < headerBytes; ++i)
        if (text[i] < 0x20 || text[i] > 0x7e) throw fail("its header holds a byte that is not printable ASCII");
    const std::string header(text, headerBytes - 1);
    HeaderParser(header, name).parse(h);
    h.dataOffset = preamble + headerBytes;
    return h;
}

cv::Mat decodeNpyImage(const std::uint8_t* data, std::size_t size, const std::string& name) {
    const NpyHeader h = parseNpyHeader(data, size, name);
    auto refuse = [&](const std::string& why) { return badInput(name + ": " + why); };
    if (h.descr == ">f4")
        throw refuse("the array is big-endian float32 ('>f4'); only little-endian float32 ('<f4') is supported. "
                     "Re-save it with numpy: np.save(path, a.astype('<f4')).");
    if (h.descr != "<f4")
        throw refuse("the array holds '" + h.descr + "' values; a fingerprint must be little-endian float32 ('<f4'). "
                     "Re-save it with numpy: np.save(path, a.astype('<f4')).");
    if (h.fortranOrder)
        throw refuse("the array is stored in Fortran (column-major) order; only C order is supported. "
                     "Re-save it with numpy: np.save(path, np.ascontiguousarray(a)).");
    auto shapeText = [&] {
        std::string t = "(";
        for (std::size_t i = 0; i < h.shape.size(); ++i) t += (i ? ", " : "") + std::to_string(h.shape[i]);
        return t + (h.shape.size() == 1 ? ",)" : ")");
    };
    if (h.shape.size() != 3 || h.shape[2] != 3)
        throw refuse("the array has shape " + shapeText() + "; a fingerprint must be height x width x 3 (HWC, RGB).");
    const std::int64_t rows = h.shape[0], cols = h.shape[1];
    if (rows < 1 || cols < 1 || rows > kNpyMaxImageSide || cols > kNpyMaxImageSide)
        throw refuse("the array has shape " + shapeText() + "; each side must be from 1 to " + std::to_string(kNpyMaxImageSide) + ".");
    const std::size_t expected = std::size_t(rows) * std::size_t(cols) * 3 * sizeof(float);  // cannot overflow: sides are bounded
    const std::size_t available = size - h.dataOffset;
    if (available < expected)
        throw refuse("the file is truncated: shape " + shapeText() + " needs " + std::to_string(expected) + " bytes of data, it holds " +
                     std::to_string(available) + ".");
    if (available > expected)
        throw refuse("the file has " + std::to_string(available - expected) + " bytes after the array's data; it is damaged or not one array.");
    cv::Mat image(int(rows), int(cols), CV_32FC3);
    const std::uint8_t* src = data + h.dataOffset;
    for (int r = 0; r < image.rows; ++r) {
        float* dst = image.ptr<float>(r);
        for (int i = 0; i < image.cols * 3; ++i, src += 4) {
            const std::uint32_t bits = readLe32(src);
            float v;
            std::memcpy(&v, &bits, sizeof v);
            if (!std::isfinite(v))
                throw refuse("the array holds a non-finite value (NaN or infinity) at row " + std::to_string(r) + "; it is damaged.");
            dst[i] = v;
        }
    }
    return image;
}

cv::Mat readNpyImage(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw badInput(path + " does not exist or is not a file.");
    const auto size = std::filesystem::file_size(path, ec);
    // Header plus the largest array accepted: refuse a larger file before reading any of it.
    constexpr std::uintmax_t kMaxFile = 12 + kMaxHeaderBytes + std::uintmax_t(kNpyMaxImageSide) * kNpyMaxImageSide * 12;
    if (ec) throw badInput(path + " cannot be read: " + ec.message() + ".");
    if (size > kMaxFile) throw badInput(path + " is too large (" + std::to_string(size) + " bytes) to be a fingerprint.");
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size())))
        throw badInput(path + " cannot be read.");
    return decodeNpyImage(bytes.data(), bytes.size(), path);
}

std::vector<std::uint8_t> encodeNpyImage(const cv::Mat& image) {
    if (image.empty() || image.type() != CV_32FC3) throw std::invalid_argument("encodeNpyImage needs a non-empty CV_32FC3 matrix");
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(image.rows) + ", " +
                         std::to_string(image.cols) + ", 3), }";
    // numpy pads with spaces so that the data starts on a 64-byte boundary, and ends the header with '\n'.
    const std::size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::vector<std::uint8_t> out(kMagic, kMagic + 6);
    out.push_back(1);
    out.push_back(0);
    out.push_back(std::uint8_t(header.size() & 0xff));
    out.push_back(std::uint8_t(header.size() >> 8));
    out.insert(out.end(), header.begin(), header.end());
    out.reserve(out.size() + image.total() * 12);
    for (int r = 0; r < image.rows; ++r) {
        const float* p = image.ptr<float>(r);
        for (int i = 0; i < image.cols * 3; ++i) {
            std::uint32_t bits;
            std::memcpy(&bits, &p[i], sizeof bits);
            for (int b = 0; b < 4; ++b) out.push_back(std::uint8_t(bits >> (8 * b)));
        }
    }
    return out;
}

void writeNpyImage(const std::string& path, const cv::Mat& image) {
    const std::vector<std::uint8_t> bytes = encodeNpyImage(image);
    const std::string tmp = path + ".tmp" + std::to_string(std::random_device{}() % 1000000);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        out.close();
        if (!out) {
            std::remove(tmp.c_str());
            throw badInput("cannot write " + path + " (is the folder writable and the disk not full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw badInput("cannot write " + path + ": " + ec.message());
    }
}

}  // namespace synthscope
