// Policy: check order (acl, rate, tables), refusal labels and counters, reload, and a randomized
// reserve/connect/close/disconnect soak that must leave every table and index empty.
#include "relay/policy.hpp"

#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace chiral::relay {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::peer;
using test::t0;

Acl acl_of(const std::string& text) { return Acl::parse(text).value(); }

TEST(Refusal, LabelsAreTheDocumentedStrings) {
  const std::map<Refusal, std::string> expected = {
      {Refusal::over_total, "over_total"},
      {Refusal::over_per_ip, "over_per_ip"},
      {Refusal::acl, "acl"},
      {Refusal::rate, "rate"},
      {Refusal::auth, "auth"},
      {Refusal::over_circuits_total, "over_circuits_total"},
      {Refusal::over_circuits_per_peer, "over_circuits_per_peer"},
      {Refusal::no_reservation, "no_reservation"},
      {Refusal::self, "self"},
      {Refusal::relayed_source, "relayed_source"},
      {Refusal::malformed, "malformed"},
      {Refusal::unexpected, "unexpected"},
      {Refusal::connection_failed, "connection_failed"},
      {Refusal::shutting_down, "shutting_down"},
  };
  EXPECT_EQ(expected.size(), kAllRefusals.size());
  std::set<std::string_view> seen;
  for (Refusal r : kAllRefusals) {
    EXPECT_EQ(refusal_label(r), expected.at(r));
    seen.insert(refusal_label(r));
  }
  EXPECT_EQ(seen.size(), kAllRefusals.size());
}

TEST(Refusal, HopStatusNumbers) {
  EXPECT_EQ(hop_status(Refusal::over_total, RequestKind::reserve), 200u);
  EXPECT_EQ(hop_status(Refusal::over_per_ip, RequestKind::reserve), 200u);
  EXPECT_EQ(hop_status(Refusal::rate, RequestKind::reserve), 200u);
  EXPECT_EQ(hop_status(Refusal::rate, RequestKind::connect), 201u);
  EXPECT_EQ(hop_status(Refusal::over_circuits_total, RequestKind::connect), 201u);
  EXPECT_EQ(hop_status(Refusal::over_circuits_per_peer, RequestKind::connect), 201u);
  EXPECT_EQ(hop_status(Refusal::acl, RequestKind::reserve), 202u);
  EXPECT_EQ(hop_status(Refusal::auth, RequestKind::reserve), 202u);
  EXPECT_EQ(hop_status(Refusal::relayed_source, RequestKind::connect), 202u);
  EXPECT_EQ(hop_status(Refusal::self, RequestKind::connect), 202u);
  EXPECT_EQ(hop_status(Refusal::connection_failed, RequestKind::connect), 203u);
  EXPECT_EQ(hop_status(Refusal::no_reservation, RequestKind::connect), 204u);
  EXPECT_EQ(hop_status(Refusal::shutting_down, RequestKind::reserve), 200u);
  EXPECT_EQ(hop_status(Refusal::shutting_down, RequestKind::connect), 201u);
  EXPECT_EQ(hop_status(Refusal::malformed, RequestKind::reserve), 400u);
  EXPECT_EQ(hop_status(Refusal::unexpected, RequestKind::connect), 401u);
}

TEST(Policy, ReserveCountsAcceptedRefreshedAndRefusals) {
  Limits l;
  l.max_reservations = 2;
  l.max_reservations_per_ip = 1;
  Policy p(l);
  EXPECT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(1), ip("10.0.0.1"), t0)));
  EXPECT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(1), ip("10.0.0.1"), t0 + 1s)));
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(2), ip("10.0.0.1"), t0)), Refusal::over_per_ip);
  EXPECT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(2), ip("10.0.0.2"), t0)));
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(3), ip("10.0.0.3"), t0)), Refusal::over_total);
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(4), ip("10.0.0.4"), t0)), Refusal::over_total);
  const auto& c = p.counters();
  EXPECT_EQ(c.reservations_accepted, 2u);
  EXPECT_EQ(c.reservations_refreshed, 1u);
  EXPECT_EQ(c.reservations_refused, (std::map<std::string, std::uint64_t>{{"over_per_ip", 1}, {"over_total", 2}}));
  EXPECT_EQ(p.reservations().size(), 2u);
}

