#include "engine/file_collector.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <system_error>

namespace synthscope {
namespace fs = std::filesystem;
namespace {

// Depth-first walk that reports every folder it cannot read and visits each real folder once
// (followed symbolic links cannot make it loop).
void walk(const fs::path& dir, std::set<fs::path>& visited, std::vector<std::string>& images, std::vector<std::string>& errors) {
    std::error_code ec;
    const fs::path canonical = fs::canonical(dir, ec);
    if (ec || !visited.insert(canonical).second) return;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        errors.push_back(dir.string() + ": cannot read folder (" + ec.message() + ")");
        return;
    }
    std::vector<fs::path> files, subdirs;
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) {
            errors.push_back(dir.string() + ": error while listing (" + ec.message() + ")");
            break;
        }
        std::error_code typeError;
        if (it->is_directory(typeError)) subdirs.push_back(it->path());
        else if (it->is_regular_file(typeError) && hasImageExtension(it->path().string())) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    std::sort(subdirs.begin(), subdirs.end());
    for (const fs::path& f : files) images.push_back(f.string());
    for (const fs::path& d : subdirs) walk(d, visited, images, errors);
}

// Why a path given by name leads to nothing: not there, a link to nothing or to itself, or a folder on
// the way that cannot be searched ("no such file" would send the user looking in the wrong place).
std::string whyNotFound(const std::string& path, const std::error_code& ec) {
    if (ec == std::errc::too_many_symbolic_link_levels) return "a symbolic link that leads back to itself (a loop)";
    if (ec == std::errc::permission_denied) return "cannot be reached: a folder on its way may not be searched (permission denied)";
    std::error_code linkError;
    if (fs::is_symlink(fs::symlink_status(path, linkError))) {
        const fs::path target = fs::read_symlink(path, linkError);
        return "a symbolic link to " + (linkError ? std::string("a path that cannot be read") : target.string()) + ", which does not exist";
    }
    if (ec && ec != std::errc::no_such_file_or_directory) return "cannot be reached: " + ec.message();
    return "no such file or folder";
}

}  // namespace

bool hasImageExtension(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    static const std::set<std::string> known{".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".avif"};
    return known.count(ext) > 0;
}

CollectedFiles collectImageFiles(const std::vector<std::string>& paths) {
    CollectedFiles out;
    std::set<fs::path> visited;
    for (const std::string& path : paths) {
        std::error_code ec;
        const fs::file_status status = fs::status(path, ec);
        if (ec || !fs::exists(status)) out.errors.push_back(path + ": " + whyNotFound(path, ec));
        else if (fs::is_directory(status)) walk(path, visited, out.images, out.errors);
        else out.images.push_back(path);
    }
    return out;
}

}  // namespace synthscope
