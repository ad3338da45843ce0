// Metrics registry: exposition text (HELP/TYPE, labels, escaping, histogram buckets), collectors, and the
// relay metrics JSON document.
#include <gtest/gtest.h>

#include "metrics/registry.hpp"
#include "metrics/relay_metrics.hpp"

using namespace chiral::metrics;

TEST(Registry, RendersCounterAndGaugeWithHelpAndType) {
  Registry r;
  r.counter("requests_total", "Requests served").inc(3);
  r.gauge("temperature", "Current\ntemperature \\ in C").set(-1.5);
  EXPECT_EQ(r.render(),
            "# HELP requests_total Requests served\n"
            "# TYPE requests_total counter\n"
            "requests_total 3\n"
            "# HELP temperature Current\\ntemperature \\\\ in C\n"
            "# TYPE temperature gauge\n"
            "temperature -1.5\n");
}

TEST(Registry, LabelsAreEscapedAndSeriesReused) {
  Registry r;
  auto& a = r.counter("refused_total", "Refusals", {{"reason", "a\"b\\c\nd"}});
  a.inc();
  auto& again = r.counter("refused_total", "", {{"reason", "a\"b\\c\nd"}});
  EXPECT_EQ(&a, &again);
  again.inc(2);
  r.counter("refused_total", "", {{"reason", "other"}, {"kind", "x"}}).inc();
  EXPECT_EQ(r.render(),
            "# HELP refused_total Refusals\n"
            "# TYPE refused_total counter\n"
            "refused_total{reason=\"a\\\"b\\\\c\\nd\"} 3\n"
            "refused_total{reason=\"other\",kind=\"x\"} 1\n");
}

TEST(Registry, CounterNeverDecreasesThroughInc) {
  Registry r;
  auto& c = r.counter("c_total", "c");
  c.inc(-5);
  EXPECT_EQ(c.value(), 0);
  c.set(42);
  EXPECT_EQ(c.value(), 42);
}

TEST(Registry, HistogramBucketsAreCumulativeWithInf) {
  Registry r;
  auto& h = r.histogram("latency_seconds", "Latency", {1, 0.1, 0.5, 0.5}, {{"op", "x"}});
  EXPECT_EQ(h.upper_bounds(), (std::vector<double>{0.1, 0.5, 1}));
  h.observe(0.05);
  h.observe(0.1);  // le is inclusive
  h.observe(0.7);
  h.observe(30);
  EXPECT_EQ(r.render(),
            "# HELP latency_seconds Latency\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{op=\"x\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{op=\"x\",le=\"0.5\"} 2\n"
            "latency_seconds_bucket{op=\"x\",le=\"1\"} 3\n"
            "latency_seconds_bucket{op=\"x\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{op=\"x\"} 30.85\n"
            "latency_seconds_count{op=\"x\"} 4\n");
}

TEST(Registry, DeclaredFamilyWithoutSeriesRendersHelpAndType) {
  Registry r;
  r.declare("refusals_total", "By reason", MetricType::counter);
  EXPECT_EQ(r.render(), "# HELP refusals_total By reason\n# TYPE refusals_total counter\n");
  r.counter("refusals_total", "", {{"reason", "acl"}}).inc();
  EXPECT_NE(r.render().find("refusals_total{reason=\"acl\"} 1\n"), std::string::npos);
}

TEST(Registry, InvalidNamesAndTypeConflictsThrow) {
  Registry r;
  EXPECT_THROW(r.counter("1bad", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("ok_total", "x", {{"__reserved", "v"}}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok2_total", "x", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "x", {1}, {{"le", "1"}}), std::invalid_argument);
  r.gauge("g", "x");
  EXPECT_THROW(r.counter("g", "x"), std::invalid_argument);
  EXPECT_TRUE(valid_metric_name("ns:sub_name_total"));
  EXPECT_FALSE(valid_label_name("a:b"));
}

TEST(Registry, CollectorsRunBeforeEachRender) {
  Registry r;
  int calls = 0;
  r.add_collector([&](Registry& reg) { reg.gauge("calls", "Collector calls").set(++calls); });
  EXPECT_NE(r.render().find("calls 1\n"), std::string::npos);
  EXPECT_NE(r.render().find("calls 2\n"), std::string::npos);
  EXPECT_NE(r.render_current().find("calls 2\n"), std::string::npos);
}

TEST(Registry, FormatsSpecialValues) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(1e15), "1000000000000000");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e300), "1e+300");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(std::stod(format_value(0.1 + 0.2)), 0.1 + 0.2);
}

