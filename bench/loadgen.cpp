// chiral-loadgen: the load generator behind `make bench` (issue 9), built on our own stack. It is a
// Circuit Relay v2 client (libp2p/specs relay/circuit-v2.md: RESERVE, CONNECT, STOP), so the same binary
// drives chiral-relay and the js-libp2p relay. Each mode prints one JSON line on stdout; relay-side
// figures come from /proc/<pid>/stat (utime + stime) and /proc/<pid>/status (VmRSS) of --pid.
//   handshake  N connections with C in flight (TCP + multistream + Noise + yamux, plus the relay's identify
//              of us): handshakes/s, relay CPU per handshake, relay RSS per held connection.
//   idle       N peers (own identities), each connects, identifies and holds a reservation: relay RSS and
//              CPU per new peer.
//   relay      K parallel raw circuits from M source peers to N reserved target peers (default 1 and 1),
//              each carrying B bytes one way (or until --seconds): relayed MiB/s, relay CPU-s per GiB,
//              relay peak RSS.
//   rtt        64-byte ping-pong through a circuit vs over a direct connection to the target: p50/p99.
//   floor      CPU-s per GiB of one ChaCha20-Poly1305 decrypt + encrypt here (what a relay must spend).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "crypto/chachapoly.hpp"
#include "net/host.hpp"
#include "services/identify_service.hpp"
#include "services/peer_store.hpp"
#include "services/relay_client.hpp"

using namespace chiral;
using namespace chiral::net;

namespace {

constexpr std::string_view kEchoProtocol = "/chiral-bench/echo/1.0.0";
constexpr auto kStepTimeout = std::chrono::seconds(60);  // generous: the bench box is loaded

// ---------------------------------------------------------------------------------------------
// The relay process, seen through /proc.

// Resident set size of `pid` in KiB (VmRSS from /proc/<pid>/status), -1 when unreadable.
long rss_kib(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (f >> key) {
    if (key == "VmRSS:") {
      long v = 0;
      f >> v;
      return v;
    }
    f.ignore(1 << 12, '\n');
  }
  return -1;
}

// CPU seconds (user + system, all threads) used so far by `pid`: fields 14 and 15 of /proc/<pid>/stat.
double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  const auto close = line.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos || close + 2 > line.size()) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// 10,000 connections need 10,000 descriptors here too: lift the soft limit to the hard one.
void raise_nofile() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// Runs `io` until the relay has gone quiet (< 3 ms of CPU in 300 ms) or `limit` passed: work the relay
// does after answering us (identifying us, bookkeeping) belongs to the figure being measured.
void run_until_relay_idle(asio::io_context& io, int pid, Clock::duration limit) {
  const auto end = Clock::now() + limit;
  double last = cpu_seconds(pid);
  while (Clock::now() < end) {
    io.run_for(std::chrono::milliseconds(300));
    const double now = cpu_seconds(pid);
    if (now - last < 0.003) break;
    last = now;
  }
}

HostConfig bench_host_config() {
  HostConfig hc;
  hc.connection.keepalive_interval = Clock::duration::zero();  // no pings of our own: only the relay's work
  hc.handshake_timeout = kStepTimeout;
  hc.dial_timeout = kStepTimeout;
  return hc;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = std::min(v.size() - 1, static_cast<std::size_t>(p * double(v.size())));
  return v[i];
}

// Echoes everything read back to the sender until EOF (the direct path of `rtt` and its target side).
awaitable<void> echo_stream(StreamPtr s) {
  std::vector<std::uint8_t> buf(64 * 1024);
  for (;;) {
    MutableBytesView into(buf.data(), buf.size());
    auto n = co_await s->read_some(into);
    if (!n) break;
    BytesView out(buf.data(), *n);
    if (co_await s->write(out)) co_return;
  }
  s->close_write();
}

// ---------------------------------------------------------------------------------------------
// handshake: connections only (no reservation).

struct HandshakeRun {
  HandshakeRun(Host& h, const multiformats::Multiaddr& a, std::size_t n) : host(h), addr(a), total(n) {}
  Host& host;
  const multiformats::Multiaddr& addr;
  std::size_t total;
  std::size_t started = 0;
  std::size_t failed = 0;
  std::size_t running = 0;
  std::vector<ConnectionPtr> held;
  std::string first_error;
  Clock::time_point done_at{};
};

