// Which requested address an AutoNAT server dials (libp2p/specs autonat/autonat-v2.md "AutoNAT V2
// Protocol", "Implementation Suggestions"; autonat-v1.md "AutoNAT Protocol"): the first of the first 50
// that uses a transport we have, is public (unless private ranges are allowed), is of an IP family we
// can reach and, for v1, has the requester's observed IP. No sockets, no DNS: pure byte inspection.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "protocol/autonat/constants.hpp"

namespace chiral::autonat {

// An IP address as bytes. IPv4 lives in bytes[0..3]; IPv4-mapped IPv6 (::ffff:a.b.c.d) is normalised to
// IPv4 so a requester seen on a dual-stack socket compares equal to its /ip4 address.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
  // 4 bytes -> IPv4, 16 bytes -> IPv6 (mapped ones normalised); other sizes -> nullopt.
  static std::optional<IpAddress> from_bytes(BytesView raw);
  bool operator==(const IpAddress&) const = default;
};

// The special range an address falls in. Everything but public_unicast is refused unless allowed.
enum class IpClass {
  public_unicast,
  unspecified,    // 0.0.0.0, ::
  this_network,   // 0/8
  loopback,       // 127/8, ::1
  private_use,    // 10/8, 172.16/12, 192.168/16 (RFC 1918)
  cgnat,          // 100.64/10 (RFC 6598)
  link_local,     // 169.254/16, fe80::/10
  multicast,      // 224/4, ff00::/8
  reserved,       // 240/4 incl. 255.255.255.255; IETF 192.0.0/24; IPv6 outside 2000::/3
  documentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32
  benchmarking,   // 198.18/15
  unique_local,   // fc00::/7
};
IpClass classify_ip(const IpAddress& ip) noexcept;
std::string_view ip_class_name(IpClass c) noexcept;  // "public", "loopback", "private", ...
inline bool is_public(const IpAddress& ip) noexcept { return classify_ip(ip) == IpClass::public_unicast; }

struct DialPolicy {
  bool allow_private = false;  // also dial every non-public range (tests, private deployments)
  bool dial_ip4 = true;        // IP families this server can reach
  bool dial_ip6 = true;
  bool same_ip_only = false;   // v1: only addresses with the requester's observed IP
  std::size_t max_considered = kMaxAddrsConsidered;
  std::vector<multiformats::Multiaddr> own_addrs{};  // our listen addresses (without /p2p): never dialed
};

// Why one address was skipped; the last reason seen labels an E_DIAL_REFUSED.
enum class AddrSkip {
  malformed,              // not a binary multiaddr
  unsupported_transport,  // not /ip4|ip6/<ip>/tcp/<port>[/ws][/p2p/<id>] (dns, udp, circuit, wss, ...)
  port_zero,
  other_peer,             // ends in /p2p/<id> of someone other than the requester
  non_public_ip,
  family_unavailable,     // IPv6 on an IPv4-only server and vice versa
  other_ip,               // v1: not the requester's observed IP
  own_address,            // one of our own listen addresses
};
std::string_view addr_skip_name(AddrSkip s) noexcept;

struct DialCandidate {
  std::size_t index = 0;           // position in the request (what DialResponse.addrIdx reports)
  multiformats::Multiaddr addr{};  // /ip4|ip6/<ip>/tcp/<port>[/ws] without any /p2p suffix
  IpAddress ip{};
  bool same_ip = false;            // equals the requester's observed IP (no dial data needed)
};

struct NoDialable {
  std::size_t considered = 0;                  // addresses looked at (at most max_considered)
  std::optional<AddrSkip> last_reason{};       // empty when the request held no address
};

// One address: a candidate, or why it is skipped. `requester` (when given) must match a /p2p suffix.
std::variant<DialCandidate, AddrSkip> check_address(BytesView addr, std::size_t index, const IpAddress& observed_ip,
                                                    const DialPolicy& policy,
                                                    const multiformats::PeerId* requester = nullptr);

// v2: the first acceptable address among the first policy.max_considered.
std::variant<DialCandidate, NoDialable> first_dialable(std::span<const Bytes> addrs, const IpAddress& observed_ip,
                                                       const DialPolicy& policy,
                                                       const multiformats::PeerId* requester = nullptr);

// v1: up to `max` acceptable, distinct addresses, in request order (the refusal when there is none).
std::variant<std::vector<DialCandidate>, NoDialable> dialable_addresses(std::span<const Bytes> addrs,
                                                                        const IpAddress& observed_ip,
                                                                        const DialPolicy& policy, std::size_t max,
                                                                        const multiformats::PeerId* requester = nullptr);

}  // namespace chiral::autonat
