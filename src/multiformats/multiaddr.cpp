// Multiaddr text <-> binary codec (multiformats/multiaddr README, protocols.csv; per-protocol value rules
// follow go-multiaddr's transcoders: ip6 zone/dns names without '/', unix as a trailing path, certhash as a
// multibase multihash printed in base64url, http-path percent-encoded).
#include "multiformats/multiaddr.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/uvarint.hpp"
#include "multiformats/multibase.hpp"
#include "multiformats/multihash.hpp"

namespace chiral::multiformats {

namespace {

const char* multiaddr_message(MultiaddrError e) {
  switch (e) {
    case MultiaddrError::ok: return "ok";
    case MultiaddrError::empty: return "empty multiaddr";
    case MultiaddrError::too_large: return "multiaddr too large";
    case MultiaddrError::missing_leading_slash: return "multiaddr text must start with '/'";
    case MultiaddrError::unknown_protocol: return "unknown multiaddr protocol";
    case MultiaddrError::missing_value: return "multiaddr protocol is missing its value";
    case MultiaddrError::invalid_ip4: return "invalid ip4 address";
    case MultiaddrError::invalid_ip6: return "invalid ip6 address";
    case MultiaddrError::invalid_port: return "invalid port";
    case MultiaddrError::invalid_number: return "invalid numeric value";
    case MultiaddrError::invalid_name: return "invalid name (empty or containing '/')";
    case MultiaddrError::invalid_path: return "invalid path value";
    case MultiaddrError::invalid_peer_id: return "invalid p2p peer id";
    case MultiaddrError::invalid_certhash: return "invalid certhash";
    case MultiaddrError::truncated: return "multiaddr bytes truncated";
    case MultiaddrError::invalid_varint: return "invalid uvarint in multiaddr";
    case MultiaddrError::invalid_value_size: return "wrong value size for protocol";
    case MultiaddrError::component_after_path: return "component after a path protocol";
  }
  return "unknown multiaddr error";
}

error_code err(MultiaddrError e) { return make_error_code(e); }

// How a protocol's value is written in text and checked in binary.
enum class Kind {
  none,       // no value
  ip4,        // 4 bytes
  ip6,        // 16 bytes
  port,       // 2 bytes big-endian
  u8,         // 1 byte (ipcidr)
  u64,        // 8 bytes big-endian (memory)
  name,       // length-prefixed, non-empty, no '/'
  path,       // length-prefixed unix path; text consumes the rest of the address
  peer_id,    // length-prefixed multihash
  certhash,   // length-prefixed multihash, multibase in text
  http_path,  // length-prefixed, percent-encoded in text
};

struct ProtocolInfo {
  Protocol code;
  std::string_view name;
  Kind kind;
};

constexpr ProtocolInfo kProtocols[] = {
    {Protocol::ip4, "ip4", Kind::ip4},
    {Protocol::tcp, "tcp", Kind::port},
    {Protocol::dccp, "dccp", Kind::port},
    {Protocol::ip6, "ip6", Kind::ip6},
    {Protocol::ip6zone, "ip6zone", Kind::name},
    {Protocol::ipcidr, "ipcidr", Kind::u8},
    {Protocol::dns, "dns", Kind::name},
    {Protocol::dns4, "dns4", Kind::name},
    {Protocol::dns6, "dns6", Kind::name},
    {Protocol::dnsaddr, "dnsaddr", Kind::name},
    {Protocol::sctp, "sctp", Kind::port},
    {Protocol::udp, "udp", Kind::port},
    {Protocol::webrtc_direct, "webrtc-direct", Kind::none},
    {Protocol::webrtc, "webrtc", Kind::none},
    {Protocol::p2p_circuit, "p2p-circuit", Kind::none},
    {Protocol::udt, "udt", Kind::none},
    {Protocol::utp, "utp", Kind::none},
    {Protocol::unix_path, "unix", Kind::path},
    {Protocol::p2p, "p2p", Kind::peer_id},
    {Protocol::https, "https", Kind::none},
    {Protocol::tls, "tls", Kind::none},
    {Protocol::sni, "sni", Kind::name},
    {Protocol::noise, "noise", Kind::none},
    {Protocol::quic, "quic", Kind::none},
    {Protocol::quic_v1, "quic-v1", Kind::none},
    {Protocol::webtransport, "webtransport", Kind::none},
    {Protocol::certhash, "certhash", Kind::certhash},
    {Protocol::ws, "ws", Kind::none},
    {Protocol::wss, "wss", Kind::none},
    {Protocol::http, "http", Kind::none},
    {Protocol::http_path, "http-path", Kind::http_path},
    {Protocol::memory, "memory", Kind::u64},
};

const ProtocolInfo* find_by_code(std::uint64_t code) {
  for (const auto& p : kProtocols)
    if (static_cast<std::uint64_t>(p.code) == code) return &p;
  return nullptr;
}

const ProtocolInfo* find_by_name(std::string_view name) {
  if (name == "ipfs") name = "p2p";  // legacy alias, always printed as p2p
  for (const auto& p : kProtocols)
    if (p.name == name) return &p;
  return nullptr;
}

// Fixed binary size of a value, or -1 when length-prefixed.
int fixed_size(Kind k) {
  switch (k) {
    case Kind::none: return 0;
    case Kind::ip4: return 4;
    case Kind::ip6: return 16;
    case Kind::port: return 2;
    case Kind::u8: return 1;
    case Kind::u64: return 8;
    default: return -1;
  }
}

// ---- value checks (binary) ---------------------------------------------------------------------------

error_code check_value(Kind kind, BytesView v) {
  switch (kind) {
    case Kind::name:
      if (v.empty() || std::find(v.begin(), v.end(), '/') != v.end()) return err(MultiaddrError::invalid_name);
      return {};
    case Kind::path:  // go-multiaddr: "/..." of at least 2 bytes, not ending in '/'
      if (v.size() < 2 || v.front() != '/' || v.back() == '/') return err(MultiaddrError::invalid_path);
      return {};
    case Kind::http_path:
      if (v.empty()) return err(MultiaddrError::invalid_path);
      return {};
    case Kind::peer_id:
      if (!PeerId::from_bytes(v)) return err(MultiaddrError::invalid_peer_id);
      return {};
    case Kind::certhash:
      if (!multihash::decode(v)) return err(MultiaddrError::invalid_certhash);
      return {};
    default: {
      const int size = fixed_size(kind);
      if (size >= 0 && v.size() != static_cast<std::size_t>(size)) return err(MultiaddrError::invalid_value_size);
      return {};
    }
  }
}

// ---- binary walking ------------------------------------------------------------------------------------

struct RawComponent {
  const ProtocolInfo* info;
  BytesView value;
  std::size_t begin;  // offset of the component's code in the address
};

// Walks (and validates) a binary multiaddr. `out` may be null to only validate.
error_code walk(BytesView in, std::vector<RawComponent>* out) {
  std::size_t pos = 0;
  bool saw_path = false;
  while (pos < in.size()) {
    if (saw_path) return err(MultiaddrError::component_after_path);
    const std::size_t begin = pos;
    auto code = uvarint::decode(in.subspan(pos));
    if (!code) {
      return err(code.error() == make_error_code(CoreError::truncated) ? MultiaddrError::truncated
                                                                      : MultiaddrError::invalid_varint);
    }
    pos += code->consumed;
    const ProtocolInfo* info = find_by_code(code->value);
    if (!info) return err(MultiaddrError::unknown_protocol);
    std::size_t size = 0;
    const int fixed = fixed_size(info->kind);
    if (fixed >= 0) {
      size = static_cast<std::size_t>(fixed);
    } else {
      auto len = uvarint::decode(in.subspan(pos));
      if (!len) {
        return err(len.error() == make_error_code(CoreError::truncated) ? MultiaddrError::truncated
                                                                       : MultiaddrError::invalid_varint);
      }
      pos += len->consumed;
      if (len->value > in.size() - pos) return err(MultiaddrError::truncated);
      size = static_cast<std::size_t>(len->value);
    }
    if (size > in.size() - pos) return err(MultiaddrError::truncated);
    const BytesView value = in.subspan(pos, size);
    if (auto ec = check_value(info->kind, value)) return ec;
    pos += size;
    saw_path = info->kind == Kind::path;
    if (out) out->push_back({info, value, begin});
  }
  return {};
}

// ---- text helpers --------------------------------------------------------------------------------------

bool parse_decimal(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > max) return false;
  out = v;
  return true;
}

std::string ip4_text(BytesView v) {
  std::string s;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i) s.push_back('.');
    s += std::to_string(v[i]);
  }
  return s;
}