awaitable<void> handshake_worker(HandshakeRun& run) {
  while (run.started < run.total) {
    ++run.started;
    auto c = co_await run.host.dial(run.addr);
    if (c) {
      run.held.push_back(*c);
    } else {
      if (run.first_error.empty()) run.first_error = c.error().message();
      ++run.failed;
    }
  }
  if (--run.running == 0) run.done_at = Clock::now();
}

int run_handshake(const multiformats::Multiaddr& addr, int pid, std::size_t connections, std::size_t concurrency) {
  asio::io_context io(1);
  Host host(io, crypto::Ed25519PrivateKey::generate(), bench_host_config());
  services::PeerStore peers;
  services::IdentifyService identify(host, peers, {"chiral-loadgen/0", "/chiral/relay/1.0.0", false});
  HandshakeRun run(host, addr, connections);
  const long rss_before = rss_kib(pid);
  const double cpu_before = cpu_seconds(pid);
  const auto t0 = Clock::now();
  run.running = std::max<std::size_t>(1, concurrency);
  for (std::size_t w = 0; w < run.running; ++w) asio::co_spawn(io, handshake_worker(run), asio::detached);
  while (run.running > 0) io.run_for(std::chrono::milliseconds(50));
  run_until_relay_idle(io, pid, std::chrono::seconds(10));
  const double cpu = cpu_seconds(pid) - cpu_before;
  const long rss_after = rss_kib(pid);
  const double secs = std::chrono::duration<double>(run.done_at - t0).count();
  const double n = double(std::max<std::size_t>(1, run.held.size()));
  nlohmann::json out;
  out["mode"] = "handshake";
  out["connections"] = run.held.size();
  out["failed"] = run.failed;
  if (!run.first_error.empty()) out["first_error"] = run.first_error;
  out["concurrency"] = concurrency;
  out["seconds"] = secs;
  out["handshakes_per_second"] = double(run.held.size()) / secs;
  out["relay_cpu_seconds"] = cpu;
  out["relay_cpu_ms_per_handshake"] = 1000.0 * cpu / n;
  // What one relay core could accept if handshakes were all it did (the client here shares the box).
  out["handshakes_per_relay_cpu_second"] = cpu > 0 ? double(run.held.size()) / cpu : 0;
  out["relay_rss_kib_before"] = rss_before;
  out["relay_rss_kib_after"] = rss_after;
  out["relay_rss_kib_per_connection"] = double(rss_after - rss_before) / n;
  std::cout << out.dump() << std::endl;
  for (auto& c : run.held) c->close("bench done");
  io.run_for(std::chrono::milliseconds(300));
  return run.failed == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// idle: N peers, each with its own identity, connection, identify exchange and reservation.

struct IdlePeer {
  IdlePeer(asio::io_context& io, const HostConfig& hc)
      : host(io, crypto::Ed25519PrivateKey::generate(), hc),
        identify(host, peers, services::IdentifyConfig{"chiral-loadgen/0", "/chiral/relay/1.0.0", true}) {}
  Host host;
  services::PeerStore peers;
  services::IdentifyService identify;  // answers the relay's identify and identifies the relay, as clients do
  ConnectionPtr conn;
};

struct IdleRun {
  IdleRun(std::vector<std::unique_ptr<IdlePeer>>& p, const multiformats::Multiaddr& a) : peers(p), addr(a) {}
  std::vector<std::unique_ptr<IdlePeer>>& peers;
  const multiformats::Multiaddr& addr;
  std::size_t next = 0;
  std::size_t reserved = 0;
  std::size_t failed = 0;
  std::size_t running = 0;
  std::string first_error;
  Clock::time_point done_at{};
};

awaitable<void> idle_worker(IdleRun& run) {
  const Clock::duration timeout = kStepTimeout;
  while (run.next < run.peers.size()) {
    IdlePeer& p = *run.peers[run.next++];
    auto c = co_await p.host.dial(run.addr);
    if (!c) {
      if (run.first_error.empty()) run.first_error = "dial: " + c.error().message();
      ++run.failed;
      continue;
    }
    ConnectionPtr conn = *c;
    auto r = co_await services::relay_reserve(conn, timeout);
    if (!r || r->status != relay_proto::Status::OK) {
      if (run.first_error.empty()) {
        run.first_error = !r ? "reserve: " + r.error().message()
                             : "reserve: status " + std::string(relay_proto::status_name(
                                                        r->status.value_or(relay_proto::Status::UNUSED)));
      }
      ++run.failed;
      conn->close("reservation failed");
      continue;
    }
    p.conn = conn;
    ++run.reserved;
  }
  if (--run.running == 0) run.done_at = Clock::now();
}

int run_idle(const multiformats::Multiaddr& addr, int pid, std::size_t connections, std::size_t concurrency) {
  asio::io_context io(1);
  const HostConfig hc = bench_host_config();
  // Identities first, outside the measured window.
  std::vector<std::unique_ptr<IdlePeer>> peers;
  peers.reserve(connections);
  for (std::size_t i = 0; i < connections; ++i) peers.push_back(std::make_unique<IdlePeer>(io, hc));
  IdleRun run(peers, addr);
  const long rss_before = rss_kib(pid);
  const double cpu_before = cpu_seconds(pid);
  const auto t0 = Clock::now();
  run.running = std::max<std::size_t>(1, concurrency);
  for (std::size_t w = 0; w < run.running; ++w) asio::co_spawn(io, idle_worker(run), asio::detached);
  while (run.running > 0) io.run_for(std::chrono::milliseconds(50));
  run_until_relay_idle(io, pid, std::chrono::seconds(20));
  const double cpu = cpu_seconds(pid) - cpu_before;
  const long rss_after = rss_kib(pid);
  std::size_t alive = 0;
  for (const auto& p : peers) alive += (p->conn && !p->conn->closed()) ? 1 : 0;
  const double secs = std::chrono::duration<double>(run.done_at - t0).count();
  const double n = double(std::max<std::size_t>(1, run.reserved));
  nlohmann::json out;
  out["mode"] = "idle";
  out["peers"] = connections;
  out["reserved"] = run.reserved;
  out["alive"] = alive;
  out["failed"] = run.failed;
  if (!run.first_error.empty()) out["first_error"] = run.first_error;
  out["concurrency"] = concurrency;
  out["seconds"] = secs;
  out["peers_per_second"] = double(run.reserved) / secs;
  out["relay_cpu_seconds"] = cpu;
  out["relay_cpu_ms_per_peer"] = 1000.0 * cpu / n;
  out["relay_rss_kib_before"] = rss_before;
  out["relay_rss_kib_after"] = rss_after;
  out["relay_rss_kib_per_connection"] = double(rss_after - rss_before) / n;
  std::cout << out.dump() << std::endl;
  for (auto& p : peers) {
    if (p->conn) p->conn->close("bench done");
  }
  io.run_for(std::chrono::milliseconds(500));
  return run.failed == 0 && alive == run.reserved ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// relay: K raw circuits (no end-to-end Noise inside: we measure the relay, not the endpoints).

struct Reserved {
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> ok{0};
  std::string error;  // first failure; written on the target thread only
};

awaitable<void> reserve_target(Host& target, const multiformats::Multiaddr& addr, Reserved& out,
                               ConnectionPtr& keep) {
  const Clock::duration timeout = kStepTimeout;
  auto c = co_await target.dial(addr);
  if (!c) {
    if (out.error.empty()) out.error = "target dial: " + c.error().message();
    ++out.done;
    co_return;
  }
  keep = *c;
  ConnectionPtr conn = *c;
  auto r = co_await services::relay_reserve(conn, timeout);
  if (!r) {
    if (out.error.empty()) out.error = "reserve: " + r.error().message();
  } else if (r->status != relay_proto::Status::OK) {
    if (out.error.empty()) {
      out.error = "reserve: status " + std::string(relay_proto::status_name(r->status.value_or(relay_proto::Status::UNUSED)));
    }
  } else {
    ++out.ok;
  }
  ++out.done;
}

struct FlowRun {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::size_t> finished{0};
  std::atomic<bool> failed{false};
  std::string error;  // written once by the source thread before `failed`
  std::size_t circuits = 0;
  std::uint64_t bytes = 0;
  Clock::time_point deadline = Clock::time_point::max();
};

// The target side of one circuit: count and drop everything, then close.
awaitable<void> sink_circuit(StreamPtr s, FlowRun& run) {
  std::vector<std::uint8_t> buf(256 * 1024);
  for (;;) {
    MutableBytesView into(buf.data(), buf.size());
    auto n = co_await s->read_some(into);
    if (!n) break;
    run.received += *n;
  }
  s->close_write();
  ++run.finished;
}

awaitable<void> source_circuit(ConnectionPtr conn, multiformats::PeerId target, FlowRun& run) {
  const Clock::duration timeout = kStepTimeout;
  auto r = co_await services::relay_connect(conn, target, timeout);
  if (!r || !r->stream) {
    if (!run.failed.exchange(true)) {
      run.error = !r ? "connect: " + r.error().message()
                     : "connect: status " + std::string(relay_proto::status_name(
                                                  r->status.status.value_or(relay_proto::Status::UNUSED)));
    }
    co_return;
  }
  StreamPtr s = r->stream;
  std::vector<std::uint8_t> chunk(256 * 1024, 0xab);
  std::uint64_t left = run.bytes;
  while (left > 0 && Clock::now() < run.deadline) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
    BytesView view(chunk.data(), n);
    if (auto ec = co_await s->write(view)) {
      if (!run.failed.exchange(true)) run.error = "write: " + ec.message();
      break;
    }
    left -= n;
  }
  s->close_write();
  // Keep the stream alive until the target has closed its side (or the circuit died).
  std::uint8_t byte = 0;
  MutableBytesView one(&byte, 1);
  co_await s->read_some(one);
}

// One source peer: one connection to the relay, then a circuit to each entry of `targets` (repeats allowed).
awaitable<void> source_main(Host& source, const multiformats::Multiaddr& addr,
                            std::vector<multiformats::PeerId> targets, FlowRun& run, ConnectionPtr& keep) {
  auto c = co_await source.dial(addr);
  if (!c) {
    if (!run.failed.exchange(true)) run.error = "source dial: " + c.error().message();
    co_return;
  }
  keep = *c;
  for (const auto& target : targets) {
    asio::co_spawn(source.io(), source_circuit(*c, target, run), asio::detached);
  }
}

// `targets` peers reserve, `sources` peers connect; circuit i goes from source i % sources to target
// i % targets. All targets share one thread and all sources another, so the client side stays off the
// relay's core as far as two cores allow.
int run_relay(const multiformats::Multiaddr& addr, int pid, std::uint64_t bytes, std::size_t circuits,
              double max_seconds, std::size_t n_targets, std::size_t n_sources) {
  const HostConfig hc = bench_host_config();
  n_targets = std::max<std::size_t>(1, n_targets);
  n_sources = std::max<std::size_t>(1, std::min(n_sources, std::max<std::size_t>(1, circuits)));
  asio::io_context io_target(1), io_source(1);
  FlowRun run;
  run.circuits = circuits;
  run.bytes = bytes;
  std::vector<std::unique_ptr<Host>> targets, sources;
  std::vector<std::unique_ptr<services::StopListener>> sinks;
  for (std::size_t i = 0; i < n_targets; ++i) {
    targets.push_back(std::make_unique<Host>(io_target, crypto::Ed25519PrivateKey::generate(), hc));
    sinks.push_back(std::make_unique<services::StopListener>(
        *targets.back(), [&run](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit>) {
          return sink_circuit(std::move(s), run);
        }));
  }
  for (std::size_t i = 0; i < n_sources; ++i) {
    sources.push_back(std::make_unique<Host>(io_source, crypto::Ed25519PrivateKey::generate(), hc));
  }
  Reserved reserved;
  std::vector<ConnectionPtr> target_conns(n_targets), source_conns(n_sources);
  for (std::size_t i = 0; i < n_targets; ++i) {
    asio::co_spawn(io_target, reserve_target(*targets[i], addr, reserved, target_conns[i]), asio::detached);
  }
  auto keep_target = asio::make_work_guard(io_target);
  std::thread target_thread([&] { io_target.run(); });
  while (reserved.done < n_targets) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (reserved.ok < n_targets) {
    std::cerr << "relay bench: " << reserved.error << "\n";
    io_target.stop();
    target_thread.join();
    return 1;
  }
  const double cpu_before = cpu_seconds(pid);
  const long rss_before = rss_kib(pid);
  long rss_peak = rss_before;
  const auto t0 = Clock::now();
  if (max_seconds > 0) {
    run.deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(max_seconds));
  }
  std::vector<std::vector<multiformats::PeerId>> plan(n_sources);
  for (std::size_t i = 0; i < circuits; ++i) plan[i % n_sources].push_back(targets[i % n_targets]->peer_id());
  for (std::size_t i = 0; i < n_sources; ++i) {
    asio::co_spawn(io_source, source_main(*sources[i], addr, std::move(plan[i]), run, source_conns[i]), asio::detached);
  }
  auto keep_source = asio::make_work_guard(io_source);
  std::thread source_thread([&] { io_source.run(); });
  const auto give_up = t0 + std::chrono::seconds(600);
  while (run.finished < circuits && !run.failed && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    rss_peak = std::max(rss_peak, rss_kib(pid));
  }
  const auto t1 = Clock::now();
  const double cpu = cpu_seconds(pid) - cpu_before;
  io_source.stop();
  io_target.stop();
  source_thread.join();
  target_thread.join();
  const bool ok = !run.failed && run.finished == circuits;
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  const double gib = double(run.received.load()) / double(1ull << 30);
  nlohmann::json out;
  out["mode"] = "relay";
  out["circuits"] = circuits;
  out["targets"] = n_targets;
  out["sources"] = n_sources;
  out["bytes"] = run.received.load();
  out["seconds"] = secs;
  out["mib_per_second"] = double(run.received.load()) / double(1 << 20) / secs;
  out["gbit_per_second"] = double(run.received.load()) * 8 / 1e9 / secs;
  out["relay_cpu_seconds"] = cpu;
  out["relay_cpu_seconds_per_gib"] = gib > 0 ? cpu / gib : 0;
  out["relay_rss_kib_before"] = rss_before;
  out["relay_rss_kib_peak"] = rss_peak;
  out["failed"] = !ok;
  if (!run.error.empty()) out["error"] = run.error;
  std::cout << out.dump() << std::endl;
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// rtt: small request/response through the relay vs direct.

struct RttRun {
  RttRun(Host& t, Host& s, const multiformats::Multiaddr& a) : target(t), source(s), addr(a) {}
  Host& target;
  Host& source;
  const multiformats::Multiaddr& addr;
  std::size_t rounds = 0, warmup = 0, size = 0;
  std::vector<double> relayed_us, direct_us;
  std::vector<ConnectionPtr> keep;
  std::string error;
  bool done = false;
};

// One round trip of `out` on `s`; the echo must match.
awaitable<Result<double>> round_trip(StreamPtr s, const Bytes& out, Bytes& in) {
  const auto t0 = Clock::now();
  BytesView request(out.data(), out.size());
  if (auto ec = co_await s->write(request)) co_return ec;
  MutableBytesView reply(in.data(), in.size());
  if (auto ec = co_await s->read_exact(reply)) co_return ec;
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  if (in != out) co_return make_error_code(boost::system::errc::bad_message);
  co_return us;
}

awaitable<void> rtt_main(RttRun& run) {
  const Clock::duration timeout = kStepTimeout;
  auto tc = co_await run.target.dial(run.addr);
  if (!tc) {
    run.error = "target dial: " + tc.error().message();
    run.done = true;
    co_return;
  }
  ConnectionPtr target_conn = *tc;
  run.keep.push_back(target_conn);
  auto rsv = co_await services::relay_reserve(target_conn, timeout);
  if (!rsv || rsv->status != relay_proto::Status::OK) {
    run.error = "reservation failed";
    run.done = true;
    co_return;
  }
  auto sc = co_await run.source.dial(run.addr);
  if (!sc) {
    run.error = "source dial: " + sc.error().message();
    run.done = true;
    co_return;
  }
  ConnectionPtr source_conn = *sc;
  run.keep.push_back(source_conn);
  auto circuit = co_await services::relay_connect(source_conn, run.target.peer_id(), timeout);
  if (!circuit || !circuit->stream) {
    run.error = "relay connect failed";
    run.done = true;
    co_return;
  }
  StreamPtr relayed = circuit->stream;
  const auto bound = run.target.bound_addrs();
  if (bound.empty()) {
    run.error = "target has no listen address";
    run.done = true;
    co_return;
  }
  auto dc = co_await run.source.dial(bound.front());
  if (!dc) {
    run.error = "direct dial: " + dc.error().message();
    run.done = true;
    co_return;
  }
  ConnectionPtr direct_conn = *dc;
  run.keep.push_back(direct_conn);
  auto ds = co_await direct_conn->open_stream(kEchoProtocol);
  if (!ds) {
    run.error = "direct echo stream: " + ds.error().message();
    run.done = true;
    co_return;
  }
  StreamPtr direct = *ds;
  Bytes out(run.size), in(run.size);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i * 7 + 1);
  // Interleaved, so load changes on the shared machine hit both paths alike.
  for (std::size_t i = 0; i < run.warmup + run.rounds; ++i) {
    auto a = co_await round_trip(relayed, out, in);
    if (!a) {
      run.error = "relayed round trip: " + a.error().message();
      break;
    }
    auto b = co_await round_trip(direct, out, in);
    if (!b) {
      run.error = "direct round trip: " + b.error().message();
      break;
    }
    if (i >= run.warmup) {
      run.relayed_us.push_back(*a);
      run.direct_us.push_back(*b);
    }
  }
  relayed->close_write();
  direct->close_write();
  run.done = true;
}

