// Classifies IP addresses for advertising and dialing decisions: public vs private, loopback, link-local,
// CGNAT (RFC 6598), unique-local, unspecified, multicast.
#pragma once
#include "net/asio.hpp"

namespace chiral::net {

// True for addresses routable on the public internet (none of the special ranges below).
bool is_public_ip(const asio::ip::address& ip);
// A short name of the special range an address falls in ("loopback", "private", "cgnat", ...), or "public".
const char* ip_class(const asio::ip::address& ip);

}  // namespace chiral::net
