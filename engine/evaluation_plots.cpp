#include "engine/evaluation_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

namespace synthscope::eval {
namespace {

const cv::Scalar kBlack(0, 0, 0), kGrey(150, 150, 150), kLight(225, 225, 225), kWhite(255, 255, 255);
// Distinguishable line colours (RGB), one per condition.
const cv::Scalar kPalette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189}, {140, 86, 75}};
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

cv::Scalar colour(std::size_t i) { return kPalette[i % (sizeof kPalette / sizeof kPalette[0])]; }

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale = 0.45, const cv::Scalar& c = kBlack, int thickness = 1) {
    cv::putText(img, s, at, kFont, scale, c, thickness, cv::LINE_AA);
}

std::string fmt(double v, const char* format = "%.2f") {
    if (std::isnan(v)) return "n/a";
    char s[32];
    std::snprintf(s, sizeof s, format, v);
    return s;
}

// A square unit plot area with ticks at 0, 0.2, ..., 1 and axis labels.
struct UnitAxes {
    cv::Rect area;
    cv::Point map(double x, double y) const {
        return {area.x + int(std::lround(std::clamp(x, 0.0, 1.0) * area.width)),
                area.y + area.height - int(std::lround(std::clamp(y, 0.0, 1.0) * area.height))};
    }
    void draw(cv::Mat& img, const std::string& xLabel, const std::string& yLabel) const {
        for (int i = 0; i <= 5; ++i) {
            const double t = i / 5.0;
            cv::line(img, map(t, 0), map(t, 1), kLight, 1);
            cv::line(img, map(0, t), map(1, t), kLight, 1);
            text(img, fmt(t, "%.1f"), map(t, 0) + cv::Point(-10, 18), 0.4);
            text(img, fmt(t, "%.1f"), map(0, t) + cv::Point(-32, 4), 0.4);
        }
        cv::rectangle(img, area, kBlack, 1);
        text(img, xLabel, {area.x + area.width / 2 - 6 * int(xLabel.size()) / 2, area.y + area.height + 40}, 0.5);
        // Vertical label: drawn horizontally above the axis (OpenCV draws no rotated text).
        text(img, yLabel, {area.x - 40, area.y - 12}, 0.5);
    }
};

void dashedDiagonal(cv::Mat& img, const UnitAxes& axes) {
    for (int i = 0; i < 40; i += 2) cv::line(img, axes.map(i / 40.0, i / 40.0), axes.map((i + 1) / 40.0, (i + 1) / 40.0), kGrey, 1, cv::LINE_AA);
}

void legend(cv::Mat& img, const std::vector<std::string>& names, cv::Point at) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        const cv::Point p = at + cv::Point(0, int(i) * 20);
        cv::line(img, p + cv::Point(0, -4), p + cv::Point(22, -4), colour(i), 3, cv::LINE_AA);
        text(img, names[i], p + cv::Point(28, 0), 0.42);
    }
}

}  // namespace

cv::Mat plotRoc(const std::vector<NamedCurve>& curves, const std::string& title) {
    cv::Mat img(640, 620, CV_8UC3, kWhite);
    const UnitAxes axes{{70, 50, 520, 520}};
    text(img, title, {70, 28}, 0.55, kBlack, 1);
    axes.draw(img, "false-positive rate (reals flagged)", "");
    text(img, "true-positive rate", {8, 42}, 0.45);
    dashedDiagonal(img, axes);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < curves.size(); ++i) {
        std::vector<cv::Point> pts;
        for (const cv::Point2d& p : curves[i].points) pts.push_back(axes.map(p.x, p.y));
        if (pts.size() >= 2) cv::polylines(img, pts, false, colour(i), 2, cv::LINE_AA);
        names.push_back(curves[i].name);
    }
    legend(img, names, {axes.area.x + axes.area.width - 250, axes.area.y + axes.area.height - 20 * int(names.size()) - 4});
    return img;
}

