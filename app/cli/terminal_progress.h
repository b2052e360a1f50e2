#pragma once
#include <chrono>
#include <cstdio>
#include <string>

namespace synthscope::cli {

// A one-line progress bar on stderr, redrawn in place; silent when stderr is not a terminal, so logs
// and pipes get only the per-image lines.
class TerminalProgress {
public:
    explicit TerminalProgress(int totalImages);
    void update(int imagesDone, const std::string& current, int patchesDone, int patchesTotal);
    void clear();  // before printing a normal line
    bool enabled() const { return enabled_; }
    // Estimated seconds left at the rate so far (since construction) for a fraction done; -1 when unknown.
    double secondsLeft(double fraction) const;
    static std::string formatDuration(double seconds);  // "42 s", "3 min 05 s", "1 h 02 min"

private:
    bool enabled_;
    int total_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point lastDraw_{};
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace synthscope::cli
