#include "engine/decode_sandbox.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

namespace synthscope {
namespace {

#if defined(__x86_64__)
constexpr std::uint32_t kArchitecture = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kArchitecture = AUDIT_ARCH_AARCH64;
#else
constexpr std::uint32_t kArchitecture = 0;  // not confined
#endif

// The calls refused outright. Each is listed where the architecture has it (AArch64 has no open(), fork()...).
const std::vector<long>& refusedCalls() {
    static const std::vector<long> calls = {
    // files: opening, making, removing, renaming, changing
#ifdef __NR_open
        __NR_open,
#endif
#ifdef __NR_creat
        __NR_creat,
#endif
        __NR_openat,
#ifdef __NR_openat2
        __NR_openat2,
#endif
        __NR_open_by_handle_at, __NR_name_to_handle_at,
#ifdef __NR_unlink
        __NR_unlink, __NR_rename, __NR_link, __NR_symlink, __NR_mkdir, __NR_rmdir, __NR_chmod, __NR_chown, __NR_lchown, __NR_mknod,
#endif
        __NR_unlinkat, __NR_renameat,
#ifdef __NR_renameat2
        __NR_renameat2,
#endif
        __NR_linkat, __NR_symlinkat, __NR_mkdirat, __NR_mknodat, __NR_fchmodat, __NR_fchownat, __NR_truncate, __NR_chdir, __NR_chroot,
        __NR_mount, __NR_umount2, __NR_pivot_root,
        // programs and processes (threads are clone() with CLONE_THREAD: below)
        __NR_execve, __NR_execveat,
#ifdef __NR_fork
        __NR_fork, __NR_vfork,
#endif
        __NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev, __NR_kcmp, __NR_tkill,
#ifdef __NR_pidfd_open
        __NR_pidfd_open, __NR_pidfd_send_signal,
#endif
#ifdef __NR_pidfd_getfd
        __NR_pidfd_getfd,
#endif
        __NR_setns, __NR_unshare,
        // the network and other ways out
        __NR_socket, __NR_socketpair, __NR_connect, __NR_bind, __NR_listen, __NR_accept, __NR_accept4,
#ifdef __NR_io_uring_setup
        __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
#endif
        __NR_bpf, __NR_perf_event_open, __NR_userfaultfd, __NR_keyctl, __NR_add_key, __NR_request_key, __NR_fanotify_init,
        __NR_inotify_init1, __NR_init_module, __NR_finit_module, __NR_delete_module, __NR_kexec_load, __NR_reboot, __NR_swapon,
        __NR_swapoff, __NR_acct,
    };
    return calls;
}

sock_filter statement(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t ifTrue, std::uint8_t ifFalse) { return BPF_JUMP(code, k, ifTrue, ifFalse); }

constexpr std::uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr std::uint32_t kRefuse = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
// clone3() passes its flags in memory a filter cannot read: "not implemented" makes the C library fall
// back to clone(), whose flags it can.
constexpr std::uint32_t kNotImplemented = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);

constexpr std::uint32_t kNumber = offsetof(seccomp_data, nr);
constexpr std::uint32_t kArch = offsetof(seccomp_data, arch);
constexpr std::uint32_t kFirstArgument = offsetof(seccomp_data, args);  // its low 32 bits (little-endian)

// call == number and its first argument == value: allowed; call == number otherwise: refused.
void allowOnlyWithFirstArgument(std::vector<sock_filter>& f, long number, std::uint32_t value) {
    f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(number), 0, 4));
    f.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kFirstArgument));
    f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1));
    f.push_back(statement(BPF_RET | BPF_K, kAllow));
    f.push_back(statement(BPF_RET | BPF_K, kRefuse));
}

}  // namespace

bool decodingCanBeConfined() { return kArchitecture != 0; }

std::string confineToDecoding() {
    if (kArchitecture == 0) return "not confined: seccomp filters are written for x86-64 and AArch64 only";
    std::vector<sock_filter> f;
    // Calls of another architecture's table (32-bit calls on x86-64) are refused as a whole.
    f.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kArch));
    f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, kArchitecture, 1, 0));
    f.push_back(statement(BPF_RET | BPF_K, kRefuse));
    f.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kNumber));
#if defined(__x86_64__)
    f.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1));  // the x32 table
    f.push_back(statement(BPF_RET | BPF_K, kRefuse));
#endif
    for (const long call : refusedCalls()) {
        f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(call), 0, 1));
        f.push_back(statement(BPF_RET | BPF_K, kRefuse));
    }
#ifdef __NR_clone3
    f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(__NR_clone3), 0, 1));
    f.push_back(statement(BPF_RET | BPF_K, kNotImplemented));
#endif
    // clone(): threads only.
    f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(__NR_clone), 0, 4));
    f.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kFirstArgument));
    f.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1));
    f.push_back(statement(BPF_RET | BPF_K, kAllow));
    f.push_back(statement(BPF_RET | BPF_K, kRefuse));
    // Signals to itself only (abort() raises SIGABRT with tgkill(own pid, ...)). Each check leaves the call's
    // number loaded again for the next.
    const std::uint32_t self = std::uint32_t(::getpid());
    allowOnlyWithFirstArgument(f, __NR_kill, self);
    f.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kNumber));
    allowOnlyWithFirstArgument(f, __NR_tgkill, self);
    f.push_back(statement(BPF_RET | BPF_K, kAllow));

    sock_fprog program{static_cast<unsigned short>(f.size()), f.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("not confined: ") + std::strerror(errno);
    if (::syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0 &&
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0)
        return std::string("not confined: ") + std::strerror(errno);
    return {};
}

}  // namespace synthscope
