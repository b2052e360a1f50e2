#include "engine/decoder_process.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>

#include "engine/decode_sandbox.h"
#include "engine/errors.h"
#include "engine/helper_launcher.h"
#include "engine/raster_decoder.h"

extern char** environ;

// AddressSanitizer (packaging/sanitize.sh) reserves terabytes of address space for its shadow memory, so an
// address-space limit would stop the instrumented helper from allocating anything. There the helper's
// memory limit is ASan's own instead: any one allocation above it fails (decodeHelperAnswersOutOfMemory).
#if defined(__SANITIZE_ADDRESS__)
#define SYNTHSCOPE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYNTHSCOPE_ASAN 1
#endif
#endif

namespace synthscope {

namespace {

// The helper's answer: this magic, a kind, then the kind's fields; numbers are 32-bit little-endian.
//   Pixels:     width, height, an empty text, then width*height*3 bytes of RGB rows
//   AboveLimit: the declared width and height, an empty text (the caller refuses in its own words)
//   Refused:    0, 0, the sentence saying why
//   Metadata:   Exiv2's EXIF, XMP and IPTC entries (each list: a count, then group, key and value texts),
//               the XMP packet, 1 or 0 for a declared thumbnail, the thumbnail's bytes as a text, the
//               problems and the facts (each: a count, then severity and text per finding)
// A text is its length then its bytes.
constexpr char kMagic[8] = {'S', 'S', 'D', 'E', 'C', 'O', '3', '\n'};  // 2: facts added; 3: every image format decoded
enum Answer : std::uint32_t { kPixels = 0, kAboveLimit = 1, kRefused = 2, kMetadata = 3 };

const char* const kHelperName = "synthscope-decode";

// Why a helper run gave no answer; the callers phrase it for a file or for its metadata.
struct HelperFailure {
    ErrorKind kind;
    std::string why;
};

void putU32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xFF));
}
void putText(std::string& out, const std::string& text) {
    putU32(out, std::uint32_t(std::min<std::size_t>(text.size(), UINT32_MAX)));
    out.append(text, 0, std::min<std::size_t>(text.size(), UINT32_MAX));
}

void putEntries(std::string& out, const std::vector<MetadataEntry>& entries) {
    putU32(out, std::uint32_t(entries.size()));
    for (const MetadataEntry& e : entries) {
        putText(out, e.group);
        putText(out, e.key);
        putText(out, e.value);
    }
}

void putFindings(std::string& out, const std::vector<Finding>& findings) {
    putU32(out, std::uint32_t(findings.size()));
    for (const Finding& f : findings) {
        putText(out, f.severity);
        putText(out, f.text);
    }
}

void putReading(std::string& out, const Exiv2Reading& r) {
    putEntries(out, r.exif);
    putEntries(out, r.xmp);
    putEntries(out, r.iptc);
    putText(out, r.xmpPacket);
    putU32(out, r.hasThumbnail ? 1 : 0);
    putText(out, std::string(r.thumbnail.begin(), r.thumbnail.end()));
    putFindings(out, r.problems);
    putFindings(out, r.facts);
}

