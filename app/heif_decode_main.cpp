// synthscope-heif-decode: decodes one HEIF/AVIF file from standard input for the engine, in a process of
// its own so that a crash in libheif costs one file, not the workstation (engine/heif_process.h).
#include "engine/heif_process.h"

int main(int argc, char** argv) { return synthscope::heifHelperMain(argc, argv); }
