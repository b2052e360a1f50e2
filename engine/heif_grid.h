#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

namespace synthscope {

struct GridSize {
    std::uint32_t width = 0, height = 0;
};

// The output size a HEIF file's primary image declares when it is a grid of tiles (as iPhones save
// photos), read from the ISO BMFF boxes themselves (meta: pitm, iinf/infe, iloc, idat); nullopt when the
// primary image is not a grid or the boxes cannot be read. libheif 1.15 (Debian 12) allocates the grid's
// canvas from this size without comparing it with the image's own size (ispe), and then crashes while
// placing the tiles: a 541-byte file found by fuzzing declared 26228x31088 behind an ispe of 24x16.
// heif_decoder.cpp refuses a file whose two sizes disagree before libheif decodes it. Never reads outside
// [data, data+size); never throws.
std::optional<GridSize> heifPrimaryGridSize(const std::uint8_t* data, std::size_t size);

}  // namespace synthscope
