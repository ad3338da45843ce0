// IP addresses and subnets for the relay policy (per-IP caps, rate buckets, ACL rules); no sockets here.
#pragma once
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace chiral::relay {

// IPv4 is stored as IPv4 in bytes[0..3] (rest zero); IPv4-mapped IPv6 (::ffff:a.b.c.d) is normalised to
// IPv4 so that one host is one key whichever socket family it arrived on.
struct IpAddr {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  // Dotted quad (no leading zeros, exactly four parts) or RFC 4291 text (with "::" and a dotted tail);
  // surrounding brackets are accepted, zone ids ("%eth0") are not.
  static std::optional<IpAddr> parse(std::string_view text);
  // 4 bytes -> IPv4, 16 bytes -> IPv6 (mapped ones normalised); other sizes -> nullopt.
  static std::optional<IpAddr> from_bytes(BytesView raw);
  static IpAddr v4(std::uint32_t host_order);
  static IpAddr v6_from(const std::array<std::uint8_t, 16>& raw);  // normalises mapped v4

  bool is_v4() const noexcept { return !v6; }
  std::size_t size() const noexcept { return v6 ? 16 : 4; }  // significant bytes
  std::uint8_t max_prefix() const noexcept { return v6 ? 128 : 32; }
  // Host bits beyond `prefix` set to zero (prefix clamped to max_prefix()).
  IpAddr masked(std::uint8_t prefix) const noexcept;
  // "1.2.3.4" or RFC 5952 canonical IPv6 ("2001:db8::1").
  std::string to_string() const;

  bool operator==(const IpAddr&) const noexcept = default;
  std::strong_ordering operator<=>(const IpAddr&) const noexcept = default;
};

// A CIDR block. Matches only addresses of its own family: "::/0" is every IPv6 address, not IPv4 ones
// (write "0.0.0.0/0" for those); "::ffff:10.0.0.0/104" is normalised to "10.0.0.0/8".
struct Subnet {
  IpAddr base;         // host bits are zero
  std::uint8_t prefix = 0;

  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Host bits in the base are
  // cleared ("10.1.2.3/8" == "10.0.0.0/8"). Prefix: decimal, no sign, within the family's width.
  static std::optional<Subnet> parse(std::string_view cidr_or_ip);
  static Subnet of(const IpAddr& ip, std::uint8_t prefix);  // clamps and masks
  bool contains(const IpAddr& ip) const noexcept;
  std::string to_string() const;

  bool operator==(const Subnet&) const noexcept = default;
};

}  // namespace chiral::relay

template <>
struct std::hash<chiral::relay::IpAddr> {
  std::size_t operator()(const chiral::relay::IpAddr& ip) const noexcept {
    // FNV-1a over the family flag and the 16 bytes: cheap, and no key bytes are ignored.
    std::uint64_t h = 1469598103934665603ull ^ (ip.v6 ? 0x9e : 0x4f);
    h *= 1099511628211ull;
    for (auto b : ip.bytes) {
      h ^= b;
      h *= 1099511628211ull;
    }
    return static_cast<std::size_t>(h);
  }
};