namespace {

MetricsInputs sample_inputs() {
  MetricsInputs in;
  in.peer_id = "12D3KooWTest";
  in.version = "0.1.0";
  in.listen_addresses = {"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWTest"};
  in.connected_peers = 3;
  in.connections = 4;
  in.reservations = 2;
  in.circuits = 1;
  in.uptime_seconds = 12.7;
  in.started_at = "2024-01-01T00:00:00.000Z";
  in.bytes_relayed_src_to_dst = 100;
  in.bytes_relayed_dst_to_src = 200;
  in.reservations_refused = {{"resource_limit", 5}};
  in.circuits_refused = {{"no_reservation", 7}};
  in.reservations_accepted = 9;
  in.circuits_accepted = 8;
  in.autonat = {{"dial_ok", 2}};
  return in;
}

}  // namespace

TEST(RelayMetrics, JsonHasTheGuideFieldsWithTheirTypes) {
  const auto j = relay_metrics_json(sample_inputs());
  EXPECT_EQ(j.at("peer_id"), "12D3KooWTest");
  EXPECT_TRUE(j.at("listen_addresses").is_array());
  EXPECT_EQ(j.at("listen_addresses")[0], "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWTest");
  EXPECT_TRUE(j.at("connected_peers").is_number_unsigned());
  EXPECT_EQ(j.at("connected_peers"), 3);
  EXPECT_TRUE(j.at("uptime_seconds").is_number_integer());
  EXPECT_EQ(j.at("uptime_seconds"), 12);
  EXPECT_EQ(j.at("relay_reservations"), 2);
  EXPECT_EQ(j.at("relay_circuits"), 1);
  EXPECT_EQ(j.at("version"), "0.1.0");
  EXPECT_EQ(j.at("started_at"), "2024-01-01T00:00:00.000Z");
  EXPECT_TRUE(j.at("updated_at").is_string());
  EXPECT_EQ(j.at("updated_at").get<std::string>().size(), 24u);
  EXPECT_EQ(j.at("connections"), 4);
  EXPECT_EQ(j.at("bytes_relayed").at("src_to_dst"), 100);
  EXPECT_EQ(j.at("bytes_relayed").at("dst_to_src"), 200);
  EXPECT_EQ(j.at("reservations_accepted"), 9);
  EXPECT_EQ(j.at("reservations_refused").at("resource_limit"), 5);
  EXPECT_EQ(j.at("circuits_accepted"), 8);
  EXPECT_EQ(j.at("circuits_refused").at("no_reservation"), 7);
  EXPECT_EQ(j.at("autonat").at("dial_ok"), 2);
  EXPECT_TRUE(j.at("circuits_cut").is_object());
}

TEST(RelayMetrics, EmptyMapsAreObjects) {
  const auto j = relay_metrics_json(MetricsInputs{});
  EXPECT_TRUE(j.at("reservations_refused").is_object());
  EXPECT_TRUE(j.at("circuits_refused").is_object());
  EXPECT_TRUE(j.at("autonat").is_object());
  EXPECT_TRUE(j.at("listen_addresses").is_array());
}

