#pragma once
#include <string>
#include <vector>

namespace synthscope {

struct CollectedFiles {
    std::vector<std::string> images;  // sorted by name within each folder
    std::vector<std::string> errors;  // paths that do not exist or folders that cannot be read
};

// Expands files and folders (recursively, files of a folder before its subfolders) into image files, by extension (.jpg .jpeg .png .webp .tif
// .tiff .bmp, any case). A file named explicitly is always kept, whatever its extension: the loader
// sniffs the real format. Unreadable folders are reported, not fatal; symbolic-link loops are skipped.
CollectedFiles collectImageFiles(const std::vector<std::string>& paths);

bool hasImageExtension(const std::string& path);

}  // namespace synthscope
