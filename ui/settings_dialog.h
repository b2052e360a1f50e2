#pragma once
#include <QDialog>

#include "ui/user_settings.h"

class QComboBox;
class QSpinBox;
class QCheckBox;

namespace synthscope::ui {

// Device, precision, threads and patch policy; the caller saves and applies the result.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    SettingsDialog(const UserSettings& current, QWidget* parent = nullptr);
    UserSettings settings() const;

private:
    UserSettings base_;
    QComboBox* device_;
    QComboBox* precision_;
    QSpinBox* threads_;
    QSpinBox* topK_;
    QSpinBox* regionControls_;
    QCheckBox* fullHeatmap_;
};

}  // namespace synthscope::ui
