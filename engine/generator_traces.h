#pragma once
#include <string>
#include <vector>

#include "engine/finding.h"
#include "engine/metadata.h"

namespace synthscope {

// One image generator or generation front end that writes its name into files.
struct KnownGenerator {
    std::string name;                  // as reported ("Midjourney")
    std::vector<std::string> spellings;  // matched case-insensitively as whole words ("dall-e", "dall·e", "dalle")
};

// The one list of generator names SynthScope looks for in Software, CreatorTool and similar fields.
const std::vector<KnownGenerator>& knownGenerators();

// The generator named in `text` (whole-word, case-insensitive), or empty.
std::string generatorNamedIn(const std::string& text);

// Whether `text` looks like the generation parameters the AUTOMATIC1111 / Forge web UI writes
// ("<prompt>\nNegative prompt: ...\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: ...").
bool looksLikeA1111Parameters(const std::string& text);

// The traces of generators in a report whose entries (exif, xmp, iptc, pngText, c2pa, digitalSourceType)
// are filled in: "strong" for an explicit declaration (generation parameters, a generator's workflow, a
// DigitalSourceType of trained algorithmic media, a Software tag naming a generator), "notice" for weaker or
// unverified hints. One finding per trace, in plain language.
std::vector<Finding> findGeneratorTraces(const MetadataReport& report);

}  // namespace synthscope