// Reads an answer with every length checked against what is there.
class AnswerReader {
public:
    AnswerReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool magic() {
        if (size_ < sizeof kMagic || std::memcmp(data_, kMagic, sizeof kMagic) != 0) return false;
        at_ = sizeof kMagic;
        return true;
    }
    bool u32(std::uint32_t& v) {
        if (size_ - at_ < 4) return false;
        v = 0;
        for (int i = 0; i < 4; ++i) v |= std::uint32_t(data_[at_ + std::size_t(i)]) << (8 * i);
        at_ += 4;
        return true;
    }
    bool text(std::string& out) {
        std::uint32_t n = 0;
        if (!u32(n) || size_ - at_ < n) return false;
        out.assign(reinterpret_cast<const char*>(data_ + at_), n);
        at_ += n;
        return true;
    }
    bool entries(std::vector<MetadataEntry>& out) {
        std::uint32_t n = 0;
        if (!u32(n) || n > restSize() / 12) return false;  // each entry takes at least three empty texts
        out.resize(n);
        for (MetadataEntry& e : out)
            if (!text(e.group) || !text(e.key) || !text(e.value)) return false;
        return true;
    }
    bool findings(std::vector<Finding>& out) {
        std::uint32_t n = 0;
        if (!u32(n) || n > restSize() / 8) return false;  // each finding takes at least two empty texts
        out.resize(n);
        for (Finding& f : out)
            if (!text(f.severity) || !text(f.text)) return false;
        return true;
    }
    bool reading(Exiv2Reading& r) {
        std::uint32_t thumbnailDeclared = 0;
        std::string thumbnail;
        if (!entries(r.exif) || !entries(r.xmp) || !entries(r.iptc) || !text(r.xmpPacket) || !u32(thumbnailDeclared) ||
            !text(thumbnail) || !findings(r.problems) || !findings(r.facts))
            return false;
        r.hasThumbnail = thumbnailDeclared != 0;
        r.thumbnail.assign(thumbnail.begin(), thumbnail.end());
        return restSize() == 0;
    }
    const std::uint8_t* rest() const { return data_ + at_; }
    std::size_t restSize() const { return size_ - at_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// The helper's answer, mapped privately (copy on write) from the memory file it wrote, which runHelper has
// sealed against shrinking: the pixels can become a cv::Mat in place (pixelsInPlace), which may be written
// to without touching the file.
class MappedAnswer {
public:
    MappedAnswer(int fd, std::size_t size) : size_(size) {
        if (size_ == 0) return;
        void* at = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (at == MAP_FAILED) throw HelperFailure{ErrorKind::Internal, std::string("its answer could not be read: ") + std::strerror(errno)};
        data_ = static_cast<std::uint8_t*>(at);
    }
    ~MappedAnswer() {
        if (data_) ::munmap(data_, size_);
    }
    MappedAnswer(const MappedAnswer&) = delete;
    MappedAnswer& operator=(const MappedAnswer&) = delete;
    const std::uint8_t* data() const { return data_; }
    std::size_t size() const { return data_ ? size_ : 0; }

    // The rows x cols RGB pixels at `pixels` (inside the mapping) as a cv::Mat that owns the whole mapping
    // from now on: a 100 MP picture is not copied (300 MB, and 1.6 s on this machine).
    cv::Mat pixelsInPlace(const std::uint8_t* pixels, int rows, int cols) {
        static MappingAllocator allocator;
        cv::Mat m(rows, cols, CV_8UC3, const_cast<std::uint8_t*>(pixels));  // inside data_, which is writable
        auto* u = new cv::UMatData(&allocator);
        u->data = u->origdata = data_;
        u->size = size_;
        u->refcount = 1;
        m.u = u;
        m.allocator = &allocator;
        data_ = nullptr;  // the Mat unmaps it
        return m;
    }

private:
    // Unmaps a mapping a cv::Mat was given when its last copy goes, as OpenCV's own allocator frees its
    // buffers (the way OpenCV's Python bindings hand NumPy's memory to a Mat).
    struct MappingAllocator : cv::MatAllocator {
        cv::UMatData* allocate(int, const int*, int, void*, size_t*, cv::AccessFlag, cv::UMatUsageFlags) const override { return nullptr; }
        bool allocate(cv::UMatData*, cv::AccessFlag, cv::UMatUsageFlags) const override { return false; }
        void deallocate(cv::UMatData* u) const override {
            if (!u) return;
            ::munmap(u->origdata, u->size);
            delete u;
        }
    };

    std::uint8_t* data_ = nullptr;
    std::size_t size_;
};

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// An anonymous in-memory file (no temporary file to leave behind, nothing another user can read).
int memoryFile(const char* name, unsigned flags = 0) {
    const int fd = ::memfd_create(name, MFD_CLOEXEC | flags);
    if (fd < 0) throw HelperFailure{ErrorKind::Internal, errnoText("no memory file for the decoder helper")};
    return fd;
}

void writeAll(int fd, const std::uint8_t* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, std::min<std::size_t>(size, std::size_t(1) << 30));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw HelperFailure{ErrorKind::Internal, errnoText("the file could not be handed to the decoder helper")};
        data += n;
        size -= std::size_t(n);
    }
}

