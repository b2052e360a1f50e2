#include "engine/labelled_set.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>

#include "engine/csv_table.h"
#include "engine/errors.h"
#include "engine/file_collector.h"

namespace synthscope {
namespace {

namespace fs = std::filesystem;

std::string parentFolder(const std::string& file) {
    const auto slash = file.rfind('/');
    return slash == std::string::npos ? std::string(".") : file.substr(0, slash);
}

bool isOneOf(const std::string& s, std::initializer_list<const char*> words) {
    return std::any_of(words.begin(), words.end(), [&](const char* w) { return s == w; });
}

}  // namespace

LabelledSet readLabelCsv(const std::string& csvPath) {
    const CsvTable t = readCsv(csvPath);
    const int fileCol = t.column("file"), labelCol = t.column("label"), generatorCol = t.column("generator");
    if (fileCol < 0 || labelCol < 0) throw badInput(csvPath + ": the header must name the columns \"file\" and \"label\"");
    const fs::path base = fs::path(csvPath).parent_path();
    LabelledSet set;
    for (const auto& [number, fields] : t.rows) {
        LabelledImage img;
        img.file = fields[std::size_t(fileCol)];
        if (img.file.empty()) throw badInput(csvPath + ", line " + std::to_string(number) + ": empty file name");
        const std::string label = fields[std::size_t(labelCol)];
        if (isOneOf(label, {"fake", "synthetic", "1"})) img.fake = true;
        else if (!isOneOf(label, {"real", "authentic", "0"}))
            throw badInput(csvPath + ", line " + std::to_string(number) + ": label \"" + label +
                           "\" is not real/fake, authentic/synthetic or 0/1");
        img.generator = generatorCol >= 0 ? fields[std::size_t(generatorCol)] : std::string();
        if (img.generator.empty()) img.generator = img.fake ? "unknown" : "real";
        img.path = fs::path(img.file).is_absolute() ? img.file : (base / img.file).string();
        img.folder = parentFolder(img.file);
        set.images.push_back(std::move(img));
    }
    return set;
}

LabelledSet readLabelledFolder(const std::string& root, const std::string& forcedLabel) {
    if (!fs::is_directory(root)) throw badInput(root + " is not a folder");
    if (!forcedLabel.empty() && forcedLabel != "real" && forcedLabel != "fake")
        throw badInput("the forced label must be \"real\" or \"fake\"");
    const CollectedFiles files = collectImageFiles({root});
    LabelledSet set;
    set.warnings = files.errors;
    const std::string rootName = fs::path(root).lexically_normal().filename().string().empty()
                                     ? fs::path(root).lexically_normal().parent_path().filename().string()
                                     : fs::path(root).lexically_normal().filename().string();
    for (const std::string& path : files.images) {
        LabelledImage img;
        img.path = path;
        img.file = fs::path(path).lexically_relative(root).generic_string();
        img.folder = img.file.find('/') == std::string::npos ? rootName : parentFolder(img.file);
        std::vector<std::string> dirs;
        for (const fs::path& part : fs::path(img.file).parent_path()) dirs.push_back(part.string());
        if (!forcedLabel.empty()) {
            img.fake = forcedLabel == "fake";
            img.generator = img.fake ? rootName : "real";
        } else {
            img.fake = std::none_of(dirs.begin(), dirs.end(), [](const std::string& d) { return isOneOf(d, {"real", "0_real", "authentic"}); });
            img.generator = img.fake ? rootName : "real";
            if (img.fake)
                for (auto d = dirs.rbegin(); d != dirs.rend(); ++d)
                    if (!isOneOf(*d, {"fake", "1_fake", "synthetic"})) {
                        img.generator = *d;
                        break;
                    }
        }
        set.images.push_back(std::move(img));
    }
    return set;
}

std::map<std::string, std::string> readSplitCsv(const std::string& splitPath) {
    const CsvTable t = readCsv(splitPath);
    const int fileCol = t.column("file"), splitCol = t.column("split");
    if (fileCol < 0 || splitCol < 0) throw badInput(splitPath + ": the header must name the columns \"file\" and \"split\"");
    std::map<std::string, std::string> split;
    for (const auto& [number, fields] : t.rows)
        if (!split.emplace(fields[std::size_t(fileCol)], fields[std::size_t(splitCol)]).second)
            throw badInput(splitPath + ", line " + std::to_string(number) + ": " + fields[std::size_t(fileCol)] + " is listed twice");
    return split;
}

LabelledSet restrictToSplit(LabelledSet set, const std::map<std::string, std::string>& split, const std::string& name) {
    LabelledSet out;
    out.warnings = std::move(set.warnings);
    std::size_t unlisted = 0;
    for (LabelledImage& img : set.images) {
        const auto it = split.find(img.file);
        if (it == split.end()) ++unlisted;
        else if (it->second == name) out.images.push_back(std::move(img));
    }
    if (unlisted > 0)
        out.warnings.push_back(std::to_string(unlisted) + " images are not in the split file and were left out");
    return out;
}

std::vector<LabelledImage> evenSubset(const std::vector<LabelledImage>& images, std::size_t n) {
    if (n >= images.size()) return images;
    std::vector<LabelledImage> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(images[i * images.size() / n]);
    return out;
}

std::vector<LabelledImage> randomSubset(const std::vector<LabelledImage>& images, std::size_t n, std::uint32_t seed) {
    if (n >= images.size()) return images;
    std::vector<std::size_t> index(images.size());
    std::iota(index.begin(), index.end(), 0);
    // A fixed engine and our own draw (not std::shuffle, whose algorithm differs between libraries), so
    // a seed picks the same images everywhere.
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t j = i + std::size_t(rng() % (images.size() - i));
        std::swap(index[i], index[j]);
    }
    std::sort(index.begin(), index.begin() + long(n));
    std::vector<LabelledImage> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(images[index[i]]);
    return out;
}

}  // namespace synthscope
