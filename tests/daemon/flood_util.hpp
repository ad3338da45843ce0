// Helpers for the hostile-load daemon tests (flood_test.cpp, chaos_test.cpp): raw POSIX sockets from a
// chosen loopback source address, connections stalled at each handshake stage, the daemon's RSS, the
// metrics file, and an honest C++ peer.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "crypto/keys.hpp"
#include "net/host.hpp"
#include "protocol/multistream/message.hpp"
#include "protocol/noise/libp2p_handshake.hpp"
#include "protocol/relay/constants.hpp"
#include "protocol/yamux/session.hpp"
#include "services/identify_service.hpp"
#include "services/ping_service.hpp"

namespace chiral::testing {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag)
      : path_(fs::temp_directory_path() / ("chiral-" + tag + "-" + std::to_string(std::random_device{}()))) {
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Resident set size of `pid` in KiB (VmRSS), 0 if unknown.
inline std::size_t rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

inline std::optional<nlohmann::json> read_json(const fs::path& p) {
  std::ifstream f(p);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Raises RLIMIT_NOFILE's soft limit to the hard one (flood tests hold thousands of sockets).
inline void raise_nofile() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// A blocking TCP connection from `src` (a 127.x.y.z address: each is its own "IP" to the daemon).
inline int connect_from(const std::string& src, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, src.c_str(), &a.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in d{};
  d.sin_family = AF_INET;
  d.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&d), sizeof d) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline bool send_all(int fd, BytesView b) {
  while (!b.empty()) {
    const ssize_t n = ::send(fd, b.data(), b.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    b = b.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads until `buf` holds `n` bytes; false on EOF/error/timeout.
inline bool recv_until(int fd, Bytes& buf, std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (buf.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    std::uint8_t tmp[16384];
    const ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
    if (r <= 0) return false;
    buf.insert(buf.end(), tmp, tmp + r);
  }
  return true;
}

// Where a hostile connection stops talking.
enum class Stage { tcp_only, mid_multistream, mid_noise, before_muxer, yamux_no_streams, half_hop };
inline constexpr Stage kAllStages[] = {Stage::tcp_only,    Stage::mid_multistream,  Stage::mid_noise,
                                       Stage::before_muxer, Stage::yamux_no_streams, Stage::half_hop};
inline const char* stage_name(Stage s) {
  switch (s) {
    case Stage::tcp_only: return "tcp_only";
    case Stage::mid_multistream: return "mid_multistream";
    case Stage::mid_noise: return "mid_noise";
    case Stage::before_muxer: return "before_muxer";
    case Stage::yamux_no_streams: return "yamux_no_streams";
    case Stage::half_hop: return "half_hop";
  }
  return "?";
}

// Upgrades a fresh connection `fd` by hand: lazy multistream + "/noise" + Noise XX offering `muxers`.
// The session (ciphers) when the handshake completed; with `stop_after_message1` nothing is read and
// message 3 is never sent (std::nullopt, *sent_ok tells whether the write worked).
inline std::optional<noise::Libp2pSession> handshake(int fd, const crypto::Ed25519PrivateKey& identity,
                                                     std::vector<std::string> muxers, bool stop_after_message1 = false,
                                                     bool* sent_ok = nullptr) {
  Bytes out;
  multistream::append_message(out, multistream::kProtocolId);
  multistream::append_message(out, "/noise");
  noise::Libp2pHandshake hs(noise::Role::initiator, identity, std::move(muxers));
  auto step = hs.on_start();
  if (!step) return std::nullopt;
  append(out, step->send);
  const bool sent = send_all(fd, out);
  if (sent_ok) *sent_ok = sent;
  if (!sent || stop_after_message1) return std::nullopt;
  const std::size_t echo = multistream::encode_message(multistream::kProtocolId).size() +
                           multistream::encode_message("/noise").size();
  Bytes in;
  if (!recv_until(fd, in, echo + 2, std::chrono::seconds(10))) return std::nullopt;
  const std::size_t len = std::size_t(in[echo]) << 8 | in[echo + 1];
  if (!recv_until(fd, in, echo + 2 + len, std::chrono::seconds(10))) return std::nullopt;
  step = hs.on_message(BytesView(in).subspan(echo + 2, len));
  if (!step || !step->done) return std::nullopt;
  if (!send_all(fd, step->send)) return std::nullopt;
  auto session = hs.finish();
  if (!session) return std::nullopt;
  return std::move(*session);
}

struct QuietMux : yamux::Handler {
  std::size_t resets = 0, go_aways = 0;
  void on_stream_opened(std::uint32_t) override {}
  void on_data(std::uint32_t, BytesView) override {}
  void on_remote_close(std::uint32_t) override {}
  void on_stream_reset(std::uint32_t) override { ++resets; }
  void on_send_window(std::uint32_t) override {}
  void on_go_away(std::uint32_t) override { ++go_aways; }
};

// Drives a fresh connection `fd` up to `stage` and leaves it there. False if the daemon did not follow.
inline bool stall_at(int fd, Stage stage, const crypto::Ed25519PrivateKey& identity) {
  if (stage == Stage::tcp_only) return true;
  if (stage == Stage::mid_multistream) {
    return send_all(fd, multistream::encode_message(multistream::kProtocolId));  // header, never a proposal
  }
  if (stage == Stage::mid_noise) {
    bool sent = false;
    handshake(fd, identity, {"/yamux/1.0.0"}, true, &sent);  // message 3 never comes
    return sent;
  }
  std::vector<std::string> muxers;
  if (stage != Stage::before_muxer) muxers.push_back("/yamux/1.0.0");  // none: a multistream round that never starts
  auto session = handshake(fd, identity, std::move(muxers));
  if (!session) return false;
  if (stage != Stage::half_hop) return true;  // yamux_no_streams: an upgraded connection that stays silent
  // A yamux stream, /hop selected, then a length prefix announcing 20 bytes and only 4 of them.
  QuietMux quiet;
  yamux::Session mux(yamux::Role::client, {}, quiet);
  auto id = mux.open_stream();
  if (!id) return false;
  Bytes payload;
  multistream::append_message(payload, multistream::kProtocolId);
  multistream::append_message(payload, relay_proto::kHopProtocolId);
  const std::uint8_t partial_hop[] = {20, 0x08, 0x00, 0x12, 0x03};
  payload.insert(payload.end(), std::begin(partial_hop), std::end(partial_hop));
  Bytes plain, wire;
  mux.write(*id, payload, plain);
  if (!noise::encrypt_frames(session->send, plain, wire)) return false;
  return send_all(fd, wire);
}

// An honest C++ peer: dial, identify, ping three times.
inline bool honest_peer_served(const std::string& addr) {
  net::asio::io_context io;
  net::HostConfig hc;
  hc.connection.keepalive_interval = net::Clock::duration::zero();
  net::Host host(io, crypto::Ed25519PrivateKey::generate(), hc);
  services::PeerStore peers;
  services::IdentifyService identify(host, peers, {"flood-test/1", "/chiral/relay/1.0.0", false});
  services::PingService ping(host);
  bool ok = false;
  net::asio::co_spawn(io, [&]() -> net::awaitable<void> {
    auto conn = co_await host.dial(*multiformats::Multiaddr::from_string(addr));
    if (conn) {
      auto info = co_await identify.identify(*conn);
      auto rtts = co_await ping.ping(*conn, 3, std::chrono::seconds(10));
      ok = info && rtts && rtts->size() == 3;
      (*conn)->close("test done");
    }
    io.stop();
  }, net::asio::detached);
  io.run_for(std::chrono::seconds(30));
  return ok;
}

// Polls `cond` every 20 ms until it holds or `timeout` passes.
template <class Cond>
bool eventually(Cond cond, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

}  // namespace chiral::testing