std::int64_t memoryLimit(const DecodeHelperLimits& limits, std::int64_t maxPixels) {
    if (limits.memoryBytes > 0) return limits.memoryBytes;
    const std::int64_t perPixel = 24;  // RGB out, YCbCr planes and libheif's copies, with room to spare
    return (std::int64_t(1) << 30) + std::min(maxPixels, (INT64_MAX >> 1) / perPixel) * perPixel;
}

std::string memoryText(std::int64_t bytes) {
    char text[32];
    if (bytes >= (std::int64_t(1) << 30)) std::snprintf(text, sizeof text, "%.1f GiB", double(bytes) / double(std::int64_t(1) << 30));
    else std::snprintf(text, sizeof text, "%lld MiB", static_cast<long long>(bytes >> 20));
    return text;
}

// This process's environment, for the helper; in a sanitizer build with the memory limit as ASan options.
std::vector<std::string> helperEnvironment(std::int64_t memoryBytes) {
    std::vector<std::string> environment;
    std::string asanOptions;
    for (char** e = environ; e && *e; ++e) {
        if (std::strncmp(*e, "ASAN_OPTIONS=", 13) == 0) asanOptions = *e + 13;
        else environment.emplace_back(*e);
    }
#ifdef SYNTHSCOPE_ASAN
    asanOptions += (asanOptions.empty() ? "" : ":") + std::string("allocator_may_return_null=1:max_allocation_size_mb=") +
                   std::to_string(std::max<std::int64_t>(1, memoryBytes >> 20));
#else
    (void)memoryBytes;
#endif
    if (!asanOptions.empty()) environment.push_back("ASAN_OPTIONS=" + asanOptions);
    return environment;
}

// A picture answer, its pixels where they are (nullptr: the declared size is above the caller's limit).
struct PictureAnswer {
    cv::Size declared;
    const std::uint8_t* pixels = nullptr;
};

// std::nullopt: not an answer; throws EngineError(BadInput) with the helper's sentence when it refused.
std::optional<PictureAnswer> parsePictureAnswer(const std::uint8_t* data, std::size_t size, std::int64_t maxPixels) {
    AnswerReader r(data, size);
    std::uint32_t kind = 0, w = 0, h = 0;
    std::string message;
    if (!r.magic() || !r.u32(kind) || !r.u32(w) || !r.u32(h) || !r.text(message)) return std::nullopt;
    if (kind == kRefused && !message.empty()) throw badInput(message);
    const std::int64_t width = std::int32_t(w), height = std::int32_t(h);
    if (width <= 0 || height <= 0) return std::nullopt;
    const bool within = width <= maxPixels / height;
    PictureAnswer answer;
    answer.declared = cv::Size(int(width), int(height));
    if (kind == kAboveLimit && !within) return answer;
    if (kind != kPixels || !within || r.restSize() != std::size_t(width * height * 3)) return std::nullopt;
    answer.pixels = r.rest();
    return answer;
}

HelperFailure unreadableAnswer(const std::string& helper) {
    return {ErrorKind::Internal, "the decoder helper " + helper + " gave an answer SynthScope cannot read"};
}