// RFC 5952: lowercase, no leading zeros, the longest run (>= 2) of zero groups as "::" (first on a tie),
// IPv4-mapped addresses as ::ffff:a.b.c.d.
std::string ip6_text(BytesView v) {
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(v.begin(), v.begin() + 12, kMappedPrefix)) return "::ffff:" + ip4_text(v.subspan(12));
  std::uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<std::uint16_t>(v[2 * i] << 8 | v[2 * i + 1]);
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_start = -1;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      s += "::";
      i += best_len - 1;
      continue;
    }
    if (!s.empty() && s.back() != ':') s.push_back(':');
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int nib = (groups[i] >> shift) & 0xf;
      if (nib || started || shift == 0) {
        s.push_back(kHex[nib]);
        started = true;
      }
    }
  }
  return s;
}

bool is_unreserved(std::uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string percent_encode(BytesView v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s;
  for (auto c : v) {
    if (is_unreserved(c)) {
      s.push_back(static_cast<char>(c));
    } else {
      s.push_back('%');
      s.push_back(kHex[c >> 4]);
      s.push_back(kHex[c & 15]);
    }
  }
  return s;
}

bool percent_decode(std::string_view s, Bytes& out) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(static_cast<std::uint8_t>(s[i]));
      continue;
    }
    if (i + 2 >= s.size()) return false;
    const int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    i += 2;
  }
  return true;
}

