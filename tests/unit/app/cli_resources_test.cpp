// The resource-limit flags of chiral-relay (issue 7): defaults for a public relay, values parsed into
// net::ResourceLimits / idle_timeout, 0 = unlimited accepted, bad values refused with exit code 2.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/cli.hpp"

using namespace chiral::app;

namespace {

ParsedCli parse(std::vector<std::string> args) {
  args.insert(args.begin(), "chiral-relay");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_cli(static_cast<int>(argv.size()), argv.data());
}

TEST(CliResources, PublicRelayDefaults) {
  auto p = parse({});
  ASSERT_FALSE(p.exit_code);
  const auto& r = p.config.resources;
  EXPECT_EQ(r.max_connections, 4096u);
  EXPECT_EQ(r.max_connections_per_ip, 16u);
  EXPECT_EQ(r.max_pending_handshakes, 256u);
  EXPECT_EQ(r.max_streams_per_connection, 128u);
  EXPECT_EQ(r.max_inbound_streams, 16384u);
  EXPECT_EQ(r.max_stream_buffer_bytes, std::size_t{256} << 20);
  EXPECT_EQ(p.config.idle_timeout, std::chrono::seconds(60));
}

TEST(CliResources, FlagsSetEveryLimitAndZeroMeansUnlimited) {
  auto p = parse({"--max-connections", "0", "--max-connections-per-ip", "3", "--max-pending-handshakes", "7",
                  "--max-streams-per-connection", "9", "--max-inbound-streams", "11", "--stream-buffer-mib", "5",
                  "--idle-timeout", "2.5"});
  ASSERT_FALSE(p.exit_code);
  const auto& r = p.config.resources;
  EXPECT_EQ(r.max_connections, 0u);
  EXPECT_EQ(r.max_connections_per_ip, 3u);
  EXPECT_EQ(r.max_pending_handshakes, 7u);
  EXPECT_EQ(r.max_streams_per_connection, 9u);
  EXPECT_EQ(r.max_inbound_streams, 11u);
  EXPECT_EQ(r.max_stream_buffer_bytes, std::size_t{5} << 20);
  EXPECT_EQ(p.config.idle_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(parse({"--idle-timeout", "0"}).config.idle_timeout.count(), 0);
}

TEST(CliResources, BadValuesExitWithUsageError) {
  EXPECT_EQ(parse({"--max-connections", "-1"}).exit_code, 2);
  EXPECT_EQ(parse({"--max-connections-per-ip", "many"}).exit_code, 2);
  EXPECT_EQ(parse({"--idle-timeout", "-3"}).exit_code, 2);
}

}  // namespace
