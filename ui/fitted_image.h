#pragma once
#include <QImage>
#include <QWidget>

namespace synthscope::ui {

// Shows an image as large as it fits, aspect ratio kept, centred.
class FittedImage : public QWidget {
public:
    explicit FittedImage(QWidget* parent = nullptr);
    void setImage(const QImage& image);
    void clear() { setImage({}); }
    const QImage& image() const { return image_; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QImage image_;
};

}  // namespace synthscope::ui
