#include "tests/unit/test_support.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <QProcess>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // Exiv2 0.27's std::auto_ptr
#include <exiv2/exiv2.hpp>
#pragma GCC diagnostic pop

#ifdef SYNTHSCOPE_HAVE_LIBHEIF
#include <libheif/heif.h>
#endif

namespace synthscope::test {

std::string testData(const std::string& name) { return std::string(SYNTHSCOPE_TEST_DATA_DIR) + "/" + name; }
std::string sharedData(const std::string& name) { return std::string(SYNTHSCOPE_SHARED_DATA_DIR) + "/" + name; }
bool sharedDataPresent() { return std::filesystem::is_directory(SYNTHSCOPE_SHARED_DATA_DIR); }

ModelManifest fixtureManifest(const std::string& stem) { return loadManifest(testData(stem + ".json")); }

std::shared_ptr<Detector> fixtureDetector(const std::string& stem) {
    DetectorOptions options;
    options.device = "cpu";
    options.threads = 1;
    return Detector::open(fixtureManifest(stem), options);
}

std::vector<std::uint8_t> withExiv2(const std::vector<std::uint8_t>& bytes, const std::function<void(Exiv2::Image&)>& edit) {
    Exiv2::Image::AutoPtr image = Exiv2::ImageFactory::open(bytes.data(), long(bytes.size()));
    image->readMetadata();
    edit(*image);
    image->writeMetadata();
    Exiv2::BasicIo& io = image->io();
    io.open();
    std::vector<std::uint8_t> out(std::size_t(io.size()));
    io.seek(0, Exiv2::BasicIo::beg);
    io.read(out.data(), long(out.size()));
    io.close();
    return out;
}

std::vector<std::uint8_t> encodeHeif(const cv::Mat& rgb, bool avif, const std::vector<std::uint8_t>& exifTiff, const std::string& xmpPacket,
                                     const HeifExtras& extras) {
#ifndef SYNTHSCOPE_HAVE_LIBHEIF
    (void)rgb, (void)avif, (void)exifTiff, (void)xmpPacket, (void)extras;
    return {};
#else
    heif_context* context = heif_context_alloc();
    heif_encoder* encoder = nullptr;
    heif_image* image = nullptr;
    heif_image_handle* handle = nullptr;
    EXPECT_EQ(heif_context_get_encoder_for_format(context, avif ? heif_compression_AV1 : heif_compression_HEVC, &encoder).code, heif_error_Ok);
    heif_encoder_set_lossy_quality(encoder, 95);
    const bool tenBit = rgb.depth() == CV_16U;  // values 0-1023, stored little-endian as libheif's RRGGBB_LE wants
    EXPECT_EQ(heif_image_create(rgb.cols, rgb.rows, heif_colorspace_RGB, tenBit ? heif_chroma_interleaved_RRGGBB_LE : heif_chroma_interleaved_RGB, &image).code,
              heif_error_Ok);
    EXPECT_EQ(heif_image_add_plane(image, heif_channel_interleaved, rgb.cols, rgb.rows, tenBit ? 10 : 8).code, heif_error_Ok);
    int stride = 0;
    std::uint8_t* plane = heif_image_get_plane(image, heif_channel_interleaved, &stride);
    for (int y = 0; y < rgb.rows; ++y) std::memcpy(plane + std::size_t(y) * std::size_t(stride), rgb.ptr(y), std::size_t(rgb.cols) * rgb.elemSize());
    EXPECT_EQ(heif_context_encode_image(context, image, encoder, nullptr, &handle).code, heif_error_Ok);
    if (!exifTiff.empty())
        EXPECT_EQ(heif_context_add_exif_metadata(context, handle, exifTiff.data(), int(exifTiff.size())).code, heif_error_Ok);
    if (!xmpPacket.empty())
        EXPECT_EQ(heif_context_add_XMP_metadata(context, handle, xmpPacket.data(), int(xmpPacket.size())).code, heif_error_Ok);
    if (extras.thumbnailSide > 0) {
        heif_image_handle* thumbnail = nullptr;
        EXPECT_EQ(heif_context_encode_thumbnail(context, image, handle, encoder, nullptr, extras.thumbnailSide, &thumbnail).code, heif_error_Ok);
        heif_image_handle_release(thumbnail);
    }
    for (int i = 0; i < extras.moreTopLevelImages; ++i) {
        heif_image_handle* another = nullptr;
        EXPECT_EQ(heif_context_encode_image(context, image, encoder, nullptr, &another).code, heif_error_Ok);
        heif_image_handle_release(another);
    }
    std::vector<std::uint8_t> bytes;
    heif_writer writer{};
    writer.writer_api_version = 1;
    writer.write = [](heif_context*, const void* data, size_t size, void* out) {
        auto* v = static_cast<std::vector<std::uint8_t>*>(out);
        v->insert(v->end(), static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + size);
        return heif_error{heif_error_Ok, heif_suberror_Unspecified, ""};
    };
    EXPECT_EQ(heif_context_write(context, &writer, &bytes).code, heif_error_Ok);
    heif_image_handle_release(handle);
    heif_image_release(image);
    heif_encoder_release(encoder);
    heif_context_free(context);
    return bytes;
#endif
}

std::vector<std::uint8_t> encodeRgb(const std::string& ext, const cv::Mat& rgb, const std::vector<int>& params) {
    cv::Mat bgr;
    if (rgb.channels() == 3) cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    else bgr = rgb;
    std::vector<std::uint8_t> bytes;
    if (!cv::imencode(ext, bgr, bytes, params)) throw std::runtime_error("imencode failed for " + ext);
    return bytes;
}

void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string writeShellScript(const std::string& dir, const std::string& name, const std::string& body) {
    const std::string path = dir + "/" + name;
    const std::string script = "#!/bin/sh\n" + body + "\n";
    writeBytes(path, std::vector<std::uint8_t>(script.begin(), script.end()));
    ::chmod(path.c_str(), 0755);
    return path;
}

void writeRgb(const std::string& path, const cv::Mat& rgb, const std::vector<int>& params) {
    writeBytes(path, encodeRgb(std::filesystem::path(path).extension().string(), rgb, params));
}

CliRun runCli(const QStringList& args, int timeoutMs) {
    QProcess p;
    p.start(SYNTHSCOPE_CLI, args);
    CliRun run;
    run.finished = p.waitForFinished(timeoutMs);
    EXPECT_TRUE(run.finished) << "synthscope " << args.join(' ').toStdString() << " did not finish in " << timeoutMs << " ms";
    if (!run.finished) p.kill(), p.waitForFinished();
    run.exitCode = p.exitCode();
    run.out = QString::fromUtf8(p.readAllStandardOutput());
    run.err = QString::fromUtf8(p.readAllStandardError());
    return run;
}

}  // namespace synthscope::test
