#include "net/address_class.hpp"

namespace chiral::net {

namespace {
bool in_v4(std::uint32_t ip, std::uint32_t net, int prefix) {
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (ip & mask) == (net & mask);
}
}  // namespace

const char* ip_class(const asio::ip::address& addr) {
  asio::ip::address ip = addr;
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
  if (ip.is_unspecified()) return "unspecified";
  if (ip.is_loopback()) return "loopback";
  if (ip.is_multicast()) return "multicast";
  if (ip.is_v4()) {
    const auto v = ip.to_v4().to_uint();
    if (in_v4(v, 0x0A000000, 8) || in_v4(v, 0xAC100000, 12) || in_v4(v, 0xC0A80000, 16)) return "private";
    if (in_v4(v, 0x64400000, 10)) return "cgnat";
    if (in_v4(v, 0xA9FE0000, 16)) return "link-local";
    if (in_v4(v, 0x00000000, 8)) return "this-network";
    if (in_v4(v, 0xF0000000, 4)) return "reserved";
    if (in_v4(v, 0xC0000200, 24) || in_v4(v, 0xC6336400, 24) || in_v4(v, 0xCB007100, 24)) return "documentation";
    if (in_v4(v, 0xC6120000, 15)) return "benchmarking";
    return "public";
  }
  const auto b = ip.to_v6().to_bytes();
  if (ip.to_v6().is_link_local()) return "link-local";
  if ((b[0] & 0xfe) == 0xfc) return "unique-local";
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return "documentation";
  return "public";
}

bool is_public_ip(const asio::ip::address& ip) { return std::string_view(ip_class(ip)) == "public"; }

}  // namespace chiral::net
