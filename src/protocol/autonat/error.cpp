// Messages and category of AutonatError.
#include "protocol/autonat/error.hpp"

namespace chiral::autonat {

namespace {
const char* autonat_message(AutonatError e) {
  switch (e) {
    case AutonatError::ok: return "ok";
    case AutonatError::too_large: return "autonat message too large";
    case AutonatError::malformed: return "malformed autonat message";
    case AutonatError::empty_message: return "autonat v2 message without content";
    case AutonatError::missing_type: return "autonat v1 message type missing or unknown";
    case AutonatError::chunk_too_large: return "dial data chunk above 4096 bytes";
    case AutonatError::chunk_too_small: return "dial data chunk too small";
    case AutonatError::unexpected_message: return "unexpected autonat message";
  }
  return "unknown autonat error";
}
}  // namespace

const boost::system::error_category& autonat_category() noexcept {
  static const EnumCategory<AutonatError> cat("chiral.autonat", autonat_message);
  return cat;
}

}  // namespace chiral::autonat
