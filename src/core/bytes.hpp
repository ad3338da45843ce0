// Byte containers and views shared by every module.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chiral {

using Bytes = std::vector<std::uint8_t>;
using BytesView = std::span<const std::uint8_t>;
using MutableBytesView = std::span<std::uint8_t>;

inline BytesView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(BytesView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline void append(Bytes& out, BytesView in) { out.insert(out.end(), in.begin(), in.end()); }

std::string to_hex(BytesView b);
// Returns an empty optional-like flag via `ok`; hex must have even length and only [0-9a-fA-F].
bool from_hex(std::string_view hex, Bytes& out);

}  // namespace chiral