// Runs the helper on `data` and maps its answer. Throws HelperFailure when there is no answer to read.
// `library` names what runs inside, for the sentences ("libheif", "Exiv2"). `forkServer`: started by the
// helper's fork server (helper_launcher.h), else as a process of its own.
MappedAnswer runHelper(const std::string& helper, const std::string& library, const DecodeHelperLimits& limits, std::vector<std::string> args,
                       const std::uint8_t* data, std::size_t size, std::int64_t memoryBytes, bool forkServer) {
    const FileDescriptor in(memoryFile("synthscope-decode-in"));
    const FileDescriptor out(memoryFile("synthscope-decode-out", MFD_ALLOW_SEALING));
    writeAll(in.get(), data, size);
    if (::lseek(in.get(), 0, SEEK_SET) != 0) throw HelperFailure{ErrorKind::Internal, errnoText("the decoder helper's input")};
    args.push_back("--memory-limit");
    args.push_back(std::to_string(memoryBytes));

    std::unique_ptr<HelperRun> run;
    try {
        run = startHelperRun(helper, args, in.get(), out.get(), helperEnvironment(memoryBytes), forkServer);
    } catch (const std::runtime_error& e) {
        throw HelperFailure{ErrorKind::Internal, e.what()};
    }
    // Waited on in slices, so that a cancel is seen within 20 ms and a decoder that never returns is
    // stopped at the time limit.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limits.timeoutSeconds);
    int status = 0;
    try {
        while (!run->waitForEnd(status, 20)) {
            if (limits.cancel && limits.cancel->load(std::memory_order_relaxed)) {
                run->stop();
                throw HelperFailure{ErrorKind::Cancelled, "cancelled"};
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                run->stop();
                throw HelperFailure{ErrorKind::BadInput, library + " had not finished after " + std::to_string(limits.timeoutSeconds) +
                                                             " s and was stopped; nothing else was affected"};
            }
        }
    } catch (const std::runtime_error& e) {
        throw HelperFailure{ErrorKind::Internal, e.what()};
    }
    if (WIFSIGNALED(status))
        throw HelperFailure{ErrorKind::BadInput, library + " crashed on it (" + strsignal(WTERMSIG(status)) +
                                                     "); it ran in a process of its own, so nothing else was affected. The file is "
                                                     "damaged, or made to attack image decoders"};
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw HelperFailure{ErrorKind::Internal,
                            "the decoder helper " + helper + " stopped with exit code " + std::to_string(WEXITSTATUS(status))};
    // Sealed against shrinking before it is mapped: a process that kept the file open (an attacked decoder
    // that escaped its confinement) could otherwise cut it short while it is read, and reading past its
    // end would kill this process (SIGBUS). A helper that sealed it itself gets its answer refused.
    if (::fcntl(out.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) throw unreadableAnswer(helper);
    struct stat st {};
    if (::fstat(out.get(), &st) != 0) throw HelperFailure{ErrorKind::Internal, errnoText("the decoder helper's answer")};
    return MappedAnswer(out.get(), std::size_t(st.st_size));
}

std::string executableDirectory() {
    char path[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return {};
    const std::string exe(path, std::size_t(n));
    const std::size_t slash = exe.rfind('/');
    return slash == std::string::npos ? std::string() : exe.substr(0, slash);
}

bool isExecutableFile(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The helper that comes with this build or installation, whatever the environment says; empty: none.
std::string bundledHelperPath() {
    std::vector<std::string> candidates;
    if (const std::string dir = executableDirectory(); !dir.empty()) {
        candidates.push_back(dir + "/" + kHelperName);
        candidates.push_back(dir + "/../libexec/synthscope/" + kHelperName);
    }
#ifdef SYNTHSCOPE_DECODE_HELPER_INSTALL_PATH
    candidates.push_back(SYNTHSCOPE_DECODE_HELPER_INSTALL_PATH);
#endif
#ifdef SYNTHSCOPE_DECODE_HELPER_BUILD_PATH
    candidates.push_back(SYNTHSCOPE_DECODE_HELPER_BUILD_PATH);  // last: an installed copy finds its own first
#endif
    for (const std::string& c : candidates) {
        char resolved[PATH_MAX];
        if (isExecutableFile(c)) return ::realpath(c.c_str(), resolved) ? std::string(resolved) : c;
    }
    return {};
}

// Runs through the fork server only for the bundled helper: it is known to serve. A helper the environment
// names (a stand-in, another build) is started for each run. AddressSanitizer builds pass each run's memory
// limit in its environment, which a server started once cannot change.
bool useForkServer(const std::string& helper) {
#ifdef SYNTHSCOPE_ASAN
    (void)helper;
    return false;
#else
    static const std::string bundled = bundledHelperPath();  // where this executable is does not change
    return helper == bundled;
#endif
}

// The library that decodes `format`, for the sentences.
std::string decoderLibrary(ImageFormat format) {
    switch (format) {
    case ImageFormat::Jpeg: return "libjpeg-turbo";
    case ImageFormat::Png: return "libpng";
    case ImageFormat::WebP: return "libwebp";
    case ImageFormat::Tiff: return "libtiff";
    case ImageFormat::Bmp: return "OpenCV's BMP decoder";
    case ImageFormat::Heif:
    case ImageFormat::Avif: return "libheif";
    case ImageFormat::Unknown: break;
    }
    return "the decoder";
}

bool isHeif(ImageFormat format) { return format == ImageFormat::Heif || format == ImageFormat::Avif; }

}  // namespace

std::string decodeHelperPath() {
    if (const char* env = std::getenv("SYNTHSCOPE_DECODE_HELPER"); env && *env) {
        if (std::string(env) == "in-process") return {};
        if (!isExecutableFile(env))
            throw EngineError(ErrorKind::Internal, std::string("SYNTHSCOPE_DECODE_HELPER names ") + env +
                                                       ", which is not an executable file (unset it, or set it to \"in-process\")");
        return env;
    }
    return bundledHelperPath();
}

std::string describeDecoders() {
    const std::string libraries = heifDecodingAvailable() ? "OpenCV's image codecs, libheif and Exiv2"
                                                          : "OpenCV's image codecs and Exiv2 (no libheif: HEIF/AVIF not built in)";
    try {
        const std::string helper = decodeHelperPath();
        return helper.empty() ? libraries + ", in this process (no " + kHelperName + " found)"
                              : libraries + ", in a process of their own for each file" +
                                    (decodingCanBeConfined() ? ", confined (seccomp)" : "") + " (" + helper + ")";
    } catch (const EngineError& e) {
        return libraries + ": " + e.what();
    }
}

std::optional<DecodedPicture> readDecodeAnswer(const std::uint8_t* data, std::size_t size, std::int64_t maxPixels) {
    const std::optional<PictureAnswer> answer = parsePictureAnswer(data, size, maxPixels);
    if (!answer) return std::nullopt;
    DecodedPicture picture;
    picture.declared = answer->declared;
    if (answer->pixels) cv::Mat(answer->declared, CV_8UC3, const_cast<std::uint8_t*>(answer->pixels)).copyTo(picture.rgb);
    return picture;
}

std::optional<Exiv2Reading> readMetadataAnswer(const std::uint8_t* data, std::size_t size) {
    AnswerReader r(data, size);
    std::uint32_t kind = 0;
    Exiv2Reading reading;
    if (!r.magic() || !r.u32(kind) || kind != kMetadata || !r.reading(reading)) return std::nullopt;
    return reading;
}

DecodedPicture decodeInProcess(const std::vector<std::uint8_t>& bytes, const std::string& name, ImageFormat format, std::int64_t maxPixels,
                               ExifOrientation orientation) {
    if (isHeif(format)) return decodeHeifInProcess(bytes, name, imageFormatName(format), maxPixels);  // it always applies the rotation
    if (format == ImageFormat::Unknown) throw badInput(name + ": not an image SynthScope can read");
    return decodeRasterInProcess(bytes, name, format, maxPixels, orientation);
}

DecodedPicture decodeInHelper(const std::string& helper, const DecodeHelperLimits& limits, const std::vector<std::uint8_t>& bytes,
                              const std::string& name, ImageFormat format, std::int64_t maxPixels, ExifOrientation orientation) {
    const std::string formatName = imageFormatName(format);
    try {
        MappedAnswer answer =
            runHelper(helper, decoderLibrary(format), limits,
                      {"decode", "--image-format", std::to_string(int(format)), "--max-pixels", std::to_string(maxPixels), "--name", name,
                       "--orientation", orientation == ExifOrientation::Apply ? "apply" : "ignore"},
                      bytes.data(), bytes.size(), memoryLimit(limits, maxPixels), useForkServer(helper));
        const std::optional<PictureAnswer> parsed = parsePictureAnswer(answer.data(), answer.size(), maxPixels);
        if (!parsed) throw unreadableAnswer(helper);
        DecodedPicture picture;
        picture.declared = parsed->declared;
        if (parsed->pixels) picture.rgb = answer.pixelsInPlace(parsed->pixels, parsed->declared.height, parsed->declared.width);
        return picture;
    } catch (const HelperFailure& f) {
        if (f.kind == ErrorKind::Cancelled) throw cancelled();
        throw EngineError(f.kind, name + ": the " + formatName + " file could not be decoded: " + f.why);
    }
}

Exiv2Reading readExiv2InHelper(const std::string& helper, const DecodeHelperLimits& limits, const std::uint8_t* data,
                               std::size_t size, ImageFormat format) {
    Exiv2Reading reading;
    try {
        // Metadata needs no pixels: the smallest memory limit the decoder allows.
        const MappedAnswer answer = runHelper(helper, isHeif(format) ? "libheif or Exiv2" : "Exiv2", limits,
                                              {"metadata", "--image-format", std::to_string(int(format))}, data, size, memoryLimit(limits, 0),
                                              useForkServer(helper));
        std::optional<Exiv2Reading> read = readMetadataAnswer(answer.data(), answer.size());
        if (!read) throw unreadableAnswer(helper);
        reading = std::move(*read);
    } catch (const HelperFailure& f) {
        reading = {};
        reading.problems.push_back(errorFinding("Metadata could not be read: " + f.why + "."));
    }
    return reading;
}

DecodedPicture decodePicture(const std::vector<std::uint8_t>& bytes, const std::string& name, ImageFormat format, std::int64_t maxPixels,
                             const std::atomic<bool>* cancel, ExifOrientation orientation) {
    if (isHeif(format) && !heifDecodingAvailable()) return decodeHeifInProcess(bytes, name, imageFormatName(format), maxPixels);  // throws: not built in
    const std::string helper = decodeHelperPath();
    if (helper.empty()) return decodeInProcess(bytes, name, format, maxPixels, orientation);
    DecodeHelperLimits limits;
    limits.cancel = cancel;
    return decodeInHelper(helper, limits, bytes, name, format, maxPixels, orientation);
}

Exiv2Reading readExiv2(const std::uint8_t* data, std::size_t size, ImageFormat format) {
    std::string helper;
    try {
        helper = decodeHelperPath();
    } catch (const EngineError& e) {
        Exiv2Reading reading;
        reading.problems.push_back(errorFinding(std::string("Metadata could not be read: ") + e.what() + "."));
        return reading;
    }
    if (helper.empty() || format == ImageFormat::Unknown) return readExiv2InProcess(data, size, format);  // Unknown: Exiv2 is not run
    return readExiv2InHelper(helper, DecodeHelperLimits{}, data, size, format);
}

// ---- the helper's side ----

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: %s decode --image-format N [--max-pixels N] [--name NAME] [--orientation apply|ignore] [--memory-limit BYTES] < FILE\n"
                 "       %s metadata --image-format N [--memory-limit BYTES] < FILE\n"
                 "       %s serve   (a fork server for the engine, on a Unix socket as standard input)\n"
                 "SynthScope's image decoders and metadata reader (OpenCV's codecs, libheif, Exiv2), run in a process of\n"
                 "their own; it writes a binary answer for the engine.\n",
                 kHelperName, kHelperName, kHelperName);
    return 64;
}

