#pragma once
#include <string>
#include <vector>

#include "engine/image_loader.h"
#include "engine/metadata.h"

namespace synthscope {

// What an investigator notes of a file before its metadata: its name and folder, size, SHA-256 (of the
// bytes analysed), format and stored size as its header says, and when the file system says it was last
// modified (UTC; the file system's word, which copying or editing changes, not evidence of creation).
// Keys are plain words ("File", "SHA-256"); group "File". The modification time is left out when the
// file cannot be found (an image decoded from memory). Read with QFileInfo.
std::vector<MetadataEntry> fileFacts(const LoadedImage& image);

}  // namespace synthscope
