// IP address / subnet parsing and formatting for the relay policy (RFC 791 dotted quad, RFC 4291 and
// RFC 5952 IPv6 text).
#include "relay/ip.hpp"

#include <vector>

namespace chiral::relay {

namespace {

// Dotted quad, strict: four decimal parts 0..255, no leading zeros (avoids the octal ambiguity of inet_aton).
std::optional<std::uint32_t> parse_v4(std::string_view s) {
  std::uint32_t out = 0;
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    std::uint32_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<std::uint32_t>(s[i] - '0');
      if (v > 255 || i - start >= 3) return std::nullopt;
      ++i;
    }
    const std::size_t len = i - start;
    if (len == 0 || (len > 1 && s[start] == '0')) return std::nullopt;
    out = out << 8 | v;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return std::nullopt;
    ++i;
  }
  if (parts != 4) return std::nullopt;
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Colon-separated groups of one side of "::". `last` allows a dotted IPv4 tail (two groups).
bool parse_groups(std::string_view s, bool last, std::vector<std::uint16_t>& out) {
  if (s.empty()) return true;
  std::size_t pos = 0;
  while (true) {
    std::size_t colon = s.find(':', pos);
    std::string_view part = s.substr(pos, colon == std::string_view::npos ? s.size() - pos : colon - pos);
    if (colon == std::string_view::npos && last && part.find('.') != std::string_view::npos) {
      auto v4 = parse_v4(part);
      if (!v4) return false;
      out.push_back(static_cast<std::uint16_t>(*v4 >> 16));
      out.push_back(static_cast<std::uint16_t>(*v4 & 0xffff));
      return true;
    }
    if (part.empty() || part.size() > 4) return false;
    std::uint16_t g = 0;
    for (char c : part) {
      int d = hex_digit(c);
      if (d < 0) return false;
      g = static_cast<std::uint16_t>(g << 4 | d);
    }
    out.push_back(g);
    if (colon == std::string_view::npos) return true;
    pos = colon + 1;
  }
}

struct RawAddr {
  bool v6;
  std::array<std::uint8_t, 16> bytes;
};

std::optional<RawAddr> parse_raw(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (s.empty() || s.size() > 45) return std::nullopt;
  RawAddr raw{false, {}};
  if (s.find(':') == std::string_view::npos) {
    auto v4 = parse_v4(s);
    if (!v4) return std::nullopt;
    raw.bytes[0] = static_cast<std::uint8_t>(*v4 >> 24);
    raw.bytes[1] = static_cast<std::uint8_t>(*v4 >> 16);
    raw.bytes[2] = static_cast<std::uint8_t>(*v4 >> 8);
    raw.bytes[3] = static_cast<std::uint8_t>(*v4);
    return raw;
  }
  std::vector<std::uint16_t> head, tail;
  const std::size_t gap = s.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_groups(s, true, head) || head.size() != 8) return std::nullopt;
  } else {
    std::string_view left = s.substr(0, gap), right = s.substr(gap + 2);
    if (right.find("::") != std::string_view::npos) return std::nullopt;
    if (!parse_groups(left, false, head) || !parse_groups(right, true, tail)) return std::nullopt;
    if (head.size() + tail.size() > 7) return std::nullopt;
  }
  raw.v6 = true;
  std::vector<std::uint16_t> groups(8, 0);
  for (std::size_t i = 0; i < head.size(); ++i) groups[i] = head[i];
  for (std::size_t i = 0; i < tail.size(); ++i) groups[8 - tail.size() + i] = tail[i];
  for (std::size_t i = 0; i < 8; ++i) {
    raw.bytes[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    raw.bytes[2 * i + 1] = static_cast<std::uint8_t>(groups[i]);
  }
  return raw;
}

