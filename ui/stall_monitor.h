#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace synthscope::ui {

// Measures how long the GUI event loop goes without running: a short timer ticks, and the longest gap
// between ticks (less the timer's own interval) is the worst stall a user would have felt.
class StallMonitor : public QObject {
    Q_OBJECT
public:
    explicit StallMonitor(QObject* parent = nullptr);
    void start();
    void stop() { timer_.stop(); }
    double longestStallMs() const { return longest_; }
    int ticks() const { return ticks_; }

private:
    void tick();
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = 0;
    double longest_ = 0;
    int ticks_ = 0;
};

}  // namespace synthscope::ui