std::uint64_t read_be(BytesView v) {
  std::uint64_t x = 0;
  for (auto b : v) x = x << 8 | b;
  return x;
}

void append_be(Bytes& out, std::uint64_t v, int size) {
  for (int i = size - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::string value_text(Kind kind, BytesView v) {
  switch (kind) {
    case Kind::none: return {};
    case Kind::ip4: return ip4_text(v);
    case Kind::ip6: return ip6_text(v);
    case Kind::port:
    case Kind::u8:
    case Kind::u64: return std::to_string(read_be(v));
    case Kind::name:
    case Kind::path: return std::string(as_string_view(v));
    case Kind::peer_id: return multibase::base58btc_encode(v);
    case Kind::certhash: return multibase::encode(multibase::Base::base64url, v);
    case Kind::http_path: return percent_encode(v);
  }
  return {};
}

// Appends the binary value (with its length prefix when variable-size) for one text value.
error_code append_value(Kind kind, std::string_view text, Bytes& out) {
  Bytes value;
  switch (kind) {
    case Kind::none: return {};
    case Kind::ip4: {
      std::string tmp(text);
      std::uint8_t buf[4];
      if (inet_pton(AF_INET, tmp.c_str(), buf) != 1) return err(MultiaddrError::invalid_ip4);
      out.insert(out.end(), buf, buf + 4);
      return {};
    }
    case Kind::ip6: {
      std::string tmp(text);
      std::uint8_t buf[16];
      if (inet_pton(AF_INET6, tmp.c_str(), buf) != 1) return err(MultiaddrError::invalid_ip6);
      out.insert(out.end(), buf, buf + 16);
      return {};
    }
    case Kind::port: {
      std::uint64_t v = 0;
      if (!parse_decimal(text, 0xffff, v)) return err(MultiaddrError::invalid_port);
      append_be(out, v, 2);
      return {};
    }
    case Kind::u8: {
      std::uint64_t v = 0;
      if (!parse_decimal(text, 0xff, v)) return err(MultiaddrError::invalid_number);
      append_be(out, v, 1);
      return {};
    }
    case Kind::u64: {
      std::uint64_t v = 0;
      if (!parse_decimal(text, UINT64_MAX, v)) return err(MultiaddrError::invalid_number);
      append_be(out, v, 8);
      return {};
    }
    case Kind::name:
    case Kind::path: value.assign(text.begin(), text.end()); break;
    case Kind::peer_id: {
      auto id = PeerId::from_string(text);
      if (!id) return err(MultiaddrError::invalid_peer_id);
      value = id->bytes();
      break;
    }
    case Kind::certhash: {
      auto decoded = multibase::decode(text);
      if (!decoded) return err(MultiaddrError::invalid_certhash);
      value = std::move(decoded->data);
      break;
    }
    case Kind::http_path:
      if (!percent_decode(text, value)) return err(MultiaddrError::invalid_path);
      break;
  }
  if (auto ec = check_value(kind, value)) return ec;
  uvarint::append_frame(out, value);
  return {};
}

}  // namespace

const boost::system::error_category& multiaddr_category() noexcept {
  static const EnumCategory<MultiaddrError> cat("chiral.multiaddr", multiaddr_message);
  return cat;
}

std::string_view protocol_name(Protocol p) noexcept {
  const ProtocolInfo* info = find_by_code(static_cast<std::uint64_t>(p));
  return info ? info->name : std::string_view("unknown");
}

std::optional<Protocol> protocol_from_name(std::string_view name) noexcept {
  const ProtocolInfo* info = find_by_name(name);
  if (!info) return std::nullopt;
  return info->code;
}

std::string Component::value_string() const {
  const ProtocolInfo* info = find_by_code(static_cast<std::uint64_t>(code));
  return info ? value_text(info->kind, value) : std::string();
}

// ---- Multiaddr -----------------------------------------------------------------------------------------

Result<Multiaddr> Multiaddr::from_bytes(BytesView binary) {
  if (binary.empty()) return err(MultiaddrError::empty);
  if (binary.size() > kMaxBinarySize) return err(MultiaddrError::too_large);
  if (auto ec = walk(binary, nullptr)) return ec;
  return Multiaddr(Bytes(binary.begin(), binary.end()));
}

Result<Multiaddr> Multiaddr::from_string(std::string_view text) {
  if (text.size() > kMaxTextSize) return err(MultiaddrError::too_large);
  if (text.empty()) return err(MultiaddrError::empty);
  if (text.front() != '/') return err(MultiaddrError::missing_leading_slash);
  // Trailing slashes are ignored ("/ip4/1.2.3.4/tcp/1/" == "/ip4/1.2.3.4/tcp/1"), as go-multiaddr does.
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  if (text.empty()) return err(MultiaddrError::empty);
  text.remove_prefix(1);

  std::vector<std::string_view> segments;
  for (std::size_t pos = 0;;) {
    const auto slash = text.find('/', pos);
    segments.push_back(text.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }

  Bytes out;
  for (std::size_t i = 0; i < segments.size();) {
    const ProtocolInfo* info = find_by_name(segments[i++]);
    if (!info) return err(MultiaddrError::unknown_protocol);
    uvarint::append(out, static_cast<std::uint64_t>(info->code));
    if (info->kind == Kind::none) continue;
    if (i >= segments.size()) return err(MultiaddrError::missing_value);
    if (info->kind == Kind::path) {
      // A path protocol takes the rest of the address, with its leading slash.
      std::string path;
      for (; i < segments.size(); ++i) {
        path.push_back('/');
        path += segments[i];
      }
      if (auto ec = append_value(info->kind, path, out)) return ec;
      break;
    }
    if (auto ec = append_value(info->kind, segments[i++], out)) return ec;
  }
  if (out.size() > kMaxBinarySize) return err(MultiaddrError::too_large);
  return Multiaddr(std::move(out));
}

Result<Multiaddr> Multiaddr::from_ip_tcp(std::string_view ip_text, std::uint16_t port) {
  if (ip_text.size() >= 2 && ip_text.front() == '[' && ip_text.back() == ']')
    ip_text = ip_text.substr(1, ip_text.size() - 2);
  if (ip_text.size() > 64) return err(MultiaddrError::invalid_ip6);
  const std::string tmp(ip_text);
  Bytes out;
  std::uint8_t buf[16];
  if (ip_text.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, tmp.c_str(), buf) != 1) return err(MultiaddrError::invalid_ip6);
    static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(buf, buf + 12, kMappedPrefix)) {
      out.push_back(static_cast<std::uint8_t>(Protocol::ip4));
      out.insert(out.end(), buf + 12, buf + 16);
    } else {
      out.push_back(static_cast<std::uint8_t>(Protocol::ip6));
      out.insert(out.end(), buf, buf + 16);
    }
  } else {
    if (inet_pton(AF_INET, tmp.c_str(), buf) != 1) return err(MultiaddrError::invalid_ip4);
    out.push_back(static_cast<std::uint8_t>(Protocol::ip4));
    out.insert(out.end(), buf, buf + 4);
  }
  out.push_back(static_cast<std::uint8_t>(Protocol::tcp));
  append_be(out, port, 2);
  return Multiaddr(std::move(out));
}

