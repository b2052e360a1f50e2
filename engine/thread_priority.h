#pragma once

namespace synthscope {

// Puts the calling thread below the process's main thread in the OS scheduler: on Linux its nice value
// becomes the main thread's + kBackgroundNiceOffset (at most 19), for this thread only. Threads it creates
// afterwards inherit it, LibTorch's OpenMP workers included when their first parallel region runs here.
// A GUI's analysis threads call it so that, on a machine whose cores they fill, the event loop still runs
// when it needs to (measured: bench/gui_stall.sh, README). Calling it again changes nothing.
// Returns false where it is not supported (other systems) or the system refused.
constexpr int kBackgroundNiceOffset = 5;
bool lowerCurrentThreadPriority();

// The calling thread's nice value (Linux; 0 elsewhere), for tests and diagnostics.
int currentThreadNice();

}  // namespace synthscope
