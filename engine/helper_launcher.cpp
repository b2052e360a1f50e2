#include "engine/helper_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace synthscope {
namespace {

// The fork server's first words, so that the engine knows it is serving.
constexpr char kHello[] = "SSFORK1";
constexpr int kHelloTimeoutMs = 20000;  // its libraries load in ~125 ms; a busy machine can take far longer

// What a run's waiter (the server's child that forks the decoding process) tells the engine.
struct RunNews {
    std::int32_t kind;   // kStarted: value is the decoding process's pid; kEnded: value is its wait status
    std::int32_t value;
};
constexpr std::int32_t kStarted = 0, kEnded = 1;

std::runtime_error failure(const std::string& what) { return std::runtime_error(what + ": " + std::strerror(errno)); }

void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// Waits up to `timeoutMs` for `fd` to be readable (or closed). False on timeout.
bool waitReadable(int fd, int timeoutMs) {
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        const int n = ::poll(&p, 1, timeoutMs);
        if (n < 0 && errno == EINTR) continue;
        return n > 0;
    }
}

// One message of a SOCK_SEQPACKET socket; 0 when the other end has closed, -1 on error.
ssize_t receive(int fd, void* data, std::size_t size) {
    for (;;) {
        const ssize_t n = ::recv(fd, data, size, 0);
        if (n < 0 && errno == EINTR) continue;
        return n;
    }
}

