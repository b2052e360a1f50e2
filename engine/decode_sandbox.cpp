#include "engine/decode_sandbox.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <initializer_list>
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

// The calls a decoding process may make as asked (bench/decoder_calls.py lists those the decoders make
// once confined, over the fuzz corpora and samples of ../shared/data and the wallpapers). Every other
// call fails with EPERM, except the few checked by argument in confineToDecoding().
const std::vector<long>& allowedCalls() {
    static const std::vector<long> calls = {
        // the descriptors it was given (stdin, the answer's memory file, stderr); no call that names a path
        // but the read-only ones on metadata below
        __NR_read, __NR_write, __NR_readv, __NR_writev, __NR_pread64, __NR_pwrite64, __NR_lseek, __NR_close, __NR_fstat,
        // metadata of paths, no contents: GDAL's plugin probe stats a folder, Exiv2 reads /proc/self/exe
        __NR_newfstatat,
#ifdef __NR_statx
        __NR_statx,
#endif
#ifdef __NR_readlink
        __NR_readlink,
#endif
        __NR_readlinkat,
        // memory (mmap and mprotect: below, never executable)
        __NR_brk, __NR_munmap, __NR_mremap, __NR_madvise,
        // threads and waiting (clone: below, threads only)
        __NR_futex, __NR_set_robust_list, __NR_rseq, __NR_set_tid_address, __NR_sched_yield, __NR_sched_getaffinity, __NR_gettid,
        __NR_getpid, __NR_exit, __NR_exit_group, __NR_restart_syscall, __NR_nanosleep, __NR_clock_nanosleep,
        // time, signals to itself (kill and tgkill: below), facts about the machine and itself
        __NR_clock_gettime, __NR_clock_getres, __NR_gettimeofday,
#ifdef __NR_time
        __NR_time,
#endif
        __NR_rt_sigaction, __NR_rt_sigprocmask, __NR_rt_sigreturn, __NR_sigaltstack, __NR_uname, __NR_sysinfo, __NR_getrandom,
        __NR_getuid, __NR_geteuid, __NR_getgid, __NR_getegid,
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

// call == number and its first argument one of `values`: allowed; call == number otherwise: refused.
// Another call jumps over the block with its number still loaded.
void allowOnlyWithFirstArgument(std::vector<sock_filter>& f, long number, std::initializer_list<std::uint32_t> values) {
    const auto n = std::uint8_t(values.size());
    f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(number), 0, std::uint8_t(n + 3)));
    f.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kFirstArgument));
    std::uint8_t left = n;  // comparisons after this one: a match jumps over them and the refusal
    for (const std::uint32_t value : values) f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, value, left--, 0));
    f.push_back(statement(BPF_RET | BPF_K, kRefuse));
    f.push_back(statement(BPF_RET | BPF_K, kAllow));
}

constexpr std::uint32_t argument(int index) { return kFirstArgument + 8 * std::uint32_t(index); }  // its low 32 bits

// call == number: allowed when the argument has `bits` set (set = true) or none of them (set = false),
// refused otherwise. Another call jumps over the block with its number still loaded.
void allowOnlyByBits(std::vector<sock_filter>& f, long number, int index, std::uint32_t bits, bool set) {
    f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(number), 0, 4));
    f.push_back(statement(BPF_LD | BPF_W | BPF_ABS, argument(index)));
    f.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, bits, 0, 1));
    f.push_back(statement(BPF_RET | BPF_K, set ? kAllow : kRefuse));
    f.push_back(statement(BPF_RET | BPF_K, set ? kRefuse : kAllow));
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
#ifdef __NR_clone3
    f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(__NR_clone3), 0, 1));
    f.push_back(statement(BPF_RET | BPF_K, kNotImplemented));
#endif
    allowOnlyByBits(f, __NR_clone, 0, CLONE_THREAD, true);  // threads only
    // Signals to itself only (abort() raises SIGABRT with tgkill(own pid, ...)).
    const std::uint32_t self = std::uint32_t(::getpid());
    allowOnlyWithFirstArgument(f, __NR_kill, {self});
    allowOnlyWithFirstArgument(f, __NR_tgkill, {self});
    // Memory, never executable: code an attacked decoder smuggles in as data cannot be made to run.
    allowOnlyByBits(f, __NR_mmap, 2, PROT_EXEC, false);
    allowOnlyByBits(f, __NR_mprotect, 2, PROT_EXEC, false);
    // prctl(): naming its threads (dav1d, libde265) and nothing else (no dumpable, no ptracer, no no-new-privs undone).
    allowOnlyWithFirstArgument(f, __NR_prctl, {PR_SET_NAME, PR_GET_NAME});
    for (const long call : allowedCalls()) {
        f.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(call), 0, 1));
        f.push_back(statement(BPF_RET | BPF_K, kAllow));
    }
    f.push_back(statement(BPF_RET | BPF_K, kRefuse));  // everything else

    sock_fprog program{static_cast<unsigned short>(f.size()), f.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("not confined: ") + std::strerror(errno);
    if (::syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0 &&
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0)
        return std::string("not confined: ") + std::strerror(errno);
    return {};
}

}  // namespace synthscope
