#include "app/cli/inspect_selftest.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>

#include "app/cli/exit_codes.h"
#include "engine/file_collector.h"
#include "engine/image_loader.h"
#include "engine/jpeg_analysis.h"

namespace synthscope::cli {
namespace {

std::vector<std::uint8_t> encodeJpeg(const cv::Mat& bgr, int quality) {
    std::vector<std::uint8_t> bytes;
    if (!cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality})) throw std::runtime_error("OpenCV could not encode a JPEG");
    return bytes;
}

// The photos of a folder, decoded (BGR, as OpenCV encodes); unreadable ones are reported and skipped.
std::vector<cv::Mat> loadPhotos(const std::string& dir, int limit) {
    std::vector<cv::Mat> photos;
    const CollectedFiles files = collectImageFiles({dir});
    for (const std::string& e : files.errors) std::fprintf(stderr, "skipped: %s\n", e.c_str());
    for (const std::string& path : files.images) {
        if (limit > 0 && int(photos.size()) >= limit) break;
        try {
            cv::Mat bgr;
            cv::cvtColor(loadImage(path).rgb, bgr, cv::COLOR_RGB2BGR);
            photos.push_back(bgr);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "skipped: %s\n", e.what());
        }
    }
    return photos;
}

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(q * double(v.size() - 1) + 0.5))];
}

// Probability that a random double-compressed score exceeds a random single one (ties count half).
double auc(const std::vector<double>& positives, const std::vector<double>& negatives) {
    double wins = 0;
    for (double p : positives)
        for (double n : negatives) wins += p > n ? 1.0 : p == n ? 0.5 : 0.0;
    return positives.empty() || negatives.empty() ? 0 : wins / (double(positives.size()) * double(negatives.size()));
}

double rateAtThreshold(const std::vector<double>& scores) {
    return scores.empty() ? 0 : double(std::count_if(scores.begin(), scores.end(), [](double s) { return s >= kDoubleCompressionThreshold; })) / double(scores.size());
}

}  // namespace

int selftestQuality(const std::string& dir, int images) {
    std::vector<cv::Mat> sources;
    if (!dir.empty()) sources = loadPhotos(dir, images);
    if (sources.empty()) {
        cv::Mat synthetic(240, 320, CV_8UC3);
        cv::randn(synthetic, cv::Scalar::all(128), cv::Scalar::all(40));
        cv::GaussianBlur(synthetic, synthetic, {5, 5}, 1.2);
        sources.push_back(synthetic);
        std::printf("Source: one synthetic 320x240 image\n");
    } else {
        std::printf("Source: %zu images of %s\n", sources.size(), dir.c_str());
    }
    int exactQualities = 0, encodes = 0, exactEncodes = 0, greyExact = 0;
    std::vector<int> misses;
    for (int q = 1; q <= 100; ++q) {
        bool allExact = true;
        for (const cv::Mat& bgr : sources) {
            const JpegAnalysis a = analyzeJpeg(encodeJpeg(bgr, q));
            const bool exact = a.estimatedQuality == q && a.standardTables;
            ++encodes;
            exactEncodes += exact;
            allExact &= exact;
        }
        cv::Mat grey;
        cv::cvtColor(sources.front(), grey, cv::COLOR_BGR2GRAY);
        const JpegAnalysis g = analyzeJpeg(encodeJpeg(grey, q));
        greyExact += g.estimatedQuality == q && g.standardTables;
        exactQualities += allExact;
        if (!allExact) misses.push_back(q);
    }
    std::printf("Quality estimate (OpenCV cv::imencode, IMWRITE_JPEG_QUALITY 1..100):\n");
    std::printf("  colour: exact for %d of 100 qualities (%d of %d encodes)\n", exactQualities, exactEncodes, encodes);
    std::printf("  grey (luminance table only): exact for %d of 100 qualities\n", greyExact);
    if (!misses.empty()) {
        std::printf("  not exact at:");
        for (int q : misses) std::printf(" %d", q);
        std::printf("\n");
    }
    return exactQualities == 100 && greyExact == 100 ? kExitOk : kExitInternal;
}

