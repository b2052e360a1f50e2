// synthscope-decode: decodes one file's pixels (OpenCV's codecs, libheif) or reads its metadata (Exiv2)
// for the engine, in a process of its own so that a crash in a decoder costs one file, not the
// workstation; or, as `synthscope-decode serve`, forks such a process for each file (engine/decoder_process.h,
// engine/helper_launcher.h).
#include "engine/decoder_process.h"

int main(int argc, char** argv) { return synthscope::decodeHelperMain(argc, argv); }
