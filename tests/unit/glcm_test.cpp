#include <gtest/gtest.h>

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

#include "engine/glcm.h"

using namespace synthscope;

namespace {

// tests/fixtures/glcm/glcm_fixtures.json: made by make_glcm_fixtures.py with scikit-image and torchvision.
QJsonObject fixtures() {
    QFile f(SYNTHSCOPE_FIXTURES_DIR "/glcm/glcm_fixtures.json");
    EXPECT_TRUE(f.open(QIODevice::ReadOnly));
    return QJsonDocument::fromJson(f.readAll()).object();
}

cv::Mat fromBase64(const QJsonObject& o, const char* key, int type) {
    const QByteArray raw = QByteArray::fromBase64(o.value(key).toString().toLatin1());
    cv::Mat m(o.value("height").toInt(), o.value("width").toInt(), type);
    EXPECT_EQ(std::size_t(raw.size()), m.total() * m.elemSize()) << o.value("name").toString().toStdString();
    std::memcpy(m.data, raw.constData(), std::min<std::size_t>(std::size_t(raw.size()), m.total() * m.elemSize()));
    return m;
}

}  // namespace

TEST(Glcm, ContrastMatchesScikitImage) {
    const QJsonArray patches = fixtures().value("grey_patches").toArray();
    ASSERT_GE(patches.size(), 10);
    for (const QJsonValue& v : patches) {
        const QJsonObject o = v.toObject();
        const double expected = o.value("contrast").toDouble();
        const double actual = glcmContrast(fromBase64(o, "grey_base64", CV_8UC1));
        const std::string name = o.value("name").toString().toStdString();
        if (expected == 0.0) EXPECT_EQ(actual, 0.0) << name;
        else EXPECT_LE(std::abs(actual - expected) / expected, 1e-9) << name << ": " << actual << " vs " << expected;
    }
}

TEST(Glcm, GreyConversionIsBitExactWithSusy) {
    const QJsonArray patches = fixtures().value("rgb_patches").toArray();
    ASSERT_GE(patches.size(), 1);
    for (const QJsonValue& v : patches) {
        const QJsonObject o = v.toObject();
        const cv::Mat grey = toGrey(fromBase64(o, "rgb_base64", CV_8UC3));
        const cv::Mat expected = fromBase64(o, "grey_base64", CV_8UC1);
        EXPECT_EQ(cv::norm(grey, expected, cv::NORM_INF), 0.0) << o.value("name").toString().toStdString();
        if (o.contains("contrast"))
            EXPECT_NEAR(glcmContrast(grey), o.value("contrast").toDouble(), 1e-9 * o.value("contrast").toDouble());
    }
}

TEST(Glcm, KnownValues) {
    cv::Mat stripes(10, 20, CV_8UC1);
    for (int c = 0; c < 20; ++c) stripes.col(c).setTo(c % 2 ? 10 : 0);
    EXPECT_DOUBLE_EQ(glcmContrast(stripes), 100.0);  // distance 5 is odd: every pair differs by 10
    EXPECT_DOUBLE_EQ(glcmContrast(cv::Mat(8, 8, CV_8UC1, cv::Scalar(3))), 0.0);
    EXPECT_DOUBLE_EQ(glcmContrast(cv::Mat(8, 5, CV_8UC1, cv::Scalar(3))), 0.0);  // no pair at distance 5
}
