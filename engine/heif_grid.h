#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

namespace synthscope {

struct HeifGrid {
    std::uint32_t width = 0, height = 0;  // the output size the grid declares
    bool derivedTile = false;             // a tile is itself a derived image: the grid, another grid, an overlay
    bool readable = false;                // its descriptor and its tile references (iref/dimg) were read cleanly
};

// What a HEIF file's primary image declares when it is a grid of tiles (as iPhones save photos), read
// from the ISO BMFF boxes themselves (meta: pitm, iinf/infe, iloc, idat, iref); nullopt when the primary
// image is not a grid or the boxes that say so cannot be read. libheif 1.15 (Debian 12) allocates the grid's
// canvas from this size without comparing it with the image's own size (ispe), and then crashes while
// placing the tiles: a 541-byte file found by fuzzing declared 26228x31088 behind an ispe of 24x16.
// Another file named the grid itself as its tile: libheif followed it round for 14 s and 2.5 GB.
// heif_decoder.cpp refuses both before libheif decodes them. Never reads outside [data, data+size);
// never throws.
std::optional<HeifGrid> heifPrimaryGrid(const std::uint8_t* data, std::size_t size);

}  // namespace synthscope
