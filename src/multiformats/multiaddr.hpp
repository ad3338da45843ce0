// Multiaddr (multiformats/multiaddr README + protocols.csv): binary form (uvarint code, value; uvarint length
// for variable-size values) and text form, with the transport protocols a libp2p relay meets.
#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/result.hpp"
#include "multiformats/peer_id.hpp"

namespace chiral::multiformats {

enum class MultiaddrError {
  ok = 0,
  empty = 1,                  // "" or "/" or zero bytes
  too_large = 2,              // binary form above kMaxBinarySize (or text above kMaxTextSize)
  missing_leading_slash = 3,  // text does not start with '/'
  unknown_protocol = 4,       // name or code not in our table
  missing_value = 5,          // protocol needs a value and the text ended
  invalid_ip4 = 6,
  invalid_ip6 = 7,
  invalid_port = 8,           // not a decimal number in 0..65535
  invalid_number = 9,         // ipcidr / memory value not a decimal number in range
  invalid_name = 10,          // empty dns/dnsaddr/sni/ip6zone value, or one containing '/'
  invalid_path = 11,          // unix path not "/..." or ending in '/'; http-path empty or bad %-escape
  invalid_peer_id = 12,       // p2p value is not a peer id
  invalid_certhash = 13,      // certhash value is not a multibase multihash
  truncated = 14,             // binary ends inside a component
  invalid_varint = 15,        // binary code/length not a minimal uvarint
  invalid_value_size = 16,    // fixed-size value of the wrong size
  component_after_path = 17,  // anything after /unix/...
};

const boost::system::error_category& multiaddr_category() noexcept;
inline boost::system::error_code make_error_code(MultiaddrError e) noexcept {
  return {static_cast<int>(e), multiaddr_category()};
}

// Multicodec codes of the protocols we parse. Names follow protocols.csv with '-' -> '_'
// ("unix" is unix_path because `unix` is a predefined macro in GNU C++ modes).
enum class Protocol : std::uint32_t {
  ip4 = 4,
  tcp = 6,
  dccp = 33,
  ip6 = 41,
  ip6zone = 42,
  ipcidr = 43,
  dns = 53,
  dns4 = 54,
  dns6 = 55,
  dnsaddr = 56,
  sctp = 132,
  udp = 273,
  webrtc_direct = 280,
  webrtc = 281,
  p2p_circuit = 290,
  udt = 301,
  utp = 302,
  unix_path = 400,
  p2p = 421,  // text also accepts the legacy name "ipfs"
  https = 443,
  tls = 448,
  sni = 449,
  noise = 454,
  quic = 460,
  quic_v1 = 461,
  webtransport = 465,
  certhash = 466,
  ws = 477,
  wss = 478,
  http = 480,
  http_path = 481,
  memory = 777,
};

std::string_view protocol_name(Protocol p) noexcept;              // "ip4", "p2p-circuit", ...
std::optional<Protocol> protocol_from_name(std::string_view name) noexcept;

// One component of a parsed multiaddr; `value` points into the Multiaddr it came from.
struct Component {
  Protocol code;
  BytesView value;  // binary value without the length prefix; empty for value-less protocols

  std::string_view name() const noexcept { return protocol_name(code); }
  // Text form of the value as it appears after "/<name>/" (unix: the path, starting with '/').
  std::string value_string() const;
};

class Multiaddr {
 public:
  using Component = ::chiral::multiformats::Component;
  static constexpr std::size_t kMaxBinarySize = 1024;
  // Text is checked only to bound parsing work; the binary limit is the real one. A binary component can
  // print ~10x longer (2 bytes -> "/webrtc-direct", "/ipcidr/255"; %-escapes triple a byte), so every
  // accepted binary address must fit here or it could not be printed and parsed back (found by fuzzing).
  static constexpr std::size_t kMaxTextSize = 16 * kMaxBinarySize;

  // The empty address. Parsing never yields one; useful as a placeholder and for encapsulate().
  Multiaddr() = default;

  static Result<Multiaddr> from_string(std::string_view text);
  static Result<Multiaddr> from_bytes(BytesView binary);
  // "/ip4/<ip>/tcp/<port>" or "/ip6/<ip>/tcp/<port>"; IPv4-mapped IPv6 text becomes /ip4 (as go's manet
  // does), "[v6]" brackets are accepted, zones ("%eth0") are not.
  static Result<Multiaddr> from_ip_tcp(std::string_view ip_text, std::uint16_t port);

  std::string to_string() const;  // canonical text (ip6 in RFC 5952 form, certhash as base64url)
  const Bytes& bytes() const noexcept { return bytes_; }
  bool empty() const noexcept { return bytes_.empty(); }

  // Views into this address: calling it on a temporary would dangle, hence the deleted && overload.
  std::vector<Component> components() const&;
  std::vector<Component> components() const&& = delete;
  bool contains(Protocol p) const;
  bool is_circuit() const { return contains(Protocol::p2p_circuit); }

  // Concatenation of the binary forms, not re-validated: locally built addresses may exceed kMaxBinarySize,
  // and anything appended after a /unix path makes an address that components()/to_string() cannot walk.
  Multiaddr encapsulate(const Multiaddr& inner) const;
  // Appends /p2p/<id>, unless the address already ends with exactly that component.
  Multiaddr with_p2p(const PeerId& id) const;
  // The trailing /p2p component, if any.
  std::optional<PeerId> peer_id() const;
  // This address without a trailing /p2p component (unchanged when there is none).
  Multiaddr without_p2p() const;

  // First two components /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>; later components (/ws, /p2p/...) allowed.
  struct IpTcp {
    bool v6;                          // ip6 or dns6
    std::array<std::uint8_t, 16> ip;  // ip4: first 4 bytes; ip6: all 16; dns*: zero
    std::string host;                 // dns*: the name; empty for ip4/ip6
    std::uint16_t port;
    Protocol host_protocol;           // ip4, ip6, dns, dns4 or dns6
    // IP text (dotted / RFC 5952) for ip4/ip6, the name for dns*.
    std::string host_text() const;
  };
  std::optional<IpTcp> ip_tcp() const;

  bool operator==(const Multiaddr& other) const noexcept = default;
  std::strong_ordering operator<=>(const Multiaddr& other) const noexcept = default;

 private:
  explicit Multiaddr(Bytes binary) : bytes_(std::move(binary)) {}
  Bytes bytes_;
};

}  // namespace chiral::multiformats

template <>
struct std::hash<chiral::multiformats::Multiaddr> {
  std::size_t operator()(const chiral::multiformats::Multiaddr& a) const noexcept {
    return std::hash<std::string_view>{}(chiral::as_string_view(a.bytes()));
  }
};

namespace boost::system {
template <>
struct is_error_code_enum<chiral::multiformats::MultiaddrError> : std::true_type {};
}  // namespace boost::system
