#include "engine/fingerprint_match.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "engine/errors.h"

namespace synthscope {
namespace {

// PIL's round() of (side - size) / 2: half to even.
int pilCentreOffset(int side, int size) {
    const int d = side - size;
    if (d % 2 == 0) return d / 2;
    const int k = (d - 1) / 2;  // the offset is k + 0.5
    return k % 2 == 0 ? k : k + 1;
}

}  // namespace

double correlation(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != b.type() || a.depth() != CV_32F || a.empty())
        throw std::invalid_argument("correlation needs two non-empty float matrices of the same size and type");
    const int n = a.channels() * a.cols;
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int r = 0; r < a.rows; ++r) {
        const float* pa = a.ptr<float>(r);
        const float* pb = b.ptr<float>(r);
        for (int i = 0; i < n; ++i) {
            const double x = pa[i], y = pb[i];
            sa += x;
            sb += y;
            saa += x * x;
            sbb += y * y;
            sab += x * y;
        }
    }
    const double count = double(n) * a.rows;
    const double cov = sab - sa * sb / count, va = saa - sa * sa / count, vb = sbb - sb * sb / count;
    if (!(va > 0) || !(vb > 0)) return 0.0;
    return std::clamp(cov / std::sqrt(va * vb), -1.0, 1.0);
}

cv::Mat clipResidual(const cv::Mat& residual, double k) {
    if (k <= 0) return residual;
    if (residual.depth() != CV_32F || residual.empty()) throw std::invalid_argument("clipResidual needs a non-empty float matrix");
    const cv::Mat flat = residual.isContinuous() ? residual.reshape(1, 1) : residual.clone().reshape(1, 1);
    // The median and MAD of an even subsample of about 2^16 values: as good an estimate, several times faster.
    const std::size_t total = flat.total();
    std::size_t step = std::max<std::size_t>(1, total >> 16);
    if (step > 1 && step % std::size_t(residual.channels()) == 0) ++step;  // visit every channel, not one
    std::vector<float> v;
    v.reserve(total / step + 1);
    const float* p = flat.ptr<float>();
    for (std::size_t i = 0; i < total; i += step) v.push_back(p[i]);
    const auto middle = v.begin() + long(v.size() / 2);
    std::nth_element(v.begin(), middle, v.end());
    const float median = *middle;
    for (float& x : v) x = std::abs(x - median);
    std::nth_element(v.begin(), middle, v.end());
    double sigma = 1.4826 * double(*middle);
    if (sigma < 1e-7) {
        cv::Scalar m, sd;
        cv::meanStdDev(flat, m, sd);
        sigma = sd[0];
    }
    const double limit = k * sigma;
    cv::Mat out;
    cv::max(residual.reshape(1), double(median) - limit, out);  // single-channel views: scalars apply to every value
    cv::min(out, double(median) + limit, out);
    return out.reshape(residual.channels());
}

cv::Rect centreCropRect(cv::Size image, int size) {
    const int w = std::min(size, image.width), h = std::min(size, image.height);
    return {pilCentreOffset(image.width, w), pilCentreOffset(image.height, h), w, h};
}

std::vector<cv::Rect> cropRects(cv::Size image, int size, int maxCrops, int stride) {
    if (maxCrops <= 1 || image.width < size || image.height < size || stride < 1) return {centreCropRect(image, size)};
    std::vector<cv::Rect> grid;
    for (int y = 0; y + size <= image.height; y += stride)
        for (int x = 0; x + size <= image.width; x += stride) grid.emplace_back(x, y, size, size);
    if (int(grid.size()) <= maxCrops) return grid;
    std::vector<cv::Rect> thinned;
    for (int i = 0; i < maxCrops; ++i)
        thinned.push_back(grid[std::size_t(std::llround(double(i) * double(grid.size() - 1) / double(maxCrops - 1)))]);
    return thinned;
}

cv::Mat residualOfCrop(const cv::Mat& rgb8, const cv::Rect& rect, const ResidualSource& source) {
    if ((rect & cv::Rect(0, 0, rgb8.cols, rgb8.rows)) != rect || rect.empty())
        throw std::invalid_argument("residualOfCrop: the rectangle is outside the image");
    // Margins are multiples of 4 so that the wavelet's 4-pixel blocks keep the same phase as the crop.
    auto margin = [](int available) { return std::min(16, available) & ~3; };
    const int left = margin(rect.x), top = margin(rect.y);
    const int right = margin(rgb8.cols - rect.br().x), bottom = margin(rgb8.rows - rect.br().y);
    const cv::Rect outer(rect.x - left, rect.y - top, rect.width + left + right, rect.height + top + bottom);
    const cv::Mat residual = source.compute(rgb8(outer).clone());
    return residual(cv::Rect(left, top, rect.width, rect.height)).clone();
}