TEST(Policy, ReserveOrderIsAclThenRateThenTables) {
  Limits l;
  l.max_reservations = 1;
  l.requests_per_minute_per_ip = 1;
  l.request_burst_per_ip = 2;
  Policy p(l, acl_of("reserve deny peer " + peer(9).to_base58() + "\n"));
  const auto a = ip("10.0.0.1");
  // ACL refusals do not consume tokens.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(std::get<Refusal>(p.reserve(peer(9), a, t0)), Refusal::acl);
  EXPECT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(1), a, t0)));  // token 1
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(2), a, t0)), Refusal::over_total);      // token 2
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(2), a, t0)), Refusal::rate);            // bucket empty
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(9), a, t0)), Refusal::acl);             // acl first still
  EXPECT_EQ(p.counters().reservations_refused,
            (std::map<std::string, std::uint64_t>{{"acl", 6}, {"over_total", 1}, {"rate", 1}}));
}

TEST(Policy, ConnectOrderAndLabels) {
  Limits l;
  l.max_circuits = 2;
  l.max_circuits_per_peer = 1;
  l.requests_per_minute_per_ip = 60;
  l.request_burst_per_ip = 100;
  Policy p(l, acl_of("connect deny ip 10.9.0.0/16\n"));
  const auto src = peer(1), dst = peer(2), relay = peer(99);
  p.set_local_peer(relay);
  auto expect_refused = [&](const multiformats::PeerId& s, const IpAddr& a, const multiformats::PeerId& d,
                            Refusal want) {
    auto r = p.connect(s, a, d, t0);
    ASSERT_TRUE(std::holds_alternative<Refusal>(r));
    EXPECT_EQ(std::get<Refusal>(r), want);
  };
  // acl before self and no_reservation.
  expect_refused(src, ip("10.9.1.1"), src, Refusal::acl);
  expect_refused(src, ip("10.0.0.1"), src, Refusal::self);
  expect_refused(src, ip("10.0.0.1"), relay, Refusal::self);
  expect_refused(src, ip("10.0.0.1"), dst, Refusal::no_reservation);
  ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(dst, ip("10.0.0.2"), t0)));
  // A reservation makes self still self.
  ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(src, ip("10.0.0.1"), t0)));
  expect_refused(src, ip("10.0.0.1"), src, Refusal::self);
  auto id = p.connect(src, ip("10.0.0.1"), dst, t0);
  ASSERT_TRUE(std::holds_alternative<CircuitId>(id));
  expect_refused(peer(3), ip("10.0.0.3"), dst, Refusal::over_circuits_per_peer);
  ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(4), ip("10.0.0.4"), t0)));
  ASSERT_TRUE(std::holds_alternative<CircuitId>(p.connect(peer(3), ip("10.0.0.3"), peer(4), t0)));
  ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(6), ip("10.0.0.6"), t0)));
  expect_refused(peer(5), ip("10.0.0.5"), peer(6), Refusal::over_circuits_total);
  const auto& c = p.counters();
  EXPECT_EQ(c.circuits_accepted, 2u);
  EXPECT_EQ(c.circuits_refused, (std::map<std::string, std::uint64_t>{{"acl", 1},
                                                                        {"self", 3},
                                                                        {"no_reservation", 1},
                                                                        {"over_circuits_per_peer", 1},
                                                                        {"over_circuits_total", 1}}));
}

