#include "engine/image_degradation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/errors.h"

namespace synthscope {

std::string Degradation::name() const {
    if (kind == Kind::Jpeg) return "jpeg" + std::to_string(quality);
    if (kind == Kind::MaxSide) return "maxside" + std::to_string(maxSide);
    char text[32];
    if (kind == Kind::Contrast)
        std::snprintf(text, sizeof text, "contrast%g", contrast);
    else
        std::snprintf(text, sizeof text, "rescale%g", scale);
    return text;
}

std::string Degradation::description() const {
    if (kind == Kind::Jpeg) return "JPEG " + std::to_string(quality);
    if (kind == Kind::MaxSide) return "longest side " + std::to_string(maxSide) + " px";
    char text[40];
    std::snprintf(text, sizeof text, kind == Kind::Contrast ? "%gx contrast" : "%gx rescale", kind == Kind::Contrast ? contrast : scale);
    return text;
}

Degradation parseDegradation(const std::string& text) {
    static const std::string kExpected =
        "expected jpegQ (1-100), rescaleS (e.g. rescale0.75), maxsideN (e.g. maxside1024) or contrastC (e.g. contrast1.3)";
    auto number = [&](std::size_t prefix) {
        std::string rest = text.substr(prefix);
        if (!rest.empty() && rest.front() == ':') rest.erase(0, 1);
        std::size_t used = 0;
        double value = 0;
        try {
            value = std::stod(rest, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (rest.empty() || used != rest.size()) throw badInput("\"" + text + "\": " + kExpected);
        return value;
    };
    Degradation d;
    if (text.rfind("jpeg", 0) == 0) {
        const double q = number(4);
        if (q != std::floor(q) || q < 1 || q > 100) throw badInput("\"" + text + "\": the JPEG quality must be a whole number from 1 to 100");
        d = Degradation::jpeg(int(q));
    } else if (text.rfind("rescale", 0) == 0) {
        const double s = number(7);
        if (!(s > 0 && s <= 4)) throw badInput("\"" + text + "\": the scale must be above 0 and at most 4");
        d = Degradation::rescale(s);
    } else if (text.rfind("maxside", 0) == 0) {
        const double side = number(7);
        if (side != std::floor(side) || side < 2 || side > 1000000) throw badInput("\"" + text + "\": the side must be a whole number of pixels, at least 2");
        d = Degradation::maxSideOf(int(side));
    } else if (text.rfind("contrast", 0) == 0) {
        const double c = number(8);
        if (!(c > 0 && c <= 4)) throw badInput("\"" + text + "\": the contrast factor must be above 0 and at most 4");
        d = Degradation::contrastOf(c);
    } else {
        throw badInput("\"" + text + "\": " + kExpected);
    }
    return d;
}

LoadedImage degradeImage(const LoadedImage& image, const Degradation& d) {
    if (image.rgb.empty() || image.rgb.type() != CV_8UC3) throw badInput("a degraded copy needs a decoded 8-bit colour image");
    cv::Mat bgr;
    cv::cvtColor(image.rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> bytes;
    bool ok = false;
    if (d.kind == Degradation::Kind::Jpeg) {
        if (d.quality < 1 || d.quality > 100) throw badInput("the JPEG quality must be from 1 to 100");
        ok = cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, d.quality});
    } else if (d.kind == Degradation::Kind::Contrast) {
        if (!(d.contrast > 0 && d.contrast <= 4)) throw badInput("the contrast factor must be above 0 and at most 4");
        // About the mean grey (BT.601 luma, as Pillow's ImageEnhance.Contrast), every channel alike, so
        // that the hue stays and the brightness on average too: out = mean + c * (in - mean), rounded.
        cv::Mat grey;
        cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
        const double mean = cv::mean(grey)[0];
        cv::Mat changed;
        bgr.convertTo(changed, CV_8UC3, d.contrast, mean * (1.0 - d.contrast));
        ok = cv::imencode(".png", changed, bytes, {cv::IMWRITE_PNG_COMPRESSION, 1});
    } else {
        double scale = d.scale;
        if (d.kind == Degradation::Kind::MaxSide) {
            if (d.maxSide < 2) throw badInput("the largest side must be at least 2 pixels");
            const int longer = std::max(bgr.cols, bgr.rows);
            if (longer <= d.maxSide) {  // already within: the image itself, under the condition's name
                LoadedImage same = image;
                same.path = image.path + " (" + d.name() + ")";
                return same;
            }
            scale = double(d.maxSide) / longer;
        }
        if (!(scale > 0 && scale <= 4)) throw badInput("the rescale factor must be above 0 and at most 4");
        const cv::Size size(int(std::lround(bgr.cols * scale)), int(std::lround(bgr.rows * scale)));
        if (size.width < 2 || size.height < 2) throw badInput(image.path + ": too small for " + d.name());
        cv::Mat resized;
        cv::resize(bgr, resized, size, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
        ok = cv::imencode(".png", resized, bytes, {cv::IMWRITE_PNG_COMPRESSION, 1});
    }
    if (!ok) throw EngineError(ErrorKind::Internal, "OpenCV could not encode the " + d.name() + " copy of " + image.path);
    LoadOptions own;
    own.ownEncoding = true;
    return decodeImage(std::move(bytes), image.path + " (" + d.name() + ")", own);
}

}  // namespace synthscope
