// synthscope-decode: decodes one HEIF/AVIF file from standard input for the engine, in a process of
// its own so that a crash in libheif costs one file, not the workstation (engine/decoder_process.h).
#include "engine/decoder_process.h"

int main(int argc, char** argv) { return synthscope::decodeHelperMain(argc, argv); }
