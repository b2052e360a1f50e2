#pragma once
// Shared by the harnesses whose parser reads files rather than bytes (fingerprints, case files): a
// private temporary folder for this process and a way to put the fuzz input into a file there.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

// <tmp>/synthscope-fuzz-<harness>-<pid>, created on the first call. One harness runs per process, so
// the first name given is the folder for the whole run.
inline const std::filesystem::path& scratchFolder(const char* harness) {
    static const std::filesystem::path dir = [harness] {
        auto d = std::filesystem::temp_directory_path() / ("synthscope-fuzz-" + std::string(harness) + "-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

inline void writeFile(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
}
