#pragma once
#include <QWidget>

#include <optional>

#include "engine/fingerprint_match.h"
#include "ui/engine_bridge.h"

class QCustomPlot;
class QCPBars;
class QLabel;
class QProgressBar;

namespace synthscope::ui {

// The verdict in plain words with its uncertainty, the class probabilities as a bar chart, the model
// that produced them, and the probabilities of the patch under the mouse.
class VerdictPanel : public QWidget {
    Q_OBJECT
public:
    explicit VerdictPanel(QWidget* parent = nullptr);

    void setResult(const ResultPtr& result);  // nullptr clears
    void setProgress(int done, int total);    // patches classified so far
    void setMessage(const QString& message);  // e.g. "Analysing...", replacing the verdict
    // "Could not analyse this image" as the headline, and why (the engine's sentence, which can be long) below
    // it in plain text.
    void setFailure(const QString& why);
    void showPatch(int index);                // -1 hides the patch details
    // The robustness check's answer is shown under the verdict from the result (AnalysisResult::robustness);
    // while it is still running on the shown result, this says so instead.
    void setRobustnessPending(bool pending);
    // The image's fingerprint ranking (the forensic panel's), once computed; null clears. When the model
    // asks for it, the most likely generator is then the detector and fingerprints combined.
    void setFingerprints(const FingerprintAttribution* fingerprints);

    // For tests and screenshots.
    QString headline() const;
    QString details() const;
    QString robustness() const;
    QString contributions() const;  // the "how the generator was chosen" table, empty when hidden

private:
    void updateRobustness();
    void updateChart(const std::vector<ClassScore>& scores, const QString& title);

    ResultPtr result_;
    bool robustnessPending_ = false;
    std::optional<FingerprintAttribution> fingerprints_;
    QLabel* headline_;
    QLabel* details_;
    QLabel* contributions_;  // what each attribution source said of the first candidates
    QLabel* robustness_;
    QLabel* model_;
    QLabel* patch_;
    QProgressBar* progress_;
    QCustomPlot* chart_;
    QCPBars* bars_;
};

}  // namespace synthscope::ui