TEST(RelayMetrics, CopiesPolicyCounters) {
  chiral::relay::Counters c;
  c.reservations_accepted = 1;
  c.reservations_refreshed = 2;
  c.circuits_accepted = 3;
  c.circuit_bytes_src_to_dst = 4;
  c.circuit_bytes_dst_to_src = 5;
  c.circuits_closed = 6;
  c.circuits_cut_data_limit = 7;
  c.circuits_cut_duration = 8;
  c.reservations_refused["acl"] = 9;
  c.circuits_refused["self"] = 10;
  MetricsInputs in;
  copy_relay_counters(c, in);
  EXPECT_EQ(in.reservations_accepted, 1u);
  EXPECT_EQ(in.reservations_refreshed, 2u);
  EXPECT_EQ(in.circuits_accepted, 3u);
  EXPECT_EQ(in.bytes_relayed_src_to_dst, 4u);
  EXPECT_EQ(in.bytes_relayed_dst_to_src, 5u);
  EXPECT_EQ(in.circuits_closed, 6u);
  EXPECT_EQ(in.circuits_cut_data_limit, 7u);
  EXPECT_EQ(in.circuits_cut_duration, 8u);
  EXPECT_EQ(in.reservations_refused.at("acl"), 9u);
  EXPECT_EQ(in.circuits_refused.at("self"), 10u);
}

TEST(RelayMetrics, PrometheusSeriesFollowTheGatheredValues) {
  Registry r;
  auto in = sample_inputs();
  register_relay_metrics(r, [&] { return in; });
  auto text = r.render();
  for (const char* line : {"chiral_relay_connected_peers 3\n", "chiral_relay_reservations 2\n",
                           "chiral_relay_circuits 1\n", "chiral_relay_uptime_seconds 12.7\n",
                           "chiral_relay_bytes_relayed_total{direction=\"src_to_dst\"} 100\n",
                           "chiral_relay_reservations_refused_total{reason=\"resource_limit\"} 5\n",
                           "chiral_relay_circuits_refused_total{reason=\"no_reservation\"} 7\n",
                           "chiral_relay_autonat_total{result=\"dial_ok\"} 2\n",
                           "chiral_relay_info{version=\"0.1.0\",peer_id=\"12D3KooWTest\"} 1\n",
                           "# TYPE chiral_relay_uptime_seconds gauge\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  in.connected_peers = 10;
  in.circuits_refused["acl"] = 1;
  text = r.render();
  EXPECT_NE(text.find("chiral_relay_connected_peers 10\n"), std::string::npos);
  EXPECT_NE(text.find("chiral_relay_circuits_refused_total{reason=\"acl\"} 1\n"), std::string::npos);
}

TEST(RelayMetrics, Rfc3339) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  EXPECT_EQ(rfc3339(t), "2023-11-14T22:13:20.123Z");
}

TEST(RelayMetrics, ResourceManagerFieldsInJsonAndPrometheus) {
  auto in = sample_inputs();
  in.pending_handshakes = 3;
  in.inbound_streams = 11;
  in.stream_buffer_bytes = 4096;
  in.connections_closed_idle = 2;
  in.connections_refused = {{"connections_per_ip", 84}, {"pending_handshakes", 1}};
  in.streams_refused = {{"streams_per_connection", 968}};
  const auto j = relay_metrics_json(in);
  EXPECT_EQ(j.at("pending_handshakes"), 3);
  EXPECT_EQ(j.at("inbound_streams"), 11);
  EXPECT_EQ(j.at("stream_buffer_bytes"), 4096);
  EXPECT_EQ(j.at("connections_closed_idle"), 2);
  EXPECT_EQ(j.at("connections_refused").at("connections_per_ip"), 84);
  EXPECT_EQ(j.at("streams_refused").at("streams_per_connection"), 968);
  EXPECT_TRUE(relay_metrics_json(MetricsInputs{}).at("connections_refused").is_object());
  Registry r;
  register_relay_metrics(r, [&] { return in; });
  const auto text = r.render();
  for (const char* line : {"chiral_relay_pending_handshakes 3\n", "chiral_relay_inbound_streams 11\n",
                           "chiral_relay_stream_buffer_bytes 4096\n", "chiral_relay_connections_closed_idle_total 2\n",
                           "chiral_relay_connections_refused_total{reason=\"connections_per_ip\"} 84\n",
                           "chiral_relay_streams_refused_total{reason=\"streams_per_connection\"} 968\n",
                           "# TYPE chiral_relay_connections_refused_total counter\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}
