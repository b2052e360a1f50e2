#pragma once
#include <string>

namespace synthscope {

// Confines the calling process to decoding what it has been handed (Linux seccomp), by an allow list:
// from here on it can use the descriptors it already has, memory that is never executable, threads,
// time, signals to itself and a few facts about itself and the machine (engine/decode_sandbox.cpp names
// each call; bench/decoder_calls.py lists the calls the decoders make). Every other call fails with
// "operation not permitted", which decoders treat as any failed call: it opens no file, starts no
// program and no process, makes no socket, touches no other process, maps nothing executable. So code
// run by an attacked decoder in the helper (decoder_process.h) cannot read or change the user's files or
// reach the network: it can only write a wrong answer to the memory file it was given, and the engine
// checks that answer. A call a new library version makes that the list does not name fails the same way,
// and that file is refused; bench/decoder_calls.py finds such calls before users do.
// Irreversible; for the helper's decoding processes only. Returns an empty string when the process is
// confined, else why not (another architecture than x86-64 or AArch64, a kernel without seccomp).
std::string confineToDecoding();

// Whether confineToDecoding() is written for this architecture (the kernel may still refuse it).
bool decodingCanBeConfined();

}  // namespace synthscope