TEST(Policy, ConnectRateIsPerSourceIpAndSharedWithReserve) {
  Limits l;
  l.requests_per_minute_per_ip = 60;
  l.request_burst_per_ip = 2;
  Policy p(l);
  ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(2), ip("10.0.0.2"), t0)));
  const auto a = ip("10.0.0.1");
  EXPECT_EQ(std::get<Refusal>(p.connect(peer(1), a, peer(3), t0)), Refusal::no_reservation);  // token 1
  EXPECT_TRUE(std::holds_alternative<CircuitId>(p.connect(peer(1), a, peer(2), t0)));       // token 2
  EXPECT_EQ(std::get<Refusal>(p.connect(peer(1), a, peer(2), t0)), Refusal::rate);
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(1), a, t0)), Refusal::rate);  // same bucket
  EXPECT_TRUE(std::holds_alternative<CircuitId>(p.connect(peer(1), a, peer(2), t0 + 1s)));
  EXPECT_EQ(p.counters().circuits_refused.at("rate"), 1u);
  EXPECT_EQ(p.counters().reservations_refused.at("rate"), 1u);
}

TEST(Policy, ConnectNeedsAnActiveReservation) {
  Limits l;
  l.reservation_ttl = 100s;
  Policy p(l);
  ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(2), ip("10.0.0.2"), t0)));
  EXPECT_TRUE(std::holds_alternative<CircuitId>(p.connect(peer(1), ip("10.0.0.1"), peer(2), t0 + 99s)));
  EXPECT_EQ(std::get<Refusal>(p.connect(peer(1), ip("10.0.0.1"), peer(2), t0 + 100s)), Refusal::no_reservation);
  ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(2), ip("10.0.0.2"), t0 + 100s)));
  p.peer_disconnected(peer(2));
  EXPECT_EQ(std::get<Refusal>(p.connect(peer(1), ip("10.0.0.1"), peer(2), t0 + 101s)), Refusal::no_reservation);
  EXPECT_EQ(p.reservations().size(), 0u);
  EXPECT_EQ(p.circuits().size(), 1u);  // the earlier circuit is closed by its splice, not by the reservation
}

TEST(Policy, CloseAndFailCircuitCounters) {
  Policy p(Limits{});
  ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(2), ip("10.0.0.2"), t0)));
  std::vector<CircuitId> ids;
  for (std::uint32_t i = 0; i < 4; ++i) ids.push_back(std::get<CircuitId>(p.connect(peer(10 + i), ip("10.0.0.1"), peer(2), t0)));
  p.close_circuit(ids[0]);
  p.close_circuit(ids[0]);  // idempotent, not double counted
  p.close_circuit(ids[1], CircuitEnd::data_limit);
  p.close_circuit(ids[2], CircuitEnd::duration);
  p.fail_circuit(ids[3], Refusal::connection_failed);
  p.fail_circuit(ids[3], Refusal::connection_failed);
  p.close_circuit(777777);
  const auto& c = p.counters();
  EXPECT_EQ(c.circuits_accepted, 4u);
  EXPECT_EQ(c.circuits_closed, 4u);
  EXPECT_EQ(c.circuits_cut_data_limit, 1u);
  EXPECT_EQ(c.circuits_cut_duration, 1u);
  EXPECT_EQ(c.circuits_refused, (std::map<std::string, std::uint64_t>{{"connection_failed", 1}}));
  EXPECT_EQ(p.circuits().size(), 0u);
  p.count_reservation_refused(Refusal::auth);
  p.count_circuit_refused(Refusal::relayed_source);
  EXPECT_EQ(c.reservations_refused.at("auth"), 1u);
  EXPECT_EQ(c.circuits_refused.at("relayed_source"), 1u);
  p.counters().circuit_bytes_src_to_dst += 10;  // the splice writes these
  EXPECT_EQ(c.circuit_bytes_src_to_dst, 10u);
}