int run_rtt(const multiformats::Multiaddr& addr, int pid, std::size_t rounds, std::size_t warmup, std::size_t size) {
  asio::io_context io(1);
  const HostConfig hc = bench_host_config();
  Host target(io, crypto::Ed25519PrivateKey::generate(), hc);
  Host source(io, crypto::Ed25519PrivateKey::generate(), hc);
  auto listen_addr = multiformats::Multiaddr::from_string("/ip4/127.0.0.1/tcp/0");
  if (!listen_addr || target.listen(*listen_addr)) {
    std::cerr << "rtt bench: target cannot listen\n";
    return 1;
  }
  target.set_handler(std::string(kEchoProtocol), [](StreamPtr s) { return echo_stream(std::move(s)); });
  services::StopListener stop(target, [](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit>) {
    return echo_stream(std::move(s));
  });
  RttRun run(target, source, addr);
  run.rounds = rounds;
  run.warmup = warmup;
  run.size = size;
  const double cpu_before = cpu_seconds(pid);
  asio::co_spawn(io, rtt_main(run), asio::detached);
  const auto give_up = Clock::now() + std::chrono::seconds(300);
  while (!run.done && Clock::now() < give_up) io.run_for(std::chrono::milliseconds(50));
  const double cpu = cpu_seconds(pid) - cpu_before;
  if (!run.done && run.error.empty()) run.error = "timed out";
  const double rp50 = percentile(run.relayed_us, 0.50), rp99 = percentile(run.relayed_us, 0.99);
  const double dp50 = percentile(run.direct_us, 0.50), dp99 = percentile(run.direct_us, 0.99);
  nlohmann::json out;
  out["mode"] = "rtt";
  out["rounds"] = run.relayed_us.size();
  out["payload_bytes"] = size;
  out["relayed_p50_us"] = rp50;
  out["relayed_p99_us"] = rp99;
  out["direct_p50_us"] = dp50;
  out["direct_p99_us"] = dp99;
  out["added_p50_us"] = rp50 - dp50;
  out["added_p99_us"] = rp99 - dp99;
  out["relay_cpu_us_per_round_trip"] = run.relayed_us.empty() ? 0 : 1e6 * cpu / double(run.relayed_us.size());
  const bool ok = run.error.empty() && run.relayed_us.size() == rounds;
  out["failed"] = !ok;
  if (!run.error.empty()) out["error"] = run.error;
  std::cout << out.dump() << std::endl;
  for (auto& c : run.keep) c->close("bench done");
  io.run_for(std::chrono::milliseconds(200));
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// floor: the crypto a relay cannot avoid per relayed byte (decrypt from one peer, encrypt to the other).

int run_floor(std::uint64_t mib) {
  constexpr std::size_t kFrame = 65519;  // Noise's largest plaintext per frame
  std::uint8_t key[crypto::kChaChaPolyKeySize] = {1, 2, 3};
  crypto::ChaChaPoly enc(key), dec(key);
  Bytes plain(kFrame, 0x5a), wire(kFrame + crypto::kChaChaPolyTagSize), back(kFrame);
  const std::uint64_t total = mib << 20;
  std::uint64_t done = 0, nonce = 0;
  bool ok = true;
  const double c0 = thread_cpu_seconds();
  while (done < total) {
    const auto n = enc.encrypt(nonce, {}, plain, wire.data());
    auto m = dec.decrypt(nonce, {}, BytesView(wire.data(), n), back.data());
    if (!m) ok = false;
    ++nonce;
    done += kFrame;
  }
  const double cpu = thread_cpu_seconds() - c0;
  nlohmann::json out;
  out["mode"] = "floor";
  out["bytes"] = done;
  out["cpu_seconds_per_gib"] = cpu / (double(done) / double(1ull << 30));
  out["failed"] = !ok;
  std::cout << out.dump() << std::endl;
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chiral-loadgen: load generator for libp2p circuit relays (make bench)", "chiral-loadgen"};
  std::string target;
  int pid = 0;
  std::size_t connections = 1000, concurrency = 32, circuits = 1, rounds = 2000, warmup = 200, payload = 64;
  std::size_t n_targets = 1, n_sources = 1;
  std::uint64_t mib = 1024, floor_mib = 512;
  double seconds = 0;
  app.add_option("--target", target, "Relay multiaddr with /p2p");
  app.add_option("--pid", pid, "Relay process id (for RSS and CPU readings)");
  auto* hs = app.add_subcommand("handshake", "Open and hold many connections (no reservations)");
  hs->add_option("--connections", connections, "Connections to open and hold")->capture_default_str();
  hs->add_option("--concurrency", concurrency, "Handshakes in flight")->capture_default_str();
  auto* idle = app.add_subcommand("idle", "N peers, each connected with a reservation");
  idle->add_option("--connections", connections, "Peers (one connection + reservation each)")->capture_default_str();
  idle->add_option("--concurrency", concurrency, "Peers setting up at once")->capture_default_str();
  auto* rl = app.add_subcommand("relay", "Move data through parallel circuits");
  rl->add_option("--circuits", circuits, "Parallel circuits")->capture_default_str();
  rl->add_option("--mib", mib, "MiB per circuit")->capture_default_str();
  rl->add_option("--targets", n_targets, "Peers holding a reservation (circuit i ends at target i % N)")->capture_default_str();
  rl->add_option("--sources", n_sources, "Peers dialing through the relay (circuit i starts at source i % M)")->capture_default_str();
  rl->add_option("--seconds", seconds, "Stop sending after this many seconds (0 = no limit)")->capture_default_str();
  auto* rtt = app.add_subcommand("rtt", "Request/response latency through the relay vs direct");
  rtt->add_option("--rounds", rounds, "Measured round trips per path")->capture_default_str();
  rtt->add_option("--warmup", warmup, "Unmeasured round trips first")->capture_default_str();
  rtt->add_option("--payload", payload, "Bytes per request (and reply)")->capture_default_str()->check(CLI::Range(1, 65536));
  auto* fl = app.add_subcommand("floor", "CPU-s per GiB of one ChaCha20-Poly1305 decrypt + encrypt");
  fl->add_option("--mib", floor_mib, "MiB to process")->capture_default_str();
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("loadgen"));
  spdlog::set_level(spdlog::level::warn);
  raise_nofile();
  if (*fl) return run_floor(floor_mib);
  if (target.empty() || pid <= 0) {
    std::cerr << "--target and --pid are required for this mode\n";
    return 2;
  }
  auto addr = multiformats::Multiaddr::from_string(target);
  if (!addr) {
    std::cerr << "bad --target\n";
    return 2;
  }
  if (*hs) return run_handshake(*addr, pid, connections, concurrency);
  if (*idle) return run_idle(*addr, pid, connections, concurrency);
  if (*rtt) return run_rtt(*addr, pid, rounds, warmup, payload);
  return run_relay(*addr, pid, mib << 20, circuits, seconds, n_targets, n_sources);
}
