#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace synthscope {

// Lower-case hex SHA-256 (Qt's QCryptographicHash does the work).
std::string sha256Hex(const std::vector<std::uint8_t>& bytes);
// Streams the file; throws EngineError(BadInput) if it cannot be read.
std::string sha256OfFile(const std::string& path);

}  // namespace synthscope