cv::Mat centreResidual(const cv::Mat& rgb8, int size, const ResidualSource& source) {
    if (rgb8.cols < size || rgb8.rows < size)
        throw badInput("the image is " + std::to_string(rgb8.cols) + "x" + std::to_string(rgb8.rows) + ", smaller than the " +
                       std::to_string(size) + "x" + std::to_string(size) + " crop a fingerprint needs.");
    return residualOfCrop(rgb8, centreCropRect(rgb8.size(), size), source);
}

ResidualSource residualFor(const Fingerprint& f, const MatchOptions& options) {
    if (options.residual) return *options.residual;
    if (f.residual.empty() || f.residual == options.defaultResidual.name()) return options.defaultResidual;
    try {
        return parseResidualMethod(f.residual);
    } catch (const std::invalid_argument&) {
        // A residual we do not have (another denoiser): the default stands in for it.
        return options.defaultResidual;
    }
}

bool rankByEvidence(const std::vector<Fingerprint>& fingerprints) {
    return !fingerprints.empty() && std::all_of(fingerprints.begin(), fingerprints.end(), [](const Fingerprint& f) { return f.hasSpread(); });
}

FingerprintAttribution attributeByFingerprints(const cv::Mat& rgb8, const std::vector<Fingerprint>& fingerprints,
                                               const MatchOptions& options) {
    if (rgb8.type() != CV_8UC3) throw std::invalid_argument("attributeByFingerprints needs an 8-bit RGB image");
    if (rgb8.cols < 32 || rgb8.rows < 32)
        throw badInput("the image is " + std::to_string(rgb8.cols) + "x" + std::to_string(rgb8.rows) +
                       ", too small for fingerprint attribution (at least 32x32).");
    FingerprintAttribution result;
    // Residual crops are shared by every fingerprint of the same size and residual.
    std::map<std::tuple<int, int, std::string, double>, std::vector<cv::Mat>> cache;
    for (const Fingerprint& f : fingerprints) {
        const ResidualSource source = residualFor(f, options);
        const double clip = options.clip.value_or(f.clip);
        auto key = std::make_tuple(f.pattern.rows, f.pattern.cols, source.name(), clip);
        auto it = cache.find(key);
        if (it == cache.end()) {
            std::vector<cv::Rect> rects;
            if (f.pattern.rows == f.pattern.cols) {
                rects = cropRects(rgb8.size(), f.pattern.rows, options.maxCrops, options.stride);
            } else {
                const int w = std::min(f.pattern.cols, rgb8.cols), h = std::min(f.pattern.rows, rgb8.rows);
                rects = {cv::Rect(pilCentreOffset(rgb8.cols, w), pilCentreOffset(rgb8.rows, h), w, h)};
            }
            std::vector<cv::Mat> crops;
            for (const cv::Rect& r : rects) crops.push_back(clipResidual(residualOfCrop(rgb8, r, source), clip));
            it = cache.emplace(key, std::move(crops)).first;
        }
        const std::vector<cv::Mat>& crops = it->second;
        // An image smaller than the fingerprint meets the fingerprint's top-left part, its own origin.
        const cv::Mat pattern = f.pattern(cv::Rect(0, 0, crops.front().cols, crops.front().rows));
        result.partial |= crops.front().size() != f.pattern.size();
        double sum = 0;
        for (const cv::Mat& c : crops) sum += correlation(c, pattern);
        GeneratorMatch m;
        m.generator = f.name;
        m.correlation = sum / double(crops.size());
        m.score = f.score(m.correlation);
        m.nearerFake = f.nearerFake(m.correlation);
        m.evidence = f.evidence(m.correlation);
        m.residual = std::get<2>(key);
        result.ranking.push_back(m);
        if (result.crops == 0) result.crops = int(crops.size());
    }
    result.rankedByEvidence = rankByEvidence(fingerprints);
    std::stable_sort(result.ranking.begin(), result.ranking.end(), [&](const GeneratorMatch& a, const GeneratorMatch& b) {
        return result.rankedByEvidence ? a.evidence > b.evidence : a.score > b.score;
    });
    if (!result.ranking.empty() && result.ranking.front().nearerFake) result.generator = result.ranking.front().generator;
    return result;
}

FingerprintAttribution attributeByFingerprints(const cv::Mat& rgb8, const FingerprintLibrary& library, MatchOptions options) {
    options.defaultResidual = library.defaultResidual;
    return attributeByFingerprints(rgb8, library.fingerprints, options);
}

}  // namespace synthscope
