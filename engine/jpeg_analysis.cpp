#include "engine/jpeg_analysis.h"

#include <csetjmp>
#include <cstdio>
#include <sstream>

#include <jpeglib.h>

#include "engine/image_format.h"
#include "engine/jpeg_quality.h"

namespace synthscope {
namespace {

// Same limit as the image loader's default: refuse to allocate coefficient arrays for a decompression bomb.
constexpr std::int64_t kMaxPixels = 250'000'000;
constexpr std::size_t kMaxWarnings = 8;

// libjpeg reports fatal errors through error_exit, which must not return: jump back to the reader.
// Everything between setjmp and longjmp is C (libjpeg) or trivially destructible, so no destructor is skipped.
struct ErrorManager {
    jpeg_error_mgr base;  // first member: libjpeg casts cinfo->err to it
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    std::vector<std::string>* warnings;
};

void onFatalError(j_common_ptr cinfo) {
    auto* m = reinterpret_cast<ErrorManager*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, m->message);
    std::longjmp(m->jump, 1);
}

// Warnings (corrupt data, premature end) are collected instead of printed to stderr.
void onMessage(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    auto* m = reinterpret_cast<ErrorManager*>(cinfo->err);
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (m->warnings->size() < kMaxWarnings) m->warnings->emplace_back(text);
    ++cinfo->err->num_warnings;
}

const char* colorSpaceName(J_COLOR_SPACE s) {
    switch (s) {
    case JCS_GRAYSCALE: return "grey";
    case JCS_RGB: return "RGB";
    case JCS_YCbCr: return "YCbCr";
    case JCS_CMYK: return "CMYK";
    case JCS_YCCK: return "YCCK";
    default: return "unknown";
    }
}

std::string subsamplingName(const jpeg_decompress_struct& c) {
    if (c.num_components == 1) return "grey";
    const int h0 = c.comp_info[0].h_samp_factor, v0 = c.comp_info[0].v_samp_factor;
    bool chromaEqual = true;
    for (int i = 2; i < c.num_components; ++i)
        chromaEqual &= c.comp_info[i].h_samp_factor == c.comp_info[1].h_samp_factor &&
                       c.comp_info[i].v_samp_factor == c.comp_info[1].v_samp_factor;
    const int h1 = c.comp_info[1].h_samp_factor, v1 = c.comp_info[1].v_samp_factor;
    if (chromaEqual && h1 == 1 && v1 == 1) {
        if (h0 == 1 && v0 == 1) return "4:4:4";
        if (h0 == 2 && v0 == 2) return "4:2:0";
        if (h0 == 2 && v0 == 1) return "4:2:2";
        if (h0 == 1 && v0 == 2) return "4:4:0";
        if (h0 == 4 && v0 == 1) return "4:1:1";
    }
    std::string s;
    for (int i = 0; i < c.num_components; ++i)
        s += (i ? "," : "") + std::to_string(c.comp_info[i].h_samp_factor) + "x" + std::to_string(c.comp_info[i].v_samp_factor);
    return s;
}

// Reads headers, tables and the first component's coefficients. Returns false (with out.error) on a fatal
// libjpeg error. Only trivially destructible locals live in this function (see ErrorManager).
bool readWithLibjpeg(const std::uint8_t* data, std::size_t size, JpegAnalysis& out, DctPlane& luma) {
    jpeg_decompress_struct cinfo;
    ErrorManager err;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = onFatalError;
    err.base.emit_message = onMessage;
    err.warnings = &out.decoderWarnings;
    if (setjmp(err.jump)) {
        out.error = err.message;
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
    jpeg_read_header(&cinfo, TRUE);
    out.width = int(cinfo.image_width);
    out.height = int(cinfo.image_height);
    out.components = cinfo.num_components;
    out.progressive = cinfo.progressive_mode;
    out.colorSpace = colorSpaceName(cinfo.jpeg_color_space);
    out.subsampling = subsamplingName(cinfo);
    for (int i = 0; i < NUM_QUANT_TBLS; ++i) {
        const JQUANT_TBL* t = cinfo.quant_tbl_ptrs[i];
        if (!t) continue;
        JpegQuantTable table;
        table.index = i;
        for (int k = 0; k < 64; ++k) table.values[std::size_t(k)] = t->quantval[k];  // libjpeg keeps natural order
        out.tables.push_back(table);
    }
    for (int c = 0; c < cinfo.num_components; ++c) {
        // libjpeg checks the slot only when it reads the coefficients; refuse it here so that no
        // impossible slot is ever reported (found by the jpeg_analysis fuzzer).
        const int slot = cinfo.comp_info[c].quant_tbl_no;
        if (slot < 0 || slot >= NUM_QUANT_TBLS) {
            out.error = "component " + std::to_string(c + 1) + " names quantisation table " + std::to_string(slot) +
                        ", which cannot exist (slots 0-3)";
            jpeg_destroy_decompress(&cinfo);
            return false;
        }
        out.componentTables.push_back(slot);
    }
    if (std::int64_t(cinfo.image_width) * cinfo.image_height > kMaxPixels) {
        out.error = "the image is " + std::to_string(cinfo.image_width) + "x" + std::to_string(cinfo.image_height) +
                    " pixels, more than the " + std::to_string(kMaxPixels / 1'000'000) + " megapixels SynthScope analyses";
        jpeg_destroy_decompress(&cinfo);
        return false;
    }

    // libjpeg allocates every component's coefficients before reading any data (see jpegFrameFitsInFile).
    if (!jpegFrameFitsInFile(cinfo.image_width, cinfo.image_height, size, cinfo.arith_code)) {
        out.error = "the header claims " + std::to_string(cinfo.image_width) + "x" + std::to_string(cinfo.image_height) +
                    " pixels, but " + std::to_string(size) + " bytes cannot hold them (less than one bit per 8x8 block)";
        jpeg_destroy_decompress(&cinfo);
        return false;
    }

    jvirt_barray_ptr* arrays = jpeg_read_coefficients(&cinfo);
    const jpeg_component_info& comp = cinfo.comp_info[0];
    luma.blocksWide = int(comp.width_in_blocks);
    luma.blocksHigh = int(comp.height_in_blocks);
    luma.coefficients.resize(std::size_t(luma.blocksWide) * luma.blocksHigh * 64);
    const JQUANT_TBL* q = comp.quant_table ? comp.quant_table : cinfo.quant_tbl_ptrs[comp.quant_tbl_no];
    if (q)
        for (int k = 0; k < 64; ++k) luma.quant[std::size_t(k)] = q->quantval[k];
    for (JDIMENSION row = 0; row < comp.height_in_blocks; ++row) {
        JBLOCKARRAY rows = (*cinfo.mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(&cinfo), arrays[0], row, 1, FALSE);
        for (JDIMENSION col = 0; col < comp.width_in_blocks; ++col) {
            std::int16_t* dst = &luma.coefficients[(std::size_t(row) * luma.blocksWide + col) * 64];
            for (int k = 0; k < 64; ++k) dst[k] = rows[0][col][k];
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return true;
}

std::string fixed(double v, int decimals) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(decimals);
    s << v;
    return s.str();
}

const std::array<std::uint16_t, 64>* tableInSlot(const JpegAnalysis& a, int slot) {
    for (const JpegQuantTable& t : a.tables)
        if (t.index == slot) return &t.values;
    return nullptr;
}

void estimateQuality(JpegAnalysis& a) {
    if (a.componentTables.empty()) return;
    const auto* luminance = tableInSlot(a, a.componentTables[0]);
    if (!luminance) return;
    // Chrominance only when the file is YCbCr and the chroma components use another table than luminance.
    const std::array<std::uint16_t, 64>* chrominance = nullptr;
    if (a.colorSpace == "YCbCr" && a.componentTables.size() >= 2 && a.componentTables[1] != a.componentTables[0])
        chrominance = tableInSlot(a, a.componentTables[1]);
    const QualityEstimate q = estimateIjgQuality(*luminance, chrominance);
    a.estimatedQuality = q.quality;
    a.qualityFitError = q.meanAbsError;
    a.standardTables = q.exact;
    if (q.exact)
        a.findings.push_back(infoFinding("The quantisation tables are libjpeg's standard tables at quality " + std::to_string(q.quality) +
                                         " exactly (as written by libjpeg, OpenCV, Pillow, GIMP and most web software)."));
    else
        a.findings.push_back(infoFinding("The quantisation tables are not libjpeg's standard tables (nearest: quality " +
                                         std::to_string(q.quality) + ", off by " + fixed(q.meanAbsError, 1) +
                                         " steps per entry on average): a camera, an editor or an encoder with its own tables wrote them."));
}

void judgeDoubleCompression(JpegAnalysis& a, const DctPlane& luma) {
    a.doubleCompression = detectDoubleQuantization(luma);
    const DoubleQuantResult& d = a.doubleCompression;
    if (!d.analysed) {
        a.doubleCompressionFinding = "Double compression was not assessed: the image is too small or too flat for coefficient statistics.";
        a.findings.push_back(infoFinding(a.doubleCompressionFinding));
        return;
    }
    a.doubleCompressionSuspected = d.score >= kDoubleCompressionThreshold;
    const std::string score = " (score " + fixed(d.score, 2) + ")";
    if (a.doubleCompressionSuspected) {
        std::string text = "Signs of double JPEG compression" + score +
                           ": the luminance coefficient histograms fit an earlier compression with other quantisation steps";
        if (d.primaryQuality > 0) text += ", consistent with a first save at about quality " + std::to_string(d.primaryQuality);
        text += ". The file was re-saved at least once; this is its history, not evidence of synthesis or tampering by itself.";
        a.doubleCompressionFinding = text;
        a.findings.push_back(noticeFinding(text));
    } else {
        a.doubleCompressionFinding = "No sign of an earlier JPEG compression on the same grid" + score +
                                     " (re-saving at the same quality, or resizing/cropping between saves, would not show).";
        a.findings.push_back(infoFinding(a.doubleCompressionFinding));
    }
}

}  // namespace

JpegAnalysis analyzeJpeg(const std::vector<std::uint8_t>& bytes) { return analyzeJpeg(bytes.data(), bytes.size()); }

JpegAnalysis analyzeJpeg(const std::uint8_t* data, std::size_t size) {
    JpegAnalysis a;
    a.isJpeg = data && size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
    if (!a.isJpeg) {
        a.findings.push_back(infoFinding("Not a JPEG file: there is no JPEG compression history to analyse."));
        return a;
    }
    DctPlane luma;
    a.readable = readWithLibjpeg(data, size, a, luma);
    if (!a.readable) {
        a.findings.push_back(errorFinding("The JPEG data could not be read (" + a.error + "): the file is corrupt or cut short."));
        return a;
    }
    if (!a.decoderWarnings.empty())
        a.findings.push_back(errorFinding("The JPEG data is damaged (libjpeg: " + a.decoderWarnings.front() +
                                          "); the analyses below used what could be decoded and may be unreliable."));
    estimateQuality(a);
    judgeDoubleCompression(a, luma);
    return a;
}

}  // namespace synthscope
