#include "engine/heif_grid.h"

#include <cstring>
#include <map>
#include <string>

namespace synthscope {
namespace {

// A bounded big-endian reader over [begin, end): every read past the end sets `bad` and yields 0.
struct Reader {
    const std::uint8_t* p;
    const std::uint8_t* end;
    bool bad = false;

    std::uint64_t read(int bytes) {
        if (bytes < 0 || bytes > 8 || end - p < bytes) {
            bad = true;
            p = end;
            return 0;
        }
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i) v = (v << 8) | *p++;
        return v;
    }
    void skip(std::uint64_t bytes) {
        if (std::uint64_t(end - p) < bytes) bad = true, p = end;
        else p += bytes;
    }
    std::size_t left() const { return std::size_t(end - p); }
};

struct Box {
    char type[5] = {};
    const std::uint8_t* body = nullptr;  // after the header
    std::size_t bodySize = 0;
};

// The next box of [r.p, r.end); false at the end or on a malformed header.
bool nextBox(Reader& r, Box& box) {
    if (r.left() < 8) return false;
    const std::uint8_t* start = r.p;
    std::uint64_t size = r.read(4);
    std::memcpy(box.type, r.p, 4);
    r.skip(4);
    if (size == 1) size = r.read(8);
    else if (size == 0) size = std::uint64_t(r.end - start);
    const std::uint64_t header = std::uint64_t(r.p - start);
    if (r.bad || size < header || size > std::uint64_t(r.end - start)) return false;
    box.body = r.p;
    box.bodySize = std::size_t(size - header);
    r.p = start + size;
    return true;
}

struct Location {
    int method = 0;  // 0: file offsets, 1: offsets into idat
    std::uint64_t offset = 0, length = 0;
    bool found = false;
};

}  // namespace