std::string Multiaddr::to_string() const {
  std::vector<RawComponent> parts;
  if (walk(bytes_, &parts)) return "<invalid multiaddr>";  // unreachable: bytes_ is validated on entry
  std::string s;
  for (const auto& c : parts) {
    s.push_back('/');
    s += c.info->name;
    if (c.info->kind == Kind::none) continue;
    if (c.info->kind != Kind::path) s.push_back('/');
    s += value_text(c.info->kind, c.value);
  }
  return s;
}

std::vector<Component> Multiaddr::components() const& {
  std::vector<RawComponent> parts;
  std::vector<Component> out;
  if (walk(bytes_, &parts)) return out;
  out.reserve(parts.size());
  for (const auto& c : parts) out.push_back({c.info->code, c.value});
  return out;
}

bool Multiaddr::contains(Protocol p) const {
  for (const auto& c : components())
    if (c.code == p) return true;
  return false;
}

Multiaddr Multiaddr::encapsulate(const Multiaddr& inner) const {
  Bytes out = bytes_;
  append(out, inner.bytes_);
  return Multiaddr(std::move(out));
}

Multiaddr Multiaddr::with_p2p(const PeerId& id) const {
  if (auto existing = peer_id(); existing && *existing == id) return *this;
  Bytes out = bytes_;
  uvarint::append(out, static_cast<std::uint64_t>(Protocol::p2p));
  uvarint::append_frame(out, id.bytes());
  return Multiaddr(std::move(out));
}

