#include "engine/thread_priority.h"

#include <algorithm>

#ifdef __linux__
#include <cerrno>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace synthscope {

#ifdef __linux__
namespace {
// Linux keeps a nice value per thread, addressed by its thread id (PRIO_PROCESS with a tid); the main
// thread's id is the process id.
int niceOf(pid_t tid) {
    errno = 0;
    const int value = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
    return errno == 0 ? value : 0;
}
pid_t currentTid() { return static_cast<pid_t>(syscall(SYS_gettid)); }
}  // namespace

bool lowerCurrentThreadPriority() {
    const int target = std::min(19, niceOf(getpid()) + kBackgroundNiceOffset);
    // Lowering is always allowed; raising (were this thread already lower) is not, and is not wanted.
    if (niceOf(currentTid()) >= target) return true;
    return setpriority(PRIO_PROCESS, static_cast<id_t>(currentTid()), target) == 0;
}

int currentThreadNice() { return niceOf(currentTid()); }
#else
bool lowerCurrentThreadPriority() { return false; }
int currentThreadNice() { return 0; }
#endif

}  // namespace synthscope