std::optional<HeifGrid> heifPrimaryGrid(const std::uint8_t* data, std::size_t size) {
    if (!data) return std::nullopt;
    Reader file{data, data + size};
    Box box;
    while (nextBox(file, box))
        if (std::strcmp(box.type, "meta") == 0) break;
    if (std::strcmp(box.type, "meta") != 0 || box.bodySize < 4) return std::nullopt;

    Reader meta{box.body + 4, box.body + box.bodySize};  // after the full box's version and flags
    std::uint32_t primary = 0;
    bool havePrimary = false, primaryIsGrid = false;
    std::map<std::uint32_t, std::string> itemTypes;  // from iinf
    Location where;
    const std::uint8_t* idat = nullptr;
    std::size_t idatSize = 0;
    // iinf and iloc may come in either order: both are read, then matched against pitm.
    Box iinf, iloc, iref;
    bool haveIinf = false, haveIloc = false, haveIref = false;
    while (nextBox(meta, box)) {
        Reader b{box.body, box.body + box.bodySize};
        if (std::strcmp(box.type, "pitm") == 0) {
            const int version = int(b.read(1));
            b.skip(3);
            primary = std::uint32_t(b.read(version == 0 ? 2 : 4));
            havePrimary = !b.bad;
        } else if (std::strcmp(box.type, "iinf") == 0) {
            iinf = box, haveIinf = true;
        } else if (std::strcmp(box.type, "iloc") == 0) {
            iloc = box, haveIloc = true;
        } else if (std::strcmp(box.type, "iref") == 0) {
            iref = box, haveIref = true;
        } else if (std::strcmp(box.type, "idat") == 0) {
            idat = box.body, idatSize = box.bodySize;
        }
    }
    if (!havePrimary || !haveIinf || !haveIloc) return std::nullopt;

    {  // iinf: is the primary item a grid?
        Reader b{iinf.body, iinf.body + iinf.bodySize};
        const int version = int(b.read(1));
        b.skip(3);
        b.skip(version == 0 ? 2 : 4);  // entry count: the boxes themselves are walked
        Box infe;
        while (!b.bad && nextBox(b, infe)) {
            if (std::strcmp(infe.type, "infe") != 0) continue;
            Reader e{infe.body, infe.body + infe.bodySize};
            const int v = int(e.read(1));
            e.skip(3);
            if (v < 2) continue;  // versions 0 and 1 carry no item type
            const std::uint32_t id = std::uint32_t(e.read(v == 2 ? 2 : 4));
            e.skip(2);  // protection index
            char type[5] = {};
            if (e.left() < 4) continue;
            std::memcpy(type, e.p, 4);
            itemTypes[id] = type;
        }
        primaryIsGrid = itemTypes.count(primary) && itemTypes[primary] == "grid";
    }
    if (!primaryIsGrid) return std::nullopt;

    HeifGrid out;
    if (haveIref) {  // the grid's tiles ('dimg' references from it): coded images, never derived ones
        Reader b{iref.body, iref.body + iref.bodySize};
        const int version = int(b.read(1));
        b.skip(3);
        const int idBytes = version == 0 ? 2 : 4;
        Box reference;
        bool tiles = false;
        while (!b.bad && nextBox(b, reference)) {
            if (std::strcmp(reference.type, "dimg") != 0) continue;
            Reader r{reference.body, reference.body + reference.bodySize};
            const std::uint32_t from = std::uint32_t(r.read(idBytes));
            const std::uint64_t count = r.read(2);
            for (std::uint64_t i = 0; i < count && !r.bad; ++i) {
                const std::uint32_t to = std::uint32_t(r.read(idBytes));
                if (from != primary || r.bad) continue;
                tiles = true;
                const auto type = itemTypes.find(to);
                if (to == primary || (type != itemTypes.end() && (type->second == "grid" || type->second == "iovl" || type->second == "iden")))
                    out.derivedTile = true;
            }
            if (r.bad) b.bad = true;
        }
        // Every reference box read to its end: libheif reads a malformed one more leniently than this, so
        // what cannot be read here is not passed on.
        out.readable = tiles && !b.bad && b.left() == 0;
    }

    {  // iloc: where the grid's descriptor is
        Reader b{iloc.body, iloc.body + iloc.bodySize};
        const int version = int(b.read(1));
        b.skip(3);
        const int sizes = int(b.read(1));
        const int offsetSize = sizes >> 4, lengthSize = sizes & 15;
        const int sizes2 = int(b.read(1));
        const int baseOffsetSize = sizes2 >> 4, indexSize = version >= 1 ? (sizes2 & 15) : 0;
        const std::uint64_t items = b.read(version < 2 ? 2 : 4);
        for (std::uint64_t i = 0; i < items && !b.bad && !where.found; ++i) {
            const std::uint32_t id = std::uint32_t(b.read(version < 2 ? 2 : 4));
            const int method = version >= 1 ? int(b.read(2) & 15) : 0;
            b.skip(2);  // data reference index
            const std::uint64_t base = b.read(baseOffsetSize);
            const std::uint64_t extents = b.read(2);
            for (std::uint64_t x = 0; x < extents && !b.bad; ++x) {
                b.read(indexSize);
                const std::uint64_t offset = b.read(offsetSize), length = b.read(lengthSize);
                if (id == primary && x == 0) where = {method, base + offset, length, true};
            }
        }
        if (b.bad || !where.found) {  // a grid whose description cannot be located
            out.readable = false;
            return out;
        }
    }

    // The descriptor: version, flags (bit 0: 32-bit sizes), rows - 1, columns - 1, output width, height.
    const std::uint8_t* source = where.method == 1 ? idat : where.method == 0 ? data : nullptr;
    const std::size_t sourceSize = where.method == 1 ? idatSize : size;
    if (!source || where.offset > sourceSize || where.length > sourceSize - where.offset) {
        out.readable = false;
        return out;
    }
    Reader g{source + where.offset, source + where.offset + where.length};
    const int version = int(g.read(1));
    const int flags = int(g.read(1));
    g.skip(2);
    const int fieldBytes = (flags & 1) ? 4 : 2;
    out.width = std::uint32_t(g.read(fieldBytes));
    out.height = std::uint32_t(g.read(fieldBytes));
    if (g.bad || version != 0) out.readable = false;  // version 0 is the only one defined
    return out;
}

}  // namespace synthscope
