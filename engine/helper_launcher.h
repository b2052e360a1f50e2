#pragma once
#include <memory>
#include <string>
#include <vector>

namespace synthscope {

// How the decoder helper's runs are started (decoder_process.h). Every file is decoded in a process of its
// own, so that an attacked decoder can neither take the workstation down nor touch the next file's pixels.
// Starting `synthscope-decode` afresh for each file costs about 125 ms, nearly all of it the static
// initialisers of the libraries OpenCV's image codecs pull in (GDAL, GDCM, OpenEXR); a JPEG decodes in a
// few. So the bundled helper is started once per application as a fork server ("zygote"): it loads its
// libraries, then for each request forks a fresh child that decodes one file and exits (about 1 ms).
// The server itself never reads a byte of any file. Helpers named by $SYNTHSCOPE_DECODE_HELPER (stand-ins
// in tests) and AddressSanitizer builds (whose memory limit is an environment variable per run) start a
// process per run instead, as before.

// A started helper run: one process decoding one file, its stdin and stdout being the given files.
class HelperRun {
public:
    virtual ~HelperRun() = default;
    // Waits at most `timeoutMs` for the run to end: true once it has, with its wait status (as waitpid
    // gives it). Throws std::runtime_error when the run can no longer be followed.
    virtual bool waitForEnd(int& waitStatus, int timeoutMs) = 0;
    // Stops the run at once (SIGKILL); nothing is left running or unreaped.
    virtual void stop() = 0;
};

// Starts `helper args...` with `inputFd` as its standard input and `outputFd` as its standard output.
// `forkServer`: through the fork server of `helper` (started on first use, started again if it died), else
// by posix_spawn with `environment`. Throws std::runtime_error with a sentence when nothing could be started.
std::unique_ptr<HelperRun> startHelperRun(const std::string& helper, const std::vector<std::string>& args, int inputFd, int outputFd,
                                          const std::vector<std::string>& environment, bool forkServer);

// The helper's side: serves requests on standard input (a Unix socket) until it closes, running
// `runOne(argc, argv)` in a forked child for each. Returns the process's exit code.
int serveHelperRuns(int (*runOne)(int argc, char** argv));

}  // namespace synthscope
