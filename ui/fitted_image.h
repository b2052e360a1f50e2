#pragma once
#include <QImage>
#include <QWidget>

namespace synthscope::ui {

// Shows an image as large as it fits, aspect ratio kept, centred. Its tooltip ("ldm in Fourier space: ...") is
// also its accessible name, so that a screen reader says which picture it is.
class FittedImage : public QWidget {
public:
    explicit FittedImage(QWidget* parent = nullptr);
    void setImage(const QImage& image);
    void clear() { setImage({}); }
    const QImage& image() const { return image_; }

protected:
    void paintEvent(QPaintEvent*) override;
    bool event(QEvent* e) override;  // its tooltip also names it to screen readers

private:
    QImage image_;
};

}  // namespace synthscope::ui
