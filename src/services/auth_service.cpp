#include "services/auth_service.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <stdexcept>

namespace chiral::services {

using namespace chiral::net;

std::vector<std::string> load_auth_tokens(const std::filesystem::path& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read auth tokens file " + path.string());
  std::vector<std::string> tokens;
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const auto e = line.find_last_not_of(" \t\r");
    std::string token = line.substr(b, e - b + 1);
    if (token.size() > kMaxAuthToken) {
      throw std::runtime_error("auth tokens file " + path.string() + " line " + std::to_string(n) +
                               ": token longer than 1024 bytes");
    }
    tokens.push_back(std::move(token));
  }
  if (tokens.empty()) throw std::runtime_error("auth tokens file " + path.string() + " holds no token");
  return tokens;
}

AuthService::AuthService(Host& host, std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  host.set_handler(std::string(kAuthProtocolId), [this](StreamPtr s) { return serve(std::move(s)); });
  host.add_observer([this](const ConnectionPtr& c, bool opened) {
    if (!opened) authenticated_.erase(c->info().id);
  });
}

bool AuthService::matches(BytesView token) const {
  // Every token is compared (no early exit), each in constant time for its length.
  bool ok = false;
  for (const auto& t : tokens_) {
    if (t.size() == token.size() && CRYPTO_memcmp(t.data(), token.data(), t.size()) == 0) ok = true;
  }
  return ok;
}

awaitable<void> AuthService::serve(StreamPtr s) {
  auto conn = s->connection();
  if (!conn) co_return;
  Watchdog wd(conn->executor(), std::chrono::seconds(10), [s] { s->reset(); });
  std::uint8_t len_le[4];
  if (co_await s->read_exact(len_le)) co_return;
  const std::uint32_t len = len_le[0] | len_le[1] << 8 | len_le[2] << 16 | std::uint32_t(len_le[3]) << 24;
  if (len > kMaxAuthToken) {
    spdlog::info("peer {}: auth refused: token length {} over 1024", conn->remote_peer().to_base58(), len);
    s->reset();
    co_return;
  }
  Bytes token(len);
  if (co_await s->read_exact(token)) co_return;
  const bool ok = matches(token);
  OPENSSL_cleanse(token.data(), token.size());
  if (ok) authenticated_.insert(conn->info().id);
  spdlog::info("peer {} conn {}: relay auth {}", conn->remote_peer().to_base58(), conn->info().id,
               ok ? "accepted" : "refused");
  const std::uint8_t answer = ok ? 1 : 0;
  if (!co_await s->write({&answer, 1})) s->close_write();
}

}  // namespace chiral::services
