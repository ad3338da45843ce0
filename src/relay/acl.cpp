// ACL text parser and matcher: deny beats allow; a non-empty allow list makes its scope exclusive.
#include "relay/acl.hpp"

namespace chiral::relay {

namespace {

const char* acl_message(AclError e) {
  switch (e) {
    case AclError::ok: return "ok";
    case AclError::field_count: return "expected '<reserve|connect> <allow|deny> <peer|ip> <value>'";
    case AclError::bad_scope: return "scope must be 'reserve' or 'connect'";
    case AclError::bad_action: return "action must be 'allow' or 'deny'";
    case AclError::bad_kind: return "kind must be 'peer' or 'ip'";
    case AclError::bad_peer_id: return "invalid peer id";
    case AclError::bad_address: return "invalid IP address or CIDR";
    case AclError::too_large: return "ACL text too large";
  }
  return "unknown ACL error";
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

const boost::system::error_category& acl_category() noexcept {
  static const EnumCategory<AclError> cat("chiral.relay.acl", acl_message);
  return cat;
}

bool Acl::List::matches(const multiformats::PeerId& peer, const IpAddr& ip) const {
  if (peers.contains(peer)) return true;
  for (const auto& s : subnets)
    if (s.contains(ip)) return true;
  return false;
}

bool Acl::allows(AclScope scope, const multiformats::PeerId& peer, const IpAddr& ip) const {
  const ScopeRules& r = rules(scope);
  if (r.deny.matches(peer, ip)) return false;
  if (!r.allow.empty()) return r.allow.matches(peer, ip);
  return true;
}

Result<Acl> Acl::parse(std::string_view text, std::string* error_message) {
  auto fail = [&](std::size_t line, AclError e, std::string_view field) -> Result<Acl> {
    if (error_message) {
      *error_message = "line " + std::to_string(line) + ": " + acl_message(e) + ", got '";
      *error_message += field.substr(0, 120);  // cap the echo: the field may be a whole garbage line
      *error_message += "'";
    }
    return make_error_code(e);
  };
  if (text.size() > kMaxTextSize) {
    if (error_message)
      *error_message = std::string(acl_message(AclError::too_large)) + " (" + std::to_string(text.size()) +
                       " bytes, max " + std::to_string(kMaxTextSize) + ")";
    return make_error_code(AclError::too_large);
  }

  Acl acl;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);

    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && is_space(line[i])) ++i;
      const std::size_t start = i;
      while (i < line.size() && !is_space(line[i])) ++i;
      if (i > start) fields.push_back(line.substr(start, i - start));
    }
    if (fields.empty()) continue;
    if (fields.size() != 4) {
      std::size_t b = 0, e = line.size();
      while (b < e && is_space(line[b])) ++b;
      while (e > b && is_space(line[e - 1])) --e;
      return fail(line_no, AclError::field_count, line.substr(b, e - b));
    }

    ScopeRules* scope;
    if (fields[0] == "reserve") scope = &acl.reserve_;
    else if (fields[0] == "connect") scope = &acl.connect_;
    else return fail(line_no, AclError::bad_scope, fields[0]);

    List* list;
    if (fields[1] == "allow") list = &scope->allow;
    else if (fields[1] == "deny") list = &scope->deny;
    else return fail(line_no, AclError::bad_action, fields[1]);

    if (fields[2] == "peer") {
      auto id = multiformats::PeerId::from_string(fields[3]);
      if (!id) return fail(line_no, AclError::bad_peer_id, fields[3]);
      list->peers.insert(*id);
    } else if (fields[2] == "ip") {
      auto subnet = Subnet::parse(fields[3]);
      if (!subnet) return fail(line_no, AclError::bad_address, fields[3]);
      list->subnets.push_back(*subnet);
    } else {
      return fail(line_no, AclError::bad_kind, fields[2]);
    }
    ++acl.rule_count_;
  }
  return acl;
}

}  // namespace chiral::relay