int selftestDouble(const std::string& dir, const std::vector<QualityPair>& pairs, int limit, double scale) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<cv::Mat> photos = loadPhotos(dir, limit);
    if (photos.empty()) {
        std::fprintf(stderr, "synthscope inspect: no readable image in %s\n", dir.c_str());
        return kExitBadInput;
    }
    std::printf("Double JPEG compression on %zu photos of %s, resized by %.2f (INTER_AREA) before the first compression.\n",
                photos.size(), dir.c_str(), scale);
    std::printf("Threshold %.2f. single = compressed once at q2; double = at q1, decoded, compressed at q2.\n\n", kDoubleCompressionThreshold);
    std::printf("%-8s %-26s %-26s %6s %6s %6s %8s %14s\n", "q1->q2", "single: median / p95 / max", "double: min / median",
                "AUC", "TPR", "FPR", "paired", "1st-q ok (+-2)");
    std::vector<cv::Mat> bases;
    for (const cv::Mat& p : photos) {
        cv::Mat b;
        cv::resize(p, b, {}, scale, scale, cv::INTER_AREA);
        bases.push_back(b);
    }
    std::vector<double> allSingles, allDoubles;
    for (const QualityPair& pair : pairs) {
        std::vector<double> singles, doubles;
        int pairedWins = 0, firstQualityRight = 0, firstQualityNear = 0, detected = 0;
        for (const cv::Mat& base : bases) {
            const JpegAnalysis once = analyzeJpeg(encodeJpeg(base, pair.second));
            const cv::Mat decoded = cv::imdecode(encodeJpeg(base, pair.first), cv::IMREAD_COLOR);
            const JpegAnalysis twice = analyzeJpeg(encodeJpeg(decoded, pair.second));
            singles.push_back(once.doubleCompressionScore());
            doubles.push_back(twice.doubleCompressionScore());
            pairedWins += twice.doubleCompressionScore() > once.doubleCompressionScore();
            if (twice.doubleCompressionSuspected) {
                ++detected;
                firstQualityRight += twice.doubleCompression.primaryQuality == pair.first;
                firstQualityNear += std::abs(twice.doubleCompression.primaryQuality - pair.first) <= 2;
            }
        }
        char label[16], single[40], dbl[40], paired[16], firstQ[32];
        std::snprintf(label, sizeof label, "%d->%d", pair.first, pair.second);
        std::snprintf(single, sizeof single, "%.3f / %.3f / %.3f", quantile(singles, 0.5), quantile(singles, 0.95),
                      *std::max_element(singles.begin(), singles.end()));
        std::snprintf(dbl, sizeof dbl, "%.3f / %.3f", *std::min_element(doubles.begin(), doubles.end()), quantile(doubles, 0.5));
        std::snprintf(paired, sizeof paired, "%d/%zu", pairedWins, bases.size());
        std::snprintf(firstQ, sizeof firstQ, "%d (%d)/%d", firstQualityRight, firstQualityNear, detected);
        std::printf("%-8s %-26s %-26s %6.3f %6.3f %6.3f %8s %14s\n", label, single, dbl, auc(doubles, singles), rateAtThreshold(doubles),
                    rateAtThreshold(singles), paired, firstQ);
        if (pair.first != pair.second) {
            allSingles.insert(allSingles.end(), singles.begin(), singles.end());
            allDoubles.insert(allDoubles.end(), doubles.begin(), doubles.end());
        }
    }
    std::printf("\nAll pairs with q1 != q2: AUC %.3f, detection rate %.3f, false-alarm rate %.3f (%zu single, %zu double)\n",
                auc(allDoubles, allSingles), rateAtThreshold(allDoubles), rateAtThreshold(allSingles), allSingles.size(), allDoubles.size());
    std::printf("TPR: doubles at or above the threshold; FPR: singles at or above it; paired: double scored above single for the\n"
                "same photo; 1st-q ok: detected doubles whose estimated first quality is q1 exactly (within 2).\n");

    // The files as stored (whatever their history): how many the analysis flags.
    const CollectedFiles files = collectImageFiles({dir});
    std::vector<double> stored;
    for (const std::string& path : files.images) {
        if (limit > 0 && int(stored.size()) >= limit) break;
        try {
            const JpegAnalysis a = analyzeJpeg(readFileBytes(path));
            if (a.readable && a.doubleCompression.analysed) stored.push_back(a.doubleCompressionScore());
        } catch (const std::exception&) {
        }
    }
    if (!stored.empty())
        std::printf("As stored: %zu JPEGs, score median %.3f, max %.3f, flagged %.3f\n", stored.size(), quantile(stored, 0.5),
                    *std::max_element(stored.begin(), stored.end()), rateAtThreshold(stored));
    std::printf("%.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return kExitOk;
}

}  // namespace synthscope::cli
