#include "ui/stall_monitor.h"

#include <algorithm>

namespace synthscope::ui {
namespace {
constexpr int kIntervalMs = 5;
}

StallMonitor::StallMonitor(QObject* parent) : QObject(parent) {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(kIntervalMs);
    connect(&timer_, &QTimer::timeout, this, &StallMonitor::tick);
}

void StallMonitor::start() {
    clock_.start();
    last_ = clock_.nsecsElapsed();
    longest_ = 0;
    ticks_ = 0;
    timer_.start();
}

void StallMonitor::tick() {
    const qint64 now = clock_.nsecsElapsed();
    longest_ = std::max(longest_, (now - last_) / 1e6 - kIntervalMs);
    last_ = now;
    ++ticks_;
}

}  // namespace synthscope::ui