std::optional<PeerId> Multiaddr::peer_id() const {
  std::vector<RawComponent> parts;
  if (walk(bytes_, &parts) || parts.empty() || parts.back().info->code != Protocol::p2p) return std::nullopt;
  auto id = PeerId::from_bytes(parts.back().value);
  if (!id) return std::nullopt;
  return *id;
}

Multiaddr Multiaddr::without_p2p() const {
  std::vector<RawComponent> parts;
  if (walk(bytes_, &parts) || parts.empty() || parts.back().info->code != Protocol::p2p) return *this;
  return Multiaddr(Bytes(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(parts.back().begin)));
}

std::optional<Multiaddr::IpTcp> Multiaddr::ip_tcp() const {
  std::vector<RawComponent> parts;
  if (walk(bytes_, &parts) || parts.size() < 2 || parts[1].info->code != Protocol::tcp) return std::nullopt;
  IpTcp r{};
  r.host_protocol = parts[0].info->code;
  r.port = static_cast<std::uint16_t>(read_be(parts[1].value));
  const BytesView v = parts[0].value;
  switch (r.host_protocol) {
    case Protocol::ip4: std::copy(v.begin(), v.end(), r.ip.begin()); break;
    case Protocol::ip6:
      r.v6 = true;
      std::copy(v.begin(), v.end(), r.ip.begin());
      break;
    case Protocol::dns6: r.v6 = true; [[fallthrough]];
    case Protocol::dns:
    case Protocol::dns4: r.host.assign(as_string_view(v)); break;
    default: return std::nullopt;
  }
  return r;
}

std::string Multiaddr::IpTcp::host_text() const {
  switch (host_protocol) {
    case Protocol::ip4: return ip4_text(BytesView(ip).first(4));
    case Protocol::ip6: return ip6_text(ip);
    default: return host;
  }
}

}  // namespace chiral::multiformats
