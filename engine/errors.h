#pragma once
#include <stdexcept>
#include <string>

namespace synthscope {

// What went wrong, in the terms a caller acts on: the CLI maps these to exit codes, the GUI to messages.
enum class ErrorKind {
    BadInput,   // the user's file is unreadable, truncated, too large, not an image, ...
    Model,      // a model or manifest is missing, broken or does not match
    Cancelled,  // the user cancelled the job
    Internal    // a bug or an unexpected failure of a library
};

const char* errorKindName(ErrorKind kind);

// The one exception type the engine throws. what() is a sentence a user can act on.
class EngineError : public std::runtime_error {
public:
    EngineError(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

// The first line of a library's error message (LibTorch's run on for pages).
inline std::string firstLine(const std::string& text) {
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}
// The sentence that says what went wrong in a TorchScript error (its first line is only "The following
// operation failed in the TorchScript interpreter.").
inline std::string errorSentence(const std::string& text) {
    const auto at = text.rfind("Error: ");
    return at == std::string::npos ? firstLine(text) : firstLine(text.substr(at + 7));
}

inline EngineError badInput(const std::string& m) { return EngineError(ErrorKind::BadInput, m); }
inline EngineError modelError(const std::string& m) { return EngineError(ErrorKind::Model, m); }
inline EngineError cancelled() { return EngineError(ErrorKind::Cancelled, "cancelled"); }

}  // namespace synthscope
