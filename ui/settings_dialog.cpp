#include "ui/settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>

#include <thread>

namespace synthscope::ui {

SettingsDialog::SettingsDialog(const UserSettings& current, QWidget* parent) : QDialog(parent), base_(current) {
    setWindowTitle(tr("Analysis settings"));
    auto* form = new QFormLayout(this);
    device_ = new QComboBox;
    device_->addItems({"auto", "cpu", "cuda"});
    device_->setCurrentText(current.device);
    device_->setToolTip(tr("auto uses the GPU when LibTorch sees one"));
    precision_ = new QComboBox;
    precision_->addItems({"fp32", "fp16", "bf16"});
    precision_->setCurrentText(current.precision);
    precision_->setToolTip(tr("fp16 applies on CUDA only; bf16 on CUDA and on CPUs with native BF16 "
                              "(probabilities within about 1e-3 of fp32, several times faster on such CPUs)"));
    threads_ = new QSpinBox;
    threads_->setRange(0, int(std::max(1u, std::thread::hardware_concurrency())) * 2);
    threads_->setSpecialValueText(tr("all cores"));
    threads_->setValue(current.threads);
    topK_ = new QSpinBox;
    topK_->setRange(0, 100);
    topK_->setSpecialValueText(tr("model's default"));
    topK_->setValue(current.topK);
    regionControls_ = new QSpinBox;
    regionControls_->setRange(0, kMaxRegionControls);
    regionControls_->setSpecialValueText(tr("none"));
    regionControls_->setValue(current.regionControls);
    regionControls_->setToolTip(tr("Analysis > Analyse Selected Region also analyses this many parts of the region's size "
                                   "elsewhere in the picture, and says whether the region stands out from them (when none of its size "
                                   "fits, smaller parts, compared with the region's own parts of that size)"));
    fullHeatmap_ = new QCheckBox(tr("Classify every patch (full heatmap)"));
    fullHeatmap_->setChecked(current.fullHeatmap);
    form->addRow(tr("Device"), device_);
    form->addRow(tr("Precision"), precision_);
    form->addRow(tr("CPU threads"), threads_);
    form->addRow(tr("Patches deciding the verdict"), topK_);
    form->addRow(tr("Control parts per region"), regionControls_);
    form->addRow(fullHeatmap_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

UserSettings SettingsDialog::settings() const {
    UserSettings s = base_;
    s.device = device_->currentText();
    s.precision = precision_->currentText();
    s.threads = threads_->value();
    s.topK = topK_->value();
    s.regionControls = regionControls_->value();
    s.fullHeatmap = fullHeatmap_->isChecked();
    return s;
}

}  // namespace synthscope::ui
