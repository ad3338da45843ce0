// Address selection for AutoNAT dial-backs (libp2p/specs autonat/autonat-v2.md, autonat-v1.md). The
// special ranges follow the IANA special-purpose registries (RFC 6890) as go's manet.IsPublicAddr does;
// IPv6 counts as public only inside global unicast 2000::/3.
#include "protocol/autonat/address_filter.hpp"

#include <algorithm>

namespace chiral::autonat {

namespace {

using multiformats::Multiaddr;
using multiformats::Protocol;

bool in_v4(const IpAddress& ip, std::uint8_t a, std::uint8_t b, std::uint8_t c, int prefix) {
  const std::uint32_t v = (std::uint32_t{ip.bytes[0]} << 24) | (std::uint32_t{ip.bytes[1]} << 16) |
                          (std::uint32_t{ip.bytes[2]} << 8) | ip.bytes[3];
  const std::uint32_t net = (std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8);
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (v & mask) == (net & mask);
}

IpClass classify_v4(const IpAddress& ip) {
  if (std::all_of(ip.bytes.begin(), ip.bytes.begin() + 4, [](auto b) { return b == 0; })) return IpClass::unspecified;
  if (in_v4(ip, 0, 0, 0, 8)) return IpClass::this_network;
  if (in_v4(ip, 127, 0, 0, 8)) return IpClass::loopback;
  if (in_v4(ip, 10, 0, 0, 8) || in_v4(ip, 172, 16, 0, 12) || in_v4(ip, 192, 168, 0, 16)) return IpClass::private_use;
  if (in_v4(ip, 100, 64, 0, 10)) return IpClass::cgnat;
  if (in_v4(ip, 169, 254, 0, 16)) return IpClass::link_local;
  if (in_v4(ip, 224, 0, 0, 4)) return IpClass::multicast;
  if (in_v4(ip, 240, 0, 0, 4) || in_v4(ip, 192, 0, 0, 24)) return IpClass::reserved;
  if (in_v4(ip, 192, 0, 2, 24) || in_v4(ip, 198, 51, 100, 24) || in_v4(ip, 203, 0, 113, 24)) {
    return IpClass::documentation;
  }
  if (in_v4(ip, 198, 18, 0, 15)) return IpClass::benchmarking;
  return IpClass::public_unicast;
}

IpClass classify_v6(const IpAddress& ip) {
  const auto& b = ip.bytes;
  if (std::all_of(b.begin(), b.end(), [](auto x) { return x == 0; })) return IpClass::unspecified;
  if (std::all_of(b.begin(), b.end() - 1, [](auto x) { return x == 0; }) && b[15] == 1) return IpClass::loopback;
  if (b[0] == 0xff) return IpClass::multicast;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return IpClass::link_local;
  if ((b[0] & 0xfe) == 0xfc) return IpClass::unique_local;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return IpClass::documentation;
  if ((b[0] & 0xe0) != 0x20) return IpClass::reserved;  // outside global unicast 2000::/3
  return IpClass::public_unicast;
}

// Accepted shapes: /ip4|ip6/<ip>/tcp/<port>, optionally /ws, optionally a trailing /p2p/<id>.
struct Parsed {
  Multiaddr addr;  // without /p2p
  IpAddress ip;
  std::uint16_t port = 0;
  std::optional<multiformats::PeerId> peer;
};

std::variant<Parsed, AddrSkip> parse(BytesView raw) {
  auto m = Multiaddr::from_bytes(raw);
  if (!m) return AddrSkip::malformed;
  const auto comps = m->components();
  std::size_t end = 2;
  if (comps.size() > end && comps[end].code == Protocol::ws) ++end;  // the host dials /ws too (browsers' relays)
  if (comps.size() > end && comps[end].code == Protocol::p2p) ++end;
  const bool shape_ok = comps.size() >= 2 && end == comps.size() &&
                        (comps[0].code == Protocol::ip4 || comps[0].code == Protocol::ip6) &&
                        comps[1].code == Protocol::tcp;
  if (!shape_ok) return AddrSkip::unsupported_transport;
  auto ip = IpAddress::from_bytes(comps[0].value);
  auto it = m->ip_tcp();
  if (!ip || !it) return AddrSkip::malformed;
  Parsed p;
  p.peer = m->peer_id();
  p.addr = m->without_p2p();
  p.ip = *ip;
  p.port = it->port;
  return p;
}

}  // namespace

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress ip;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

std::optional<IpAddress> IpAddress::from_bytes(BytesView raw) {
  IpAddress ip;
  if (raw.size() == 4) {
    std::copy(raw.begin(), raw.end(), ip.bytes.begin());
    return ip;
  }
  if (raw.size() != 16) return std::nullopt;
  static constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), raw.begin())) {
    std::copy(raw.begin() + 12, raw.end(), ip.bytes.begin());
    return ip;
  }
  ip.v6 = true;
  std::copy(raw.begin(), raw.end(), ip.bytes.begin());
  return ip;
}

