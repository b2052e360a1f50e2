#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace synthscope {

// Whether a file carries a C2PA manifest store ("Content Credentials"): a JUMBF superbox labelled "c2pa",
// in JPEG APP11 segments, a PNG caBX chunk or a WebP "C2PA" chunk. This is detection only: the
// manifest's signature and its binding to the pixels are NOT verified, so nothing it says can be trusted
// from this alone (check it with a C2PA validator such as c2patool).
struct C2paDetection {
    bool present = false;
    std::string container;                    // "JPEG APP11", "PNG caBX", "WebP C2PA"; empty when absent
    std::size_t bytes = 0;                    // size of the manifest store data found
    std::vector<std::string> mentions;        // notable strings inside it (digital source types, c2pa.actions...)
};

// Never reads outside [data, data + size); never throws for bad input.
C2paDetection detectC2pa(const std::uint8_t* data, std::size_t size);

// The notable strings that occur in an (unverified) manifest's bytes: IPTC digital source types and C2PA
// action names.
std::vector<std::string> c2paMentions(const std::uint8_t* data, std::size_t size);

}  // namespace synthscope
