#pragma once
#include <QWidget>

class QCheckBox;
class QLabel;
class QSlider;
class QTimer;

namespace synthscope::ui {

// Teaching mode: re-encode the open image as JPEG at a chosen quality and watch the verdict, heatmap
// (and spectrum) change. Emits the quality when the slider settles; 0 means "the original file".
class TeachingPanel : public QWidget {
    Q_OBJECT
public:
    explicit TeachingPanel(QWidget* parent = nullptr);
    int quality() const;  // 0 when off
    void setQuality(int quality);  // for tests and automation; emits qualityChosen

signals:
    void qualityChosen(int quality);

private:
    QCheckBox* enabled_;
    QSlider* slider_;
    QLabel* label_;
    QTimer* settle_;
};

}  // namespace synthscope::ui
