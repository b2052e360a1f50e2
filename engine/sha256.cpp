#include "engine/sha256.h"

#include <QCryptographicHash>

#include <fstream>

#include "engine/errors.h"

namespace synthscope {

std::string sha256Hex(const std::vector<std::uint8_t>& bytes) {
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayView(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())));
    return hash.result().toHex().toStdString();
}

std::string sha256OfFile(const std::string& path) {
    // std::ifstream takes the path as bytes, so names that are not UTF-8 work too.
    std::ifstream in(path, std::ios::binary);
    if (!in) throw badInput("cannot open " + path);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    std::vector<char> buffer(1 << 16);
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        hash.addData(QByteArrayView(buffer.data(), qsizetype(in.gcount())));
    }
    if (in.bad()) throw badInput("read error in " + path);
    return hash.result().toHex().toStdString();
}

}  // namespace synthscope
