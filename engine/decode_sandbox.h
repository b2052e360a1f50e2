#pragma once
#include <string>

namespace synthscope {

// Confines the calling process to decoding what it has been handed (Linux seccomp): from here on it can
// open no file, start no program and no process (threads still), make no socket, touch no other process
// (ptrace, process_vm_*, pidfd_*, signals to any process but itself) and use no io_uring or bpf. Those
// calls fail with "operation not permitted", which decoders treat as any failed call; everything else a
// decoder needs (memory, threads, the descriptors it already has) stays. So code run by an attacked
// decoder in the helper (decoder_process.h) cannot read or change the user's files or reach the network:
// it can only write a wrong answer to the memory file it was given, and the engine checks that answer.
// A deny list, not an allow list: an allow list would break a decoder on the first call nobody foresaw.
// Irreversible; for the helper's decoding processes only. Returns an empty string when the process is
// confined, else why not (another architecture than x86-64 or AArch64, a kernel without seccomp).
std::string confineToDecoding();

// Whether confineToDecoding() is written for this architecture (the kernel may still refuse it).
bool decodingCanBeConfined();

}  // namespace synthscope