TEST(Policy, ReloadAppliesNewLimitsAndAcl) {
  Limits l;
  l.max_reservations = 10;
  Policy p(l, acl_of("reserve deny peer " + peer(1).to_base58() + "\n"));
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(1), ip("10.0.0.1"), t0)), Refusal::acl);
  for (std::uint32_t i = 2; i < 6; ++i) ASSERT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(i), ip("10.0.0.2"), t0)));
  Limits tighter = l;
  tighter.max_reservations = 2;
  tighter.requests_per_minute_per_ip = 1;
  tighter.request_burst_per_ip = 1;
  p.reload(tighter, std::nullopt);
  EXPECT_EQ(p.limits(), tighter);
  EXPECT_EQ(p.acl(), nullptr);
  EXPECT_EQ(p.reservations().size(), 4u);  // existing entries stay
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(1), ip("10.0.0.1"), t0)), Refusal::over_total);  // acl gone
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(1), ip("10.0.0.1"), t0)), Refusal::rate);
  p.reload(l, acl_of("reserve allow ip 10.0.0.0/8\n"));
  EXPECT_EQ(p.rate_limiter().tracked(), 0u);
  ASSERT_NE(p.acl(), nullptr);
  EXPECT_EQ(std::get<Refusal>(p.reserve(peer(7), ip("11.0.0.1"), t0)), Refusal::acl);
  EXPECT_TRUE(std::holds_alternative<ReservationGrant>(p.reserve(peer(7), ip("10.0.0.7"), t0)));
}

TEST(Policy, ExpireDropsReservationsAndRateBuckets) {
  Limits l;
  l.reservation_ttl = 60s;
  l.requests_per_minute_per_ip = 60;
  l.request_burst_per_ip = 5;
  Policy p(l);
  for (std::uint32_t i = 0; i < 10; ++i) p.reserve(peer(i), IpAddr::v4(0x0a000000 + i), t0);
  EXPECT_EQ(p.rate_limiter().tracked(), 10u);
  EXPECT_EQ(p.expire(t0 + 59s), 0u);
  EXPECT_EQ(p.rate_limiter().tracked(), 0u);  // refilled after 5 s
  EXPECT_EQ(p.expire(t0 + 60s), 10u);
  EXPECT_EQ(p.reservations().size(), 0u);
}

