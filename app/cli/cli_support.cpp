#include "app/cli/cli_support.h"

#include <QJsonDocument>
#include <QSaveFile>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace synthscope::cli {

bool writeJsonFile(const QString& path, const QJsonObject& root, std::string& error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = file.errorString().toStdString();
        return false;
    }
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        error = file.errorString().toStdString();
        return false;
    }
    return true;
}

bool writeRgbImage(const std::string& path, const cv::Mat& rgb, std::string& error) {
    try {
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        if (cv::imwrite(path, bgr)) return true;
        error = "OpenCV could not write " + path;
    } catch (const std::exception& e) {
        error = e.what();
    }
    return false;
}

}  // namespace synthscope::cli
