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

private:
    bool enabled_;
    int total_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point lastDraw_{};
};

}  // namespace synthscope::cli
