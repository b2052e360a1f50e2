#include "app/cli/terminal_progress.h"

#include <unistd.h>

namespace synthscope::cli {

TerminalProgress::TerminalProgress(int totalImages) : enabled_(isatty(STDERR_FILENO) == 1), total_(totalImages) {}

void TerminalProgress::update(int imagesDone, const std::string& current, int patchesDone, int patchesTotal) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - lastDraw_ < std::chrono::milliseconds(80)) return;  // no flicker, little CPU
    lastDraw_ = now;
    constexpr int width = 30;
    const double fraction = total_ > 0 ? (imagesDone + (patchesTotal > 0 ? double(patchesDone) / patchesTotal : 0.0)) / total_ : 1.0;
    const int filled = int(fraction * width);
    std::string bar(std::size_t(filled), '#');
    bar.resize(width, '.');
    std::string name = current.size() > 40 ? "..." + current.substr(current.size() - 37) : current;
    const double left = secondsLeft(fraction);
    const std::string eta = left >= 0 ? "  ETA " + formatDuration(left) : std::string();
    std::fprintf(stderr, "\r\033[K[%s] %d/%d%s %s", bar.c_str(), imagesDone, total_, eta.c_str(), name.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

double TerminalProgress::secondsLeft(double fraction) const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (fraction <= 0.001 || elapsed < 1.0) return -1;
    return elapsed / fraction * (1.0 - fraction);
}

std::string TerminalProgress::formatDuration(double seconds) {
    const long s = long(seconds + 0.5);
    char text[48];
    if (s < 60) std::snprintf(text, sizeof text, "%ld s", s);
    else if (s < 3600) std::snprintf(text, sizeof text, "%ld min %02ld s", s / 60, s % 60);
    else std::snprintf(text, sizeof text, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
    return text;
}

void TerminalProgress::clear() {
    if (!enabled_ || !drawn_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace synthscope::cli