void tell(int fd, std::int32_t kind, std::int32_t value) {
    const RunNews news{kind, value};
    while (::send(fd, &news, sizeof news, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

pid_t spawn(const std::string& program, const std::vector<std::string>& args, int inputFd, int outputFd,
            const std::vector<std::string>& environment) {
    std::vector<std::string> all = args;
    all.insert(all.begin(), program);
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = environment;
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, inputFd, STDIN_FILENO);
    if (outputFd >= 0) posix_spawn_file_actions_adddup2(&actions, outputFd, STDOUT_FILENO);
    // No signal blocked in the child, whatever the starting thread blocks (a blocked SIGCHLD would keep
    // the fork server's waiters from being reaped).
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = 0;
    const int started = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (started != 0)
        throw std::runtime_error("the decoder helper " + program + " could not be started: " + std::strerror(started));
    return pid;
}

void killAndReap(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

// A run started by posix_spawn: the engine's own child.
class SpawnedRun : public HelperRun {
public:
    explicit SpawnedRun(pid_t pid) : pid_(pid) {}
    ~SpawnedRun() override {
        if (pid_ > 0) killAndReap(pid_);
    }
    // A child's end cannot be polled together with a timeout: looked at every few milliseconds.
    bool waitForEnd(int& waitStatus, int timeoutMs) override {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        for (;;) {
            const pid_t done = ::waitpid(pid_, &waitStatus, WNOHANG);
            if (done == pid_) {
                pid_ = -1;
                return true;
            }
            if (done < 0 && errno != EINTR) {
                const std::runtime_error e = failure("waiting for the decoder helper failed");
                killAndReap(pid_);  // not left running unseen
                pid_ = -1;
                throw e;
            }
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    void stop() override {
        if (pid_ > 0) killAndReap(pid_);
        pid_ = -1;
    }

private:
    pid_t pid_;
};

// A run forked by the server: its waiter reports the pid, then the wait status. The waiter keeps the ended
// process unreaped until this side closes its socket, so the pid cannot be reused while stop() may use it.
class ForkedRun : public HelperRun {
public:
    explicit ForkedRun(int socket) : socket_(socket) {
        RunNews news{};
        if (!waitReadable(socket_, kHelloTimeoutMs) || receive(socket_, &news, sizeof news) != ssize_t(sizeof news) || news.kind != kStarted ||
            news.value <= 0) {
            closeFd(socket_);
            throw std::runtime_error("the decoder helper's fork server did not start the run");
        }
        pid_ = news.value;
    }
    ~ForkedRun() override {
        stop();  // a run given up on (an exception on the engine's side) is not left decoding
        closeFd(socket_);
    }
    bool waitForEnd(int& waitStatus, int timeoutMs) override {
        if (!waitReadable(socket_, timeoutMs)) return false;
        RunNews news{};
        if (receive(socket_, &news, sizeof news) != ssize_t(sizeof news) || news.kind != kEnded)
            throw std::runtime_error("the decoder helper's fork server lost the run");
        waitStatus = news.value;
        pid_ = -1;
        return true;
    }
    void stop() override {
        if (pid_ > 0) ::kill(pid_, SIGKILL);
        pid_ = -1;
    }

private:
    int socket_;
    pid_t pid_ = -1;
};

// The engine's end of a fork server.
struct ForkServer {
    std::string helper;
    pid_t pid = -1;
    int control = -1;
};

std::mutex serverMutex;
ForkServer* server = nullptr;         // guarded by serverMutex; left to the end of the process, when its socket closes and it exits
std::set<std::string> serverless;     // helpers whose fork server did not start: their runs are spawned

ForkServer* startServer(const std::string& helper, const std::vector<std::string>& environment) {
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) return nullptr;
    pid_t pid = -1;
    try {
        pid = spawn(helper, {"serve"}, sockets[1], -1, environment);
    } catch (const std::runtime_error&) {
        ::close(sockets[0]);
        ::close(sockets[1]);
        return nullptr;
    }
    ::close(sockets[1]);
    char hello[sizeof kHello] = {};
    if (!waitReadable(sockets[0], kHelloTimeoutMs) || receive(sockets[0], hello, sizeof hello) != ssize_t(sizeof kHello) ||
        std::memcmp(hello, kHello, sizeof kHello) != 0) {
        ::close(sockets[0]);
        killAndReap(pid);
        return nullptr;
    }
    return new ForkServer{helper, pid, sockets[0]};
}

void dropServer() {
    ::close(server->control);
    killAndReap(server->pid);
    delete server;
    server = nullptr;
}

// Hands the request to the server: the arguments, NUL-separated, and the run's three descriptors.
bool sendRequest(int control, const std::vector<std::string>& args, int inputFd, int outputFd, int replyFd) {
    std::string payload;
    for (const std::string& a : args) payload.append(a).push_back('\0');
    iovec data{payload.data(), payload.size()};
    const int fds[3] = {inputFd, outputFd, replyFd};
    alignas(cmsghdr) char control_[CMSG_SPACE(sizeof fds)] = {};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control_;
    message.msg_controllen = sizeof control_;
    cmsghdr* c = CMSG_FIRSTHDR(&message);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    for (;;) {
        if (::sendmsg(control, &message, MSG_NOSIGNAL) >= 0) return true;
        if (errno != EINTR) return false;
    }
}

// Through the server when one serves `helper`; nullptr when it cannot (the caller spawns instead).
std::unique_ptr<HelperRun> startForked(const std::string& helper, const std::vector<std::string>& args, int inputFd, int outputFd,
                                       const std::vector<std::string>& environment) {
    int reply[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, reply) != 0) throw failure("no socket for the decoder helper");
    bool sent = false;
    {
        const std::lock_guard<std::mutex> lock(serverMutex);
        for (int attempt = 0; attempt < 2 && !sent; ++attempt) {  // a server that died is started again, once
            if (server && server->helper != helper) dropServer();
            if (!server && !serverless.count(helper)) {
                server = startServer(helper, environment);
                if (!server) serverless.insert(helper);
            }
            if (!server) break;
            sent = sendRequest(server->control, args, inputFd, outputFd, reply[1]);
            if (!sent) dropServer();
        }
    }
    ::close(reply[1]);
    if (!sent) {
        ::close(reply[0]);
        return nullptr;
    }
    return std::make_unique<ForkedRun>(reply[0]);
}

// ---- the server's side ----

// The waiter: forks the process that decodes, reports it, waits for it, reports how it ended, and keeps it
// unreaped until the engine has closed its socket (so that the engine's stop() never hits a reused pid).
[[noreturn]] void waitForRun(std::vector<std::string> args, int inputFd, int outputFd, int replyFd, int (*runOne)(int, char**)) {
    std::signal(SIGCHLD, SIG_DFL);  // the server ignores it to have its waiters reaped; this one waits
    ::close(STDIN_FILENO);          // the server's socket
    const pid_t run = ::fork();
    if (run == 0) {
        ::dup2(inputFd, STDIN_FILENO);
        ::dup2(outputFd, STDOUT_FILENO);
        ::close(inputFd);
        ::close(outputFd);
        ::close(replyFd);
        args.insert(args.begin(), "synthscope-decode");
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::_exit(runOne(int(args.size()), argv.data()));
    }
    ::close(inputFd);
    ::close(outputFd);
    if (run < 0) ::_exit(1);  // the engine reads "did not start the run"
    tell(replyFd, kStarted, run);
    siginfo_t info{};
    while (::waitid(P_PID, id_t(run), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    int status = 0;
    if (info.si_code == CLD_EXITED) status = (info.si_status & 0xFF) << 8;
    else status = (info.si_status & 0x7F) | (info.si_code == CLD_DUMPED ? 0x80 : 0);
    tell(replyFd, kEnded, status);
    char byte = 0;
    while (receive(replyFd, &byte, 1) > 0) {
    }
    int reaped = 0;
    while (::waitpid(run, &reaped, 0) < 0 && errno == EINTR) {
    }
    ::_exit(0);
}

}  // namespace

std::unique_ptr<HelperRun> startHelperRun(const std::string& helper, const std::vector<std::string>& args, int inputFd, int outputFd,
                                          const std::vector<std::string>& environment, bool forkServer) {
    if (forkServer)
        if (std::unique_ptr<HelperRun> run = startForked(helper, args, inputFd, outputFd, environment)) return run;
    return std::make_unique<SpawnedRun>(spawn(helper, args, inputFd, outputFd, environment));
}

int serveHelperRuns(int (*runOne)(int argc, char** argv)) {
    std::signal(SIGCHLD, SIG_IGN);  // waiters are reaped by the kernel
    std::signal(SIGPIPE, SIG_IGN);
    if (::send(STDIN_FILENO, kHello, sizeof kHello, MSG_NOSIGNAL) != ssize_t(sizeof kHello)) return 1;
    for (;;) {
        char payload[1 << 16];
        iovec data{payload, sizeof payload};
        alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))] = {};
        msghdr message{};
        message.msg_iov = &data;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(STDIN_FILENO, &message, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n == 0 ? 0 : 1;  // the engine has gone
        std::vector<int> fds;
        for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                for (std::size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); ++i) {
                    int fd = -1;
                    std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                    fds.push_back(fd);
                }
        if (fds.size() == 3 && !(message.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
            std::vector<std::string> args;
            for (const char *p = payload, *end = payload + n; p < end;) {
                const std::size_t length = ::strnlen(p, std::size_t(end - p));
                args.emplace_back(p, length);
                p += length + 1;
            }
            const pid_t waiter = ::fork();
            if (waiter == 0) waitForRun(std::move(args), fds[0], fds[1], fds[2], runOne);
        }
        for (int fd : fds) ::close(fd);  // a waiter that could not be forked leaves the engine reading EOF
    }
}

}  // namespace synthscope