bool readAllStdin(std::vector<std::uint8_t>& bytes) {
    std::uint8_t buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n == 0) return true;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        bytes.insert(bytes.end(), buffer, buffer + n);
    }
}

bool writeAllStdout(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (size > 0) {
        const ssize_t n = ::write(STDOUT_FILENO, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= std::size_t(n);
    }
    return true;
}

constexpr std::size_t kDiagnosticsBytes = 600;  // of what the libraries printed, the most a sentence quotes

// What the decoding libraries print (libpng: "libpng error: PNG input buffer is incomplete") goes into a
// memory file instead of the workstation's standard error: bytes a hostile file makes a decoder print never
// reach the user's terminal (escape sequences), and what the library said can join the sentence that
// refuses the file. -1 when it cannot be done (standard error is then left as it is).
int captureDiagnostics() {
    const int fd = ::memfd_create("synthscope-decoder-messages", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (::dup2(fd, STDERR_FILENO) < 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// What the decoding libraries printed (captureDiagnostics), as printableDiagnostics gives it.
std::string diagnosticsText(int fd) {
    if (fd < 0) return {};
    char buffer[kDiagnosticsBytes];
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, 0);
    return n > 0 ? printableDiagnostics(buffer, std::size_t(n)) : std::string();
}

// The bytes of address space this process has mapped (/proc/self/statm's first field); 0 if unknown.
std::int64_t addressSpaceInUse() {
    std::FILE* statm = std::fopen("/proc/self/statm", "r");
    if (!statm) return 0;
    long long pages = 0;
    if (std::fscanf(statm, "%lld", &pages) != 1) pages = 0;
    std::fclose(statm);
    return std::int64_t(pages) * std::int64_t(::sysconf(_SC_PAGESIZE));
}

// OpenCV builds its list of codecs on first use (GDAL's drivers among them: about 20 ms). The fork server
// does it once, on a picture of its own, so that no forked run pays for it. Nothing here may start a
// thread (cv::parallel_for_): threads do not survive fork().
void warmUpDecoders() {
    std::vector<std::uint8_t> png;
    if (cv::imencode(".png", cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(128)), png)) (void)cv::imdecode(png, cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR);
}

}  // namespace

std::string printableDiagnostics(const char* data, std::size_t size) {
    std::vector<std::string> lines(1);
    for (std::size_t i = 0; i < std::min(size, kDiagnosticsBytes); ++i) {
        const auto c = static_cast<unsigned char>(data[i]);
        if (c == '\n') lines.emplace_back();
        else if (c >= 0x20 && c < 0x7f) lines.back() += char(c);  // no escape sequence reaches a terminal
    }
    std::string text;
    for (auto line = lines.begin(); line != lines.end(); ++line) {
        if (line->empty() || std::find(lines.begin(), line, *line) != line) continue;  // libpng says some twice
        text += (text.empty() ? "" : "; ") + *line;
    }
    return text;
}

bool decodeHelperAnswersOutOfMemory() {
#ifdef SYNTHSCOPE_ASAN
    return false;
#else
    return true;
#endif
}

int decodeHelperMain(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string mode = argv[1];
    if (mode == "serve" && argc == 2) {
        warmUpDecoders();
        return serveHelperRuns(&decodeHelperMain);
    }
    if (mode != "decode" && mode != "metadata") return usage();
    std::int64_t maxPixels = 250'000'000, memoryBytes = 0;
    int diagnostics = -1;  // what the libraries print, captured (not in AddressSanitizer builds: its reports)
    std::string name = "the file", orientation = "apply";
    int imageFormat = -1;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string option = argv[i], value = argv[i + 1];
        if (option == "--max-pixels") maxPixels = std::strtoll(value.c_str(), nullptr, 10);
        else if (option == "--memory-limit") memoryBytes = std::strtoll(value.c_str(), nullptr, 10);
        else if (option == "--name") name = value;
        else if (option == "--orientation") orientation = value;
        else if (option == "--image-format") imageFormat = std::atoi(value.c_str());
        else return usage();
    }
    if ((argc - 2) % 2 != 0 || maxPixels <= 0) return usage();
    if (imageFormat < 0 || imageFormat > int(ImageFormat::Avif) || (orientation != "apply" && orientation != "ignore")) return usage();
    const ImageFormat format = ImageFormat(imageFormat);
#ifndef SYNTHSCOPE_ASAN  // there the engine passes the limit as ASan options (helperEnvironment)
    if (memoryBytes > 0) {  // a decoder that asks for more gets an allocation failure, not the machine's memory
        // On top of what is mapped already: a run forked by the fork server starts with the server's
        // libraries mapped (OpenCV's codecs pull in GDAL and more: some hundreds of MB of address space,
        // little of it memory), which are not the decoding's to count.
        const std::int64_t limitBytes = addressSpaceInUse() + memoryBytes;
        const rlimit limit{rlim_t(limitBytes), rlim_t(limitBytes)};
        ::setrlimit(RLIMIT_AS, &limit);
    }
    // Before a byte of the file is read: code that an attacked decoder runs can then open no file, start
    // no program and reach no socket (decode_sandbox.h). Not in AddressSanitizer builds, whose runtime
    // opens files and starts a tracing process to report. Where it cannot be done, decoding goes on.
    diagnostics = captureDiagnostics();
    (void)confineToDecoding();
#endif
    const std::string needsMore = memoryBytes > 0 ? "it needs more memory than the " + memoryText(memoryBytes) + " allowed for decoding"
                                                  : std::string("it needs more memory than there is");
    std::string head(kMagic, sizeof kMagic);
    cv::setNumThreads(0);  // one file, one thread: starting a thread pool costs more than it saves here
    cv::Mat pixels;
    if (mode == "metadata") {
        Exiv2Reading reading;
        try {
            std::vector<std::uint8_t> bytes;
            if (!readAllStdin(bytes)) return 66;
            reading = readExiv2InProcess(bytes.data(), bytes.size(), format);
        } catch (const std::bad_alloc&) {
            reading = {};
            reading.problems.push_back(errorFinding("Metadata could not be read: " + needsMore + "."));
        }
        putU32(head, kMetadata);
        putReading(head, reading);
    } else {
        const auto refuse = [&](const std::string& why) {
            head.resize(sizeof kMagic);
            putU32(head, kRefused);
            putU32(head, 0);
            putU32(head, 0);
            const std::string said = diagnosticsText(diagnostics);
            putText(head, said.empty() ? why : why + "; the decoder printed: \"" + said + "\"");
            pixels.release();
        };
        try {
            std::vector<std::uint8_t> bytes;
            if (!readAllStdin(bytes)) return 66;
            DecodedPicture picture =
                decodeInProcess(bytes, name, format, maxPixels, orientation == "apply" ? ExifOrientation::Apply : ExifOrientation::Ignore);
            putU32(head, picture.rgb.empty() ? kAboveLimit : kPixels);
            putU32(head, std::uint32_t(picture.declared.width));
            putU32(head, std::uint32_t(picture.declared.height));
            putText(head, {});
            pixels = picture.rgb;
        } catch (const EngineError& e) {
            refuse(e.what());
        } catch (const std::bad_alloc&) {
            refuse(name + ": the " + imageFormatName(format) + " data could not be decoded (" + needsMore + ")");
        }
    }
    if (!writeAllStdout(head.data(), head.size())) return 74;
    if (!pixels.empty() && !writeAllStdout(pixels.data, pixels.total() * pixels.elemSize())) return 74;
    return 0;
}

}  // namespace synthscope
