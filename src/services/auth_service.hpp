// Chiral's optional reservation gate /chiral/relay-auth/1.0.0 (PROTOCOLS.md "Chiral specifics"): a peer
// sends a 4-byte little-endian length and a token (<= 1024 bytes) on its own stream; we answer one byte,
// 1 accepted / 0 refused. Acceptance lasts for that connection only. Tokens are compared in constant
// time and never logged.
#pragma once
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include "net/host.hpp"

namespace chiral::services {

inline constexpr std::string_view kAuthProtocolId = "/chiral/relay-auth/1.0.0";
inline constexpr std::size_t kMaxAuthToken = 1024;

// Reads a tokens file: one token per line; blank lines and lines starting with '#' are ignored,
// surrounding whitespace is trimmed. Throws std::runtime_error naming the file and line on problems.
std::vector<std::string> load_auth_tokens(const std::filesystem::path& path);

class AuthService {
 public:
  AuthService(net::Host& host, std::vector<std::string> tokens);
  bool authenticated(const net::Connection& conn) const { return authenticated_.contains(conn.info().id); }
  void set_tokens(std::vector<std::string> tokens) { tokens_ = std::move(tokens); }
  std::size_t token_count() const { return tokens_.size(); }

 private:
  net::awaitable<void> serve(net::StreamPtr s);
  bool matches(BytesView token) const;

  std::vector<std::string> tokens_;
  std::unordered_set<std::uint64_t> authenticated_;  // connection ids
};

}  // namespace chiral::services
