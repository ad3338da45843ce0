// Command line, --config file, SIGHUP reload plan and JSON log lines.
#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "app/cli.hpp"
#include "app/log_format.hpp"
#include "app/reload.hpp"

using namespace chiral::app;
namespace fs = std::filesystem;

namespace {

struct Args {
  explicit Args(std::vector<std::string> a) : strings(std::move(a)) {
    strings.insert(strings.begin(), "chiral-relay");
    for (auto& s : strings) ptrs.push_back(s.data());
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> strings;
  std::vector<char*> ptrs;
};

ParsedCli parse(std::vector<std::string> a) {
  Args args(std::move(a));
  return parse_cli(args.argc(), args.argv(), /*quiet=*/true);
}

struct Dir {
  Dir() : path(fs::temp_directory_path() / ("chiral-cli-test-" + std::to_string(std::random_device{}()))) {
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
  fs::path path;
};

}  // namespace

TEST(Cli, DefaultsAreTheGuidesAndTheIssues) {
  auto p = parse({});
  ASSERT_FALSE(p.exit_code);
  EXPECT_EQ(p.config.port, 4001);
  EXPECT_EQ(p.config.relay.max_reservations, 128u);
  EXPECT_EQ(p.config.relay.max_circuits, 16u);
  EXPECT_EQ(p.config.log_format, "text");
  EXPECT_EQ(p.config.shutdown_grace, std::chrono::seconds(10));
  EXPECT_EQ(p.config.identity_path.filename(), "identity.key");
  EXPECT_EQ(p.config.identity_path.parent_path().filename(), ".chiral-relay");
}

TEST(Cli, BadValuesExitTwoWithOneLineNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--port", "70000"}, "--port"},
      {{"--port", "http"}, "--port"},
      {{"--listen", "/ip4/1.2.3.4/tcpx/1"}, "--listen"},
      {{"--external-address", "not-a-multiaddr"}, "--external-address"},
      {{"--identity-path", "/etc/passwd/sub/identity.key"}, "--identity-path"},
      {{"--pid-file", "/dev/null/relay.pid"}, "--pid-file"},
      {{"--metrics-file", "/"}, "--metrics-file"},
      {{"--max-reservations", "-1"}, "--max-reservations"},
      {{"--max-circuits", "many"}, "--max-circuits"},
      {{"--log-format", "xml"}, "--log-format"},
      {{"--prometheus-listen", "localhost"}, "--prometheus-listen"},
      {{"--acl-file", "/nonexistent/acl"}, "--acl-file"},
      {{"--handshake-timeout", "0"}, "--handshake-timeout"},
      {{"--shutdown-grace", "-5"}, "--shutdown-grace"},
      {{"--config", "/nonexistent/relay.toml"}, "relay.toml"},
      {{"--no-such-flag"}, "--no-such-flag"},
  };
  for (const auto& [args, flag] : cases) {
    auto p = parse(args);
    ASSERT_TRUE(p.exit_code) << args[0];
    EXPECT_EQ(*p.exit_code, 2) << args[0];
    EXPECT_NE(p.error.find(flag), std::string::npos) << p.error;
    EXPECT_EQ(p.error.find('\n'), std::string::npos) << p.error;
  }
}

TEST(Cli, NotYetExistingDirectoriesAreFine) {
  Dir d;
  auto p = parse({"--identity-path", (d.path / "a" / "b" / "identity.key").string(), "--metrics-file",
                  (d.path / "m" / "metrics.json").string()});
  EXPECT_FALSE(p.exit_code) << p.error;
}

TEST(Cli, ConfigFileSetsOptionsAndFlagsWin) {
  Dir d;
  const auto file = d.path / "relay.toml";
  std::ofstream(file) << "# chiral-relay\nmax-reservations = 7\nmax-circuits = 3\nlog-format = \"json\"\n"
                         "external-address = [\"/ip4/203.0.113.7/tcp/4001\"]\n";
  auto p = parse({"--config", file.string(), "--max-circuits", "5"});
  ASSERT_FALSE(p.exit_code) << p.error;
  EXPECT_EQ(p.config.relay.max_reservations, 7u);
  EXPECT_EQ(p.config.relay.max_circuits, 5u);  // the command line wins
  EXPECT_EQ(p.config.log_format, "json");
  ASSERT_EQ(p.config.external_addresses.size(), 1u);
  EXPECT_EQ(p.config.external_addresses[0], "/ip4/203.0.113.7/tcp/4001");
  std::ofstream(file) << "max-reservations = lots\n";
  auto bad = parse({"--config", file.string()});
  ASSERT_TRUE(bad.exit_code);
  EXPECT_EQ(*bad.exit_code, 2);
  EXPECT_NE(bad.error.find("max-reservations"), std::string::npos) << bad.error;
}

TEST(Reload, PlanListsAppliedChangesAndRestartOnlyOnes) {
  Config a = parse({}).config;
  Config b = a;
  EXPECT_TRUE(plan_reload(a, b).applied.empty());
  EXPECT_TRUE(plan_reload(a, b).restart_needed.empty());
  b.relay.max_reservations = 1;
  b.relay.circuit_duration = std::chrono::seconds(30);
  b.shutdown_grace = std::chrono::seconds(3);
  b.port = 5001;
  b.listen = {"/ip4/127.0.0.1/tcp/0"};
  b.ws_port = 4002;
  const auto plan = plan_reload(a, b);
  EXPECT_EQ(plan.applied, (std::vector<std::string>{"max-reservations 128 -> 1", "circuit-duration 120 -> 30",
                                                    "shutdown-grace 10000 -> 3000"}));
  EXPECT_EQ(plan.restart_needed, (std::vector<std::string>{"port", "listen", "ws-port"}));
  Config c = a;
  c.auth_tokens_file = "/etc/chiral-relay/tokens";
  EXPECT_EQ(plan_reload(a, c).restart_needed, std::vector<std::string>{"auth-tokens-file"});
}

TEST(LogFormat, JsonLineIsOneParsableObjectWithPeer) {
  JsonLogFormatter f;
  const std::string text = "peer 12D3KooWAbc conn 3: closing: bad \"frame\"\n\x01 done";
  spdlog::details::log_msg msg(spdlog::source_loc{}, "", spdlog::level::info, text);
  spdlog::memory_buf_t buf;
  f.format(msg, buf);
  const std::string line(buf.data(), buf.size());
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line, whatever the message holds
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["msg"], text);
  EXPECT_EQ(j["peer"], "12D3KooWAbc");
  EXPECT_TRUE(j["ts"].get<std::string>().ends_with("Z"));
  EXPECT_EQ(peer_of_message("listening on /ip4/1.2.3.4"), "");
  EXPECT_EQ(peer_of_message("peer 12D3KooWx: reservation accepted"), "12D3KooWx");
}