bool is_mapped(const std::array<std::uint8_t, 16>& b) {
  for (std::size_t i = 0; i < 10; ++i)
    if (b[i] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

std::optional<std::uint8_t> parse_prefix(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  if (v > 128) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

}  // namespace

IpAddr IpAddr::v4(std::uint32_t host_order) {
  IpAddr ip;
  ip.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  ip.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  ip.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  ip.bytes[3] = static_cast<std::uint8_t>(host_order);
  return ip;
}

IpAddr IpAddr::v6_from(const std::array<std::uint8_t, 16>& raw) {
  IpAddr ip;
  if (is_mapped(raw)) {
    for (std::size_t i = 0; i < 4; ++i) ip.bytes[i] = raw[12 + i];
    return ip;
  }
  ip.v6 = true;
  ip.bytes = raw;
  return ip;
}

std::optional<IpAddr> IpAddr::from_bytes(BytesView raw) {
  if (raw.size() == 4) {
    IpAddr ip;
    for (std::size_t i = 0; i < 4; ++i) ip.bytes[i] = raw[i];
    return ip;
  }
  if (raw.size() == 16) {
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < 16; ++i) b[i] = raw[i];
    return v6_from(b);
  }
  return std::nullopt;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  auto raw = parse_raw(text);
  if (!raw) return std::nullopt;
  if (raw->v6) return v6_from(raw->bytes);
  IpAddr ip;
  ip.bytes = raw->bytes;
  return ip;
}

IpAddr IpAddr::masked(std::uint8_t prefix) const noexcept {
  if (prefix > max_prefix()) prefix = max_prefix();
  IpAddr out = *this;
  for (std::size_t i = 0; i < 16; ++i) {
    const int bits = static_cast<int>(prefix) - static_cast<int>(i) * 8;
    if (bits >= 8) continue;
    out.bytes[i] = bits <= 0 ? 0 : static_cast<std::uint8_t>(out.bytes[i] & (0xff << (8 - bits)));
  }
  return out;
}

std::string IpAddr::to_string() const {
  std::string s;
  if (!v6) {
    for (std::size_t i = 0; i < 4; ++i) {
      if (i) s.push_back('.');
      s += std::to_string(bytes[i]);
    }
    return s;
  }
  std::uint16_t g[8];
  for (std::size_t i = 0; i < 8; ++i) g[i] = static_cast<std::uint16_t>(bytes[2 * i] << 8 | bytes[2 * i + 1]);
  // RFC 5952 4.2: compress the longest run (>= 2) of zero groups, the first one on a tie.
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      s += "::";
      i += best_len - 1;
      continue;
    }
    if (!s.empty() && s.back() != ':') s.push_back(':');
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int d = (g[i] >> shift) & 15;
      if (d || started || shift == 0) {
        s.push_back(kHex[d]);
        started = true;
      }
    }
  }
  return s;
}

Subnet Subnet::of(const IpAddr& ip, std::uint8_t prefix) {
  if (prefix > ip.max_prefix()) prefix = ip.max_prefix();
  return Subnet{ip.masked(prefix), prefix};
}

std::optional<Subnet> Subnet::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  auto raw = parse_raw(text.substr(0, slash));
  if (!raw) return std::nullopt;
  std::uint8_t width = raw->v6 ? 128 : 32;
  std::uint8_t prefix = width;
  if (slash != std::string_view::npos) {
    auto p = parse_prefix(text.substr(slash + 1));
    if (!p || *p > width) return std::nullopt;
    prefix = *p;
  }
  if (raw->v6 && is_mapped(raw->bytes) && prefix >= 96) {
    // A block inside ::ffff:0:0/96 is an IPv4 block, as the addresses it should match are stored as IPv4.
    IpAddr v4;
    for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = raw->bytes[12 + i];
    return of(v4, static_cast<std::uint8_t>(prefix - 96));
  }
  IpAddr base;
  base.v6 = raw->v6;
  base.bytes = raw->bytes;
  return of(base, prefix);
}

bool Subnet::contains(const IpAddr& ip) const noexcept {
  return ip.v6 == base.v6 && ip.masked(prefix) == base;
}

std::string Subnet::to_string() const { return base.to_string() + "/" + std::to_string(prefix); }

}  // namespace chiral::relay
