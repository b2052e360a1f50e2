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
    std::fprintf(stderr, "\r\033[K[%s] %d/%d %s", bar.c_str(), imagesDone, total_, name.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void TerminalProgress::clear() {
    if (!enabled_ || !drawn_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace synthscope::cli
