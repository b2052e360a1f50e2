#pragma once
#include <QDialog>

#include "engine/model_registry.h"

namespace synthscope::ui {

// Version, the libraries that do the work, and every model found with its provenance.
class AboutDialog : public QDialog {
    Q_OBJECT
public:
    AboutDialog(const ModelCatalog& catalog, QWidget* parent = nullptr);
};

}  // namespace synthscope::ui
