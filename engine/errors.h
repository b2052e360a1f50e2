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

inline EngineError badInput(const std::string& m) { return EngineError(ErrorKind::BadInput, m); }
inline EngineError modelError(const std::string& m) { return EngineError(ErrorKind::Model, m); }
inline EngineError cancelled() { return EngineError(ErrorKind::Cancelled, "cancelled"); }

}  // namespace synthscope