IpClass classify_ip(const IpAddress& ip) noexcept { return ip.v6 ? classify_v6(ip) : classify_v4(ip); }

std::string_view ip_class_name(IpClass c) noexcept {
  switch (c) {
    case IpClass::public_unicast: return "public";
    case IpClass::unspecified: return "unspecified";
    case IpClass::this_network: return "this-network";
    case IpClass::loopback: return "loopback";
    case IpClass::private_use: return "private";
    case IpClass::cgnat: return "cgnat";
    case IpClass::link_local: return "link-local";
    case IpClass::multicast: return "multicast";
    case IpClass::reserved: return "reserved";
    case IpClass::documentation: return "documentation";
    case IpClass::benchmarking: return "benchmarking";
    case IpClass::unique_local: return "unique-local";
  }
  return "unknown";
}

std::string_view addr_skip_name(AddrSkip s) noexcept {
  switch (s) {
    case AddrSkip::malformed: return "malformed";
    case AddrSkip::unsupported_transport: return "unsupported_transport";
    case AddrSkip::port_zero: return "port_zero";
    case AddrSkip::other_peer: return "other_peer";
    case AddrSkip::non_public_ip: return "non_public_ip";
    case AddrSkip::family_unavailable: return "family_unavailable";
    case AddrSkip::other_ip: return "other_ip";
    case AddrSkip::own_address: return "own_address";
  }
  return "unknown";
}

std::variant<DialCandidate, AddrSkip> check_address(BytesView raw, std::size_t index, const IpAddress& observed_ip,
                                                    const DialPolicy& policy, const multiformats::PeerId* requester) {
  auto parsed = parse(raw);
  if (auto* skip = std::get_if<AddrSkip>(&parsed)) return *skip;
  auto& p = std::get<Parsed>(parsed);
  if (p.port == 0) return AddrSkip::port_zero;
  if (requester && p.peer && *p.peer != *requester) return AddrSkip::other_peer;
  // Unspecified and multicast targets are never dialable, whatever the policy says.
  const IpClass cls = classify_ip(p.ip);
  if (cls == IpClass::unspecified || cls == IpClass::multicast ||
      (!policy.allow_private && cls != IpClass::public_unicast)) {
    return AddrSkip::non_public_ip;
  }
  if ((p.ip.v6 && !policy.dial_ip6) || (!p.ip.v6 && !policy.dial_ip4)) return AddrSkip::family_unavailable;
  if (std::find(policy.own_addrs.begin(), policy.own_addrs.end(), p.addr) != policy.own_addrs.end()) {
    return AddrSkip::own_address;
  }
  const bool same_ip = p.ip == observed_ip;
  if (policy.same_ip_only && !same_ip) return AddrSkip::other_ip;
  DialCandidate c;
  c.index = index;
  c.addr = std::move(p.addr);
  c.ip = p.ip;
  c.same_ip = same_ip;
  return c;
}

std::variant<DialCandidate, NoDialable> first_dialable(std::span<const Bytes> addrs, const IpAddress& observed_ip,
                                                       const DialPolicy& policy,
                                                       const multiformats::PeerId* requester) {
  NoDialable none;
  const std::size_t n = std::min(addrs.size(), policy.max_considered);
  for (std::size_t i = 0; i < n; ++i) {
    auto r = check_address(addrs[i], i, observed_ip, policy, requester);
    ++none.considered;
    if (auto* c = std::get_if<DialCandidate>(&r)) return std::move(*c);
    none.last_reason = std::get<AddrSkip>(r);
  }
  return none;
}

std::variant<std::vector<DialCandidate>, NoDialable> dialable_addresses(std::span<const Bytes> addrs,
                                                                        const IpAddress& observed_ip,
                                                                        const DialPolicy& policy, std::size_t max,
                                                                        const multiformats::PeerId* requester) {
  std::vector<DialCandidate> out;
  NoDialable none;
  const std::size_t n = std::min(addrs.size(), policy.max_considered);
  for (std::size_t i = 0; i < n && out.size() < max; ++i) {
    auto r = check_address(addrs[i], i, observed_ip, policy, requester);
    ++none.considered;
    if (auto* c = std::get_if<DialCandidate>(&r)) {
      const bool dup = std::any_of(out.begin(), out.end(), [&](const DialCandidate& o) { return o.addr == c->addr; });
      if (!dup) out.push_back(std::move(*c));
      continue;
    }
    none.last_reason = std::get<AddrSkip>(r);
  }
  if (out.empty()) return none;
  return out;
}

}  // namespace chiral::autonat
