#include "engine/heif_decoder.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "engine/errors.h"
#include "engine/heif_grid.h"

#ifdef SYNTHSCOPE_HAVE_LIBHEIF
#include <libheif/heif.h>
#endif

namespace synthscope {

#ifdef SYNTHSCOPE_HAVE_LIBHEIF

bool heifDecodingAvailable() { return true; }

namespace {

using Context = std::unique_ptr<heif_context, void (*)(heif_context*)>;
using Handle = std::unique_ptr<heif_image_handle, void (*)(const heif_image_handle*)>;

// The parsed container and its primary image: what both the size and the decoding start from.
struct Primary {
    Context context{heif_context_alloc(), heif_context_free};
    Handle handle{nullptr, heif_image_handle_release};
};

std::string failure(const std::string& name, const char* formatName, const std::string& why) {
    return name + ": the " + formatName + " data could not be decoded (" + why + ")";
}

void check(const heif_error& e, const std::string& name, const char* formatName) {
    if (e.code != heif_error_Ok) throw badInput(failure(name, formatName, e.message ? e.message : "libheif error"));
}

Primary openPrimary(const std::vector<std::uint8_t>& bytes, const std::string& name, const char* formatName) {
    Primary p;
    if (!p.context) throw badInput(failure(name, formatName, "out of memory"));
    check(heif_context_read_from_memory_without_copy(p.context.get(), bytes.data(), bytes.size(), nullptr), name, formatName);
    heif_image_handle* handle = nullptr;
    check(heif_context_get_primary_image_handle(p.context.get(), &handle), name, formatName);
    p.handle.reset(handle);
    // A grid must be as large as its image says, and made of coded tiles (heif_grid.h: libheif 1.15
    // trusts the grid, and crashes or recurses).
    if (const std::optional<HeifGrid> grid = heifPrimaryGrid(bytes.data(), bytes.size())) {
        const std::int64_t w = heif_image_handle_get_ispe_width(p.handle.get()), h = heif_image_handle_get_ispe_height(p.handle.get());
        if (!grid->readable)
            throw badInput(failure(name, formatName, "its tile grid's description or references to its tiles cannot be read: a damaged or forged file"));
        if (grid->derivedTile)
            throw badInput(failure(name, formatName, "its tile grid names itself or another derived image as a tile: a damaged or forged file"));
        if (std::int64_t(grid->width) != w || std::int64_t(grid->height) != h)
            throw badInput(failure(name, formatName, "its tile grid declares " + std::to_string(grid->width) + "x" + std::to_string(grid->height) +
                                                         " pixels but its image " + std::to_string(w) + "x" + std::to_string(h) + ": a damaged or forged file"));
    }
    return p;
}

}  // namespace

DecodedPicture decodeHeifInProcess(const std::vector<std::uint8_t>& bytes, const std::string& name, const char* formatName,
                                std::int64_t maxPixels) {
    const Primary p = openPrimary(bytes, name, formatName);
    DecodedPicture picture;
    picture.declared = cv::Size(heif_image_handle_get_width(p.handle.get()), heif_image_handle_get_height(p.handle.get()));
    const int declaredW = picture.declared.width, declaredH = picture.declared.height;
    if (declaredW <= 0 || declaredH <= 0) throw badInput(failure(name, formatName, "no image size in the file"));
    if (declaredW > maxPixels / declaredH) return picture;  // the caller refuses it in its own words
    heif_image* rawImage = nullptr;
    check(heif_decode_image(p.handle.get(), &rawImage, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nullptr), name, formatName);
    const std::unique_ptr<heif_image, void (*)(const heif_image*)> image(rawImage, heif_image_release);
    int stride = 0;
    const std::uint8_t* plane = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
    const int w = heif_image_get_width(image.get(), heif_channel_interleaved);
    const int h = heif_image_get_height(image.get(), heif_channel_interleaved);
    if (!plane || w <= 0 || h <= 0 || stride < 3 * w) throw badInput(failure(name, formatName, "no RGB plane"));
    // The size the loader checked against its pixel limit is the one the file declares; a picture that
    // decodes to another (a tile larger than its grid, found by fuzzing) is not what was checked.
    if (w != declaredW || h != declaredH)
        throw badInput(failure(name, formatName, "it decodes to " + std::to_string(w) + "x" + std::to_string(h) + " pixels but declares " +
                                                     std::to_string(declaredW) + "x" + std::to_string(declaredH) + ": a damaged or forged file"));
    picture.rgb.create(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y) std::memcpy(picture.rgb.ptr(y), plane + std::size_t(y) * std::size_t(stride), std::size_t(w) * 3);
    return picture;
}

namespace {

std::vector<std::string> auxiliaryTypes(const heif_image_handle* primary) {
    const int filter = LIBHEIF_AUX_IMAGE_FILTER_OMIT_ALPHA | LIBHEIF_AUX_IMAGE_FILTER_OMIT_DEPTH;
    const int n = heif_image_handle_get_number_of_auxiliary_images(primary, filter);
    std::vector<heif_item_id> ids(std::size_t(std::max(n, 0)));
    const int listed = heif_image_handle_get_list_of_auxiliary_image_IDs(primary, filter, ids.data(), n);
    std::vector<std::string> types;
    for (int i = 0; i < std::min(listed, n); ++i) {
        heif_image_handle* raw = nullptr;
        if (heif_image_handle_get_auxiliary_image_handle(primary, ids[std::size_t(i)], &raw).code != heif_error_Ok) continue;
        const Handle aux(raw, heif_image_handle_release);
        const char* type = nullptr;
        if (heif_image_handle_get_auxiliary_type(aux.get(), &type).code == heif_error_Ok && type) {
            types.emplace_back(type);
            heif_image_handle_free_auxiliary_types(aux.get(), &type);
        }
    }
    return types;
}

}  // namespace

HeifMetadataBlocks readHeifMetadataInProcess(const std::uint8_t* data, std::size_t size) {
    HeifMetadataBlocks out;
    const Context context(heif_context_alloc(), heif_context_free);
    heif_image_handle* rawHandle = nullptr;
    heif_error e = heif_context_read_from_memory_without_copy(context.get(), data, size, nullptr);
    if (e.code == heif_error_Ok) e = heif_context_get_primary_image_handle(context.get(), &rawHandle);
    if (e.code != heif_error_Ok) {
        out.error = e.message ? e.message : "libheif error";
        return out;
    }
    const Handle handle(rawHandle, heif_image_handle_release);
    out.topLevelImages = heif_context_get_number_of_top_level_images(context.get());
    out.thumbnails = heif_image_handle_get_number_of_thumbnails(handle.get());
    out.depthImages = heif_image_handle_get_number_of_depth_images(handle.get());
    out.auxiliaryTypes = auxiliaryTypes(handle.get());
    const int n = heif_image_handle_get_number_of_metadata_blocks(handle.get(), nullptr);
    std::vector<heif_item_id> ids(std::size_t(std::max(n, 0)));
    heif_image_handle_get_list_of_metadata_block_IDs(handle.get(), nullptr, ids.data(), n);
    for (const heif_item_id id : ids) {
        const std::string type = heif_image_handle_get_metadata_type(handle.get(), id);
        const std::string content = heif_image_handle_get_metadata_content_type(handle.get(), id);
        std::vector<std::uint8_t> block(heif_image_handle_get_metadata_size(handle.get(), id));
        if (block.empty() || heif_image_handle_get_metadata(handle.get(), id, block.data()).code != heif_error_Ok) continue;
        if (type == "Exif" && out.exifTiff.empty() && block.size() > 4) {
            // A 4-byte big-endian offset to the TIFF header comes first; some writers put "Exif\0\0" there.
            std::size_t at = 4 + ((std::size_t(block[0]) << 24) | (std::size_t(block[1]) << 16) | (std::size_t(block[2]) << 8) | block[3]);
            if (at + 6 <= block.size() && std::memcmp(block.data() + at, "Exif\0\0", 6) == 0) at += 6;
            if (at < block.size()) out.exifTiff.assign(block.begin() + std::ptrdiff_t(at), block.end());
        } else if (type == "mime" && content == "application/rdf+xml" && out.xmpPacket.empty()) {
            out.xmpPacket.assign(block.begin(), block.end());
        }
    }
    return out;
}

#else

bool heifDecodingAvailable() { return false; }

HeifMetadataBlocks readHeifMetadataInProcess(const std::uint8_t*, std::size_t) {
    return {{}, {}, "this build of SynthScope cannot read HEIF or AVIF files (no libheif)"};
}

DecodedPicture decodeHeifInProcess(const std::vector<std::uint8_t>&, const std::string& name, const char* formatName, std::int64_t) {
    throw badInput(name + ": a " + std::string(formatName) +
                   " image, and this build of SynthScope cannot decode it: install libheif-dev and rebuild "
                   "(packaging/install-deps.sh does)");
}

#endif

}  // namespace synthscope
