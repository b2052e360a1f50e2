#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace synthscope {

// A strict reader and writer for NumPy's .npy format (versions 1.0, 2.0 and 3.0), limited to what
// fingerprints need: little-endian float32 ('<f4') arrays of shape (H, W, 3) in C order. Everything
// else is refused with EngineError(BadInput) and a sentence naming what was found. The reader never
// reads outside the bytes it is given and checks every length before allocating: it is meant to take
// untrusted files.

// The header of an .npy file, as parsed (not yet checked against what fingerprints need).
struct NpyHeader {
    int majorVersion = 0, minorVersion = 0;
    std::string descr;                // e.g. "<f4"
    bool fortranOrder = false;
    std::vector<std::int64_t> shape;  // () for a scalar
    std::size_t dataOffset = 0;       // where the array's bytes start in the file
};

// Parses the preamble and the header dictionary. Throws EngineError(BadInput) for a missing magic
// string, an unknown version, a header that is cut short, too long, not ASCII, or not exactly the
// dictionary {'descr': str, 'fortran_order': bool, 'shape': tuple of ints} numpy writes.
NpyHeader parseNpyHeader(const std::uint8_t* data, std::size_t size, const std::string& name = "the .npy file");

// The largest side accepted for an (H, W, 3) image array: far above any fingerprint, small enough that
// a forged header cannot make the reader allocate gigabytes.
constexpr std::int64_t kNpyMaxImageSide = 4096;

// Decodes an (H, W, 3) '<f4' C-order array into a CV_32FC3 matrix (channel order as stored). Refuses any
// other dtype, byte order, layout or shape, a data section shorter or longer than the shape says, and
// non-finite values.
cv::Mat decodeNpyImage(const std::uint8_t* data, std::size_t size, const std::string& name = "the .npy file");
cv::Mat readNpyImage(const std::string& path);

// Encodes a CV_32FC3 matrix as an (H, W, 3) '<f4' array, format version 1.0, as numpy.save writes it.
std::vector<std::uint8_t> encodeNpyImage(const cv::Mat& image);
// Written to a temporary file and renamed, so that a failure never leaves half a file.
void writeNpyImage(const std::string& path, const cv::Mat& image);

}  // namespace synthscope
