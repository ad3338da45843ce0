// Allow/deny lists of peer ids and IP subnets for reservations and for circuit sources (issue 4 "Policy").
// Text format, one rule per line, '#' starts a comment, blank lines are ignored:
//   <reserve|connect> <allow|deny> <peer|ip> <peer-id | ip | cidr>
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "multiformats/peer_id.hpp"
#include "relay/ip.hpp"

namespace chiral::relay {

enum class AclError {
  ok = 0,
  field_count = 1,  // a rule line does not have exactly four fields
  bad_scope = 2,    // first field not reserve|connect
  bad_action = 3,   // second field not allow|deny
  bad_kind = 4,     // third field not peer|ip
  bad_peer_id = 5,  // fourth field of a peer rule is not a peer id
  bad_address = 6,  // fourth field of an ip rule is not an IP or CIDR
  too_large = 7,    // text longer than Acl::kMaxTextSize
};

const boost::system::error_category& acl_category() noexcept;
inline boost::system::error_code make_error_code(AclError e) noexcept {
  return {static_cast<int>(e), acl_category()};
}

enum class AclScope { reserve, connect /* circuit source */ };

class Acl {
 public:
  static constexpr std::size_t kMaxTextSize = 16 * 1024 * 1024;

  Acl() = default;  // no rules: allows everything

  // On error, *error_message (when not null) gets "line N: <what>, got '<field>'".
  static Result<Acl> parse(std::string_view text, std::string* error_message = nullptr);

  // Per scope: any matching deny (peer id or IP) -> denied; else if the scope has any allow rule the peer
  // must match one (by peer id or by IP); else allowed.
  bool allows(AclScope scope, const multiformats::PeerId& peer, const IpAddr& ip) const;
  std::size_t rule_count() const noexcept { return rule_count_; }

 private:
  struct List {
    std::unordered_set<multiformats::PeerId> peers;
    std::vector<Subnet> subnets;
    bool empty() const noexcept { return peers.empty() && subnets.empty(); }
    bool matches(const multiformats::PeerId& peer, const IpAddr& ip) const;
  };
  struct ScopeRules {
    List allow, deny;
  };
  const ScopeRules& rules(AclScope s) const { return s == AclScope::reserve ? reserve_ : connect_; }

  ScopeRules reserve_, connect_;
  std::size_t rule_count_ = 0;
};

}  // namespace chiral::relay

namespace boost::system {
template <>
struct is_error_code_enum<chiral::relay::AclError> : std::true_type {};
}  // namespace boost::system