cv::Mat plotReliability(const std::vector<std::pair<std::string, Calibration>>& calibrations, const std::string& title) {
    cv::Mat img(700, 620, CV_8UC3, kWhite);
    const UnitAxes axes{{70, 50, 520, 520}};
    text(img, title, {70, 28}, 0.55);
    // Bin counts of the first condition as a histogram strip under the axes.
    if (!calibrations.empty()) {
        const Calibration& c = calibrations.front().second;
        int most = 1;
        for (const ReliabilityBin& b : c.bins) most = std::max(most, b.count);
        const int stripTop = 640, stripHeight = 50;
        for (const ReliabilityBin& b : c.bins) {
            const int h = int(std::lround(double(b.count) / most * stripHeight));
            const cv::Point a = axes.map(b.low, 0), z = axes.map(b.high, 0);
            cv::rectangle(img, {a.x + 1, stripTop + stripHeight - h}, {z.x - 1, stripTop + stripHeight}, kGrey, cv::FILLED);
        }
        text(img, "images per bin (" + calibrations.front().first + ", max " + std::to_string(most) + ")", {axes.area.x, stripTop - 4}, 0.4);
    }
    axes.draw(img, "", "");
    text(img, "predicted synthetic probability", {axes.area.x + 140, axes.area.y + axes.area.height + 36}, 0.45);
    text(img, "observed share of fakes", {8, 42}, 0.45);
    dashedDiagonal(img, axes);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < calibrations.size(); ++i) {
        std::vector<cv::Point> pts;
        for (const ReliabilityBin& b : calibrations[i].second.bins)
            if (b.count > 0) pts.push_back(axes.map(b.meanScore, b.fakeShare));
        if (pts.size() >= 2) cv::polylines(img, pts, false, colour(i), 2, cv::LINE_AA);
        for (const cv::Point& p : pts) cv::circle(img, p, 4, colour(i), cv::FILLED, cv::LINE_AA);
        names.push_back(calibrations[i].first + " (ECE " + fmt(calibrations[i].second.ece, "%.3f") + ")");
    }
    legend(img, names, {axes.area.x + 12, axes.area.y + 22});
    return img;
}

cv::Mat plotConfusion(const ConfusionMatrix& m, const std::string& title) {
    const int k = int(m.classes.size());
    const int cell = k > 0 ? std::max(40, std::min(80, 560 / k)) : 40;
    const int left = 190, top = 60;
    std::size_t longest = 0;
    for (const std::string& c : m.classes) longest = std::max(longest, std::min<std::size_t>(c.size(), 24));
    cv::Mat img(top + cell * k + 11 * int(longest) + 50, left + cell * k + 30, CV_8UC3, kWhite);
    text(img, title, {10, 26}, 0.55);
    text(img, "rows: true generator, columns: predicted; shade = share of the row", {10, 46}, 0.4);
    for (int r = 0; r < k; ++r) {
        const int rowTotal = m.rowTotal(std::size_t(r));
        for (int c = 0; c < k; ++c) {
            const int n = m.counts[std::size_t(r)][std::size_t(c)];
            const double share = rowTotal > 0 ? double(n) / rowTotal : 0.0;
            // White to dark blue.
            const cv::Scalar shade(255 - share * (255 - 8), 255 - share * (255 - 48), 255 - share * (255 - 107));
            const cv::Rect box(left + c * cell, top + r * cell, cell, cell);
            cv::rectangle(img, box, shade, cv::FILLED);
            cv::rectangle(img, box, kLight, 1);
            const std::string s = std::to_string(n);
            text(img, s, {box.x + cell / 2 - 5 * int(s.size()), box.y + cell / 2 + 5}, 0.45, share > 0.5 ? kWhite : kBlack,
                 r == c ? 2 : 1);
        }
        text(img, m.classes[std::size_t(r)] + " (" + fmt(m.recall(std::size_t(r))) + ")", {8, top + r * cell + cell / 2 + 5}, 0.4);
    }
    // Column names written vertically, letter by letter (OpenCV draws no rotated text).
    for (int c = 0; c < k; ++c) {
        const std::string& name = m.classes[std::size_t(c)];
        for (std::size_t i = 0; i < name.size() && i < 24; ++i)
            text(img, std::string(1, name[i]), {left + c * cell + cell / 2 - 4, top + k * cell + 16 + int(i) * 11}, 0.38);
    }
    text(img, "top-1 " + fmt(m.accuracy(), "%.3f") + " over " + std::to_string(m.total()) + " images", {8, img.rows - 8}, 0.45);
    return img;
}

}  // namespace synthscope::eval
