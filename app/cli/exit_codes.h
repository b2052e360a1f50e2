#pragma once

// The CLI's exit codes, as documented by `synthscope --help`.
namespace synthscope::cli {
constexpr int kExitOk = 0;        // every input was analysed
constexpr int kExitBadInput = 2;  // bad usage, or at least one input could not be analysed (the rest were)
constexpr int kExitInternal = 3;  // no usable model, or an internal error
}  // namespace synthscope::cli
