#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

// Labelled images for `synthscope evaluate`: from a CSV like ../shared/data/labels.csv or from a folder
// whose sub-folder names carry the labels, optionally restricted to one split of a split file.
namespace synthscope {

struct LabelledImage {
    std::string file;       // as listed: relative to the CSV's folder or to the labelled folder
    std::string path;       // where to read it
    bool fake = false;
    std::string generator;  // as labelled; "real" for reals when the source does not say
    std::string folder;     // the parent folder of `file` ("real/bsds"; a labelled folder's own name for
                            // files directly inside it), for per-source figures
};

struct LabelledSet {
    std::vector<LabelledImage> images;
    std::vector<std::string> warnings;  // e.g. files the split file does not list
};

// CSV with a header row naming at least "file" and "label" (real/fake, authentic/synthetic or 0/1) and
// optionally "generator"; "file" is relative to the CSV's folder. Fields may be double-quoted.
// Throws EngineError(BadInput) naming the line at fault.
LabelledSet readLabelCsv(const std::string& csvPath);

// A folder searched recursively: an image is real when a folder on its path (below `root`) is named
// real, 0_real or authentic, fake otherwise; a fake's generator is the nearest such folder that is not
// named fake, 1_fake or synthetic (attribution/ldm/x.png -> ldm, dif/mj/1_fake/x.png -> mj).
// forcedLabel "real" or "fake" labels every image so (a folder of camera photos); generator then "real"
// or the folder's name.
LabelledSet readLabelledFolder(const std::string& root, const std::string& forcedLabel = "");

// A CSV "file,split" (models/baseline/split.csv). Throws EngineError(BadInput).
std::map<std::string, std::string> readSplitCsv(const std::string& splitPath);

// Keeps the images whose file the split assigns to `split`; files the split does not list are dropped
// with a warning (they may be newer than the split, so they may have been trained on).
LabelledSet restrictToSplit(LabelledSet set, const std::map<std::string, std::string>& split, const std::string& name);

// n images spread evenly over the list (every (size/n)-th), so each folder keeps its share; or n images
// drawn at random with a seed. Both keep the list's order; n >= size keeps everything.
std::vector<LabelledImage> evenSubset(const std::vector<LabelledImage>& images, std::size_t n);
std::vector<LabelledImage> randomSubset(const std::vector<LabelledImage>& images, std::size_t n, std::uint32_t seed);

}  // namespace synthscope
