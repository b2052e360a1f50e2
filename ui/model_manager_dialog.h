#pragma once
#include <QDialog>

#include "engine/model_registry.h"

class QTableWidget;
class QTextBrowser;

namespace synthscope::ui {

// Lists the models found (installed or not), shows a model's manifest, provenance and measured
// accuracy, and lets the user choose the one to use. Loading (and so validation) happens in the engine.
class ModelManagerDialog : public QDialog {
    Q_OBJECT
public:
    ModelManagerDialog(const ModelCatalog& catalog, const QString& current, QWidget* parent = nullptr);
    QString chosenModel() const { return chosen_; }

private:
    void showDetails(int row);
    ModelCatalog catalog_;
    QString chosen_;
    QTableWidget* table_;
    QTextBrowser* details_;
};

QString describeManifestHtml(const ModelManifest& m);

}  // namespace synthscope::ui
