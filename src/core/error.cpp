#include "core/error.hpp"

#include "core/bytes.hpp"

namespace chiral {

namespace {
const char* core_message(CoreError e) {
  switch (e) {
    case CoreError::ok: return "ok";
    case CoreError::truncated: return "input truncated";
    case CoreError::varint_overflow: return "uvarint overflow";
    case CoreError::varint_not_minimal: return "uvarint not minimally encoded";
    case CoreError::too_large: return "length exceeds limit";
    case CoreError::invalid_argument: return "invalid argument";
    case CoreError::timeout: return "deadline expired";
  }
  return "unknown core error";
}
}  // namespace

const boost::system::error_category& core_category() noexcept {
  static const EnumCategory<CoreError> cat("chiral.core", core_message);
  return cat;
}

std::string to_hex(BytesView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

bool from_hex(std::string_view hex, Bytes& out) {
  if (hex.size() % 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out.clear();
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return true;
}

}  // namespace chiral