// Drives the policy with random operations against a simple model; at the end, and after closing
// everything, all tables and their indexes must be empty (no slot leaks across reconnects/refreshes).
TEST(Policy, NoLeaksAfterRandomSoak) {
  Limits l;
  l.max_reservations = 10;
  l.max_reservations_per_ip = 3;
  l.max_circuits = 8;
  l.max_circuits_per_peer = 3;
  l.reservation_ttl = 120s;
  l.requests_per_minute_per_ip = 20;
  l.request_burst_per_ip = 5;
  Policy p(l);
  p.set_local_peer(peer(1000));

  std::mt19937 rng(12345);
  auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  constexpr std::uint32_t kPeers = 16, kIps = 8;
  TimePoint now = t0;
  std::vector<CircuitId> open;
  std::map<std::uint32_t, std::pair<std::uint32_t, TimePoint>> model;  // peer -> (ip, expiry)
  std::map<std::uint32_t, std::uint32_t> circuits_per_peer;            // model of per-peer counts
  std::map<CircuitId, std::pair<std::uint32_t, std::uint32_t>> circuit_ends;
  auto model_expire = [&] {
    for (auto it = model.begin(); it != model.end();)
      it = it->second.second <= now ? model.erase(it) : std::next(it);
  };

  for (int step = 0; step < 10000; ++step) {
    now += std::chrono::milliseconds(pick(400));
    const std::uint32_t a = pick(kPeers), b = pick(kPeers), addr = pick(kIps);
    switch (pick(9)) {
      case 0:
      case 1: {  // reserve (new, refresh, or move)
        auto r = p.reserve(peer(a), IpAddr::v4(0xc0000200 + addr), now);
        model_expire();
        if (auto* g = std::get_if<ReservationGrant>(&r)) {
          EXPECT_EQ(g->refreshed, model.contains(a));
          model[a] = {addr, g->expires};
        }
        break;
      }
      case 2:
      case 3:
      case 4:
      case 5: {  // connect
        auto r = p.connect(peer(a), IpAddr::v4(0xc0000200 + addr), peer(b), now);
        if (auto* id = std::get_if<CircuitId>(&r)) {
          open.push_back(*id);
          circuit_ends[*id] = {a, b};
          ++circuits_per_peer[a];
          ++circuits_per_peer[b];
          model_expire();
          EXPECT_TRUE(model.contains(b));
        }
        break;
      }
      case 6: {  // close a circuit (sometimes twice, sometimes as cut/failed)
        if (open.empty()) break;
        const std::size_t i = pick(static_cast<std::uint32_t>(open.size()));
        const CircuitId id = open[i];
        switch (pick(4)) {
          case 0: p.close_circuit(id); break;
          case 1: p.close_circuit(id, CircuitEnd::data_limit); break;
          case 2: p.close_circuit(id, CircuitEnd::duration); break;
          case 3: p.fail_circuit(id, Refusal::connection_failed); break;
        }
        if (pick(3) == 0) p.close_circuit(id);
        auto [s, d] = circuit_ends.at(id);
        if (--circuits_per_peer[s] == 0) circuits_per_peer.erase(s);
        if (--circuits_per_peer[d] == 0) circuits_per_peer.erase(d);
        circuit_ends.erase(id);
        open[i] = open.back();
        open.pop_back();
        break;
      }
      case 7:  // the peer's last connection closed
        p.peer_disconnected(peer(a));
        model.erase(a);
        break;
      case 8:  // the driver's sweep timer
        p.expire(now);
        model_expire();
        break;
    }
    // The tables agree with the model after every step.
    p.expire(now);
    model_expire();
    ASSERT_EQ(p.reservations().size(), model.size()) << "step " << step;
    std::map<std::uint32_t, std::size_t> per_ip;
    for (auto& [peer_n, entry] : model) ++per_ip[entry.first];
    for (std::uint32_t i = 0; i < kIps; ++i) {
      auto it = per_ip.find(i);
      ASSERT_EQ(p.reservations().count_for_ip(IpAddr::v4(0xc0000200 + i)), it == per_ip.end() ? 0 : it->second)
          << "step " << step;
    }
    ASSERT_EQ(p.reservations().debug_index_sizes().per_ip, per_ip.size());
    ASSERT_EQ(p.circuits().size(), open.size());
    ASSERT_EQ(p.circuits().debug_index_sizes().per_peer, circuits_per_peer.size());
    for (auto& [peer_n, n] : circuits_per_peer) ASSERT_EQ(p.circuits().count_for(peer(peer_n)), n);
    ASSERT_LE(p.reservations().size(), l.max_reservations);
    ASSERT_LE(p.circuits().size(), l.max_circuits);
  }
  const auto& c = p.counters();
  EXPECT_GT(c.reservations_accepted, 100u);
  EXPECT_GT(c.reservations_refreshed, 10u);
  EXPECT_GT(c.circuits_accepted, 100u);
  EXPECT_EQ(c.circuits_accepted - c.circuits_closed, open.size());
  // The caps were actually hit along the way.
  for (const char* label : {"over_total", "over_per_ip", "rate"}) EXPECT_TRUE(c.reservations_refused.contains(label)) << label;
  for (const char* label : {"no_reservation", "self", "over_circuits_per_peer", "over_circuits_total", "rate"})
    EXPECT_TRUE(c.circuits_refused.contains(label)) << label;

  for (CircuitId id : open) p.close_circuit(id);
  for (std::uint32_t i = 0; i < kPeers; ++i) p.peer_disconnected(peer(i));
  p.expire(now + 1h);
  const auto rs = p.reservations().debug_index_sizes();
  const auto cs = p.circuits().debug_index_sizes();
  EXPECT_EQ(rs.entries, 0u);
  EXPECT_EQ(rs.per_ip, 0u);
  EXPECT_EQ(rs.by_expiry, 0u);
  EXPECT_EQ(cs.circuits, 0u);
  EXPECT_EQ(cs.per_peer, 0u);
  EXPECT_EQ(p.rate_limiter().tracked(), 0u);
  EXPECT_EQ(c.circuits_accepted, c.circuits_closed);
}

}  // namespace
}  // namespace chiral::relay
