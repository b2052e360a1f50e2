#include "engine/errors.h"

namespace synthscope {

const char* errorKindName(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::BadInput: return "bad_input";
    case ErrorKind::Model: return "model";
    case ErrorKind::Cancelled: return "cancelled";
    case ErrorKind::Internal: return "internal";
    }
    return "internal";
}

}  // namespace synthscope
