#pragma once
#include <string>
#include <utility>

namespace synthscope {

// One plain-language observation of a forensic analysis, for people to read (CLI, GUI, reports).
struct Finding {
    std::string severity;  // "info" (a plain fact), "notice" (worth a look), "strong" (explicit trace), "error"
    std::string text;      // a full sentence
};

inline Finding infoFinding(std::string text) { return {"info", std::move(text)}; }
inline Finding noticeFinding(std::string text) { return {"notice", std::move(text)}; }
inline Finding strongFinding(std::string text) { return {"strong", std::move(text)}; }
inline Finding errorFinding(std::string text) { return {"error", std::move(text)}; }

}  // namespace synthscope
