#pragma once
// Shared by the libFuzzer harnesses (tests/fuzz/*.cpp): what counts as a bug besides a crash or a
// sanitizer report. Every parser here either returns a result or throws EngineError with a message;
// any other exception escaping is a bug (the user would get no clear message), and so is a broken
// promise about the result.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                   \
    do {                                                                                        \
        if (!(condition)) {                                                                     \
            std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                       \
        }                                                                                       \
    } while (0)
