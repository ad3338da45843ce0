// Metrics file writer: atomic replacement under a hammering reader, coalescing bound, periodic refresh,
// errors that are logged and survived.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "metrics/json_writer.hpp"

using namespace chiral::metrics;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "chiral-metrics-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `io` for `d` of wall time, then resets it for further use.
void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

}  // namespace

TEST(WriteFileAtomically, ReplacesAndLeavesNoTempFile) {
  TempDir dir;
  const auto file = dir.path() / "m.json";
  EXPECT_FALSE(write_file_atomically(file, "one"));
  EXPECT_FALSE(write_file_atomically(file, "two"));
  EXPECT_EQ(read_all(file), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
  EXPECT_TRUE(write_file_atomically(dir.path() / "missing" / "m.json", "x"));
}

TEST(WriteFileAtomically, StaleTempFilesOfDeadProcessesAreRemoved) {
  TempDir dir;
  const auto file = dir.path() / "m.json";
  auto touch = [&](const std::string& name) { std::ofstream(dir.path() / name) << "x"; };
  const std::string own = "m.json.tmp." + std::to_string(::getpid());
  touch("m.json.tmp.999999999");  // above any pid_max: that process is gone
  touch(own);                     // ours: a write in progress
  touch("m.json.tmp.1");          // pid 1 is alive
  touch("m.json.tmp.notapid");
  touch("other.json.tmp.999999999");
  remove_stale_temp_files(file);
  EXPECT_FALSE(fs::exists(dir.path() / "m.json.tmp.999999999"));
  EXPECT_TRUE(fs::exists(dir.path() / own));
  EXPECT_TRUE(fs::exists(dir.path() / "m.json.tmp.1"));
  EXPECT_TRUE(fs::exists(dir.path() / "m.json.tmp.notapid"));
  EXPECT_TRUE(fs::exists(dir.path() / "other.json.tmp.999999999"));
}

TEST(MetricsFileWriter, ReaderNeverSeesATornFile) {
  TempDir dir;
  const auto file = dir.path() / "metrics.json";
  boost::asio::io_context io;
  std::uint64_t seq = 0;
  // A document of ~40 KiB so a write spans many pages and a non-atomic writer would be caught.
  MetricsFileWriter writer(io, file, [&] {
    nlohmann::json j;
    j["seq"] = ++seq;
    auto& arr = j["padding"] = nlohmann::json::array();
    for (int i = 0; i < 1000; ++i) arr.push_back("entry-" + std::to_string(seq + static_cast<std::uint64_t>(i)));
    return j;
  });
  ASSERT_TRUE(writer.write_now());

  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0};
  std::atomic<std::uint64_t> last_seq{0}, went_back{0};
  std::thread reader([&] {
    while (!done.load()) {
      const auto text = read_all(file);
      const auto j = nlohmann::json::parse(text, nullptr, false);
      ++reads;
      if (j.is_discarded() || !j.contains("seq") || j["padding"].size() != 1000) {
        ++torn;
        continue;
      }
      const auto s = j["seq"].get<std::uint64_t>();
      if (s < last_seq.load()) ++went_back;
      last_seq = s;
    }
  });
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(writer.write_now());
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(went_back.load(), 0u);
  EXPECT_GT(reads.load(), 10);
  EXPECT_EQ(writer.writes(), 1001u);
  EXPECT_EQ(nlohmann::json::parse(read_all(file))["seq"], 1001);
  // Only the metrics file is left: no temp files.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(MetricsFileWriter, NotifyBurstsAreCoalesced) {
  TempDir dir;
  boost::asio::io_context io;
  int value = 0;
  MetricsFileWriter writer(io, dir.path() / "m.json", [&] { return nlohmann::json{{"value", value}}; },
                           MetricsFileOptions{std::chrono::milliseconds(250), std::chrono::seconds(60)});
  writer.start();
  EXPECT_EQ(writer.writes(), 1u);
  // An event every millisecond for one second.
  boost::asio::steady_timer tick(io);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::function<void()> step = [&] {
    ++value;
    writer.notify();
    if (std::chrono::steady_clock::now() >= until) return;
    tick.expires_after(std::chrono::milliseconds(1));
    tick.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) step();
    });
  };
  step();
  run_for(io, std::chrono::milliseconds(1400));
  // 1 s / 250 ms -> about 4 event writes (+1 for the tail of the burst), never one per event. (The lower
  // bound is loose: a loaded CI machine may run the timers late.)
  EXPECT_GE(writer.writes(), 2u);
  EXPECT_LE(writer.writes(), 7u);
  // The last event is in the file.
  EXPECT_EQ(nlohmann::json::parse(read_all(dir.path() / "m.json"))["value"], value);
}

TEST(MetricsFileWriter, NotifyWritesSoonAfterAQuietPeriod) {
  TempDir dir;
  boost::asio::io_context io;
  int value = 1;
  MetricsFileWriter writer(io, dir.path() / "m.json", [&] { return nlohmann::json{{"value", value}}; },
                           MetricsFileOptions{std::chrono::milliseconds(250), std::chrono::seconds(60)});
  writer.start();
  run_for(io, std::chrono::milliseconds(300));
  value = 2;
  writer.notify();
  writer.notify();
  const auto t0 = std::chrono::steady_clock::now();
  while (writer.writes() < 2 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2)) {
    run_for(io, std::chrono::milliseconds(5));
  }
  EXPECT_EQ(writer.writes(), 2u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
  EXPECT_EQ(nlohmann::json::parse(read_all(dir.path() / "m.json"))["value"], 2);
}

TEST(MetricsFileWriter, PeriodicRefreshUpdatesTheFile) {
  TempDir dir;
  const auto file = dir.path() / "m.json";
  boost::asio::io_context io;
  int n = 0;
  MetricsFileWriter writer(io, file, [&] { return nlohmann::json{{"n", ++n}}; },
                           MetricsFileOptions{std::chrono::milliseconds(250), std::chrono::milliseconds(200)});
  writer.start();
  const auto first_mtime = fs::last_write_time(file);
  run_for(io, std::chrono::milliseconds(1100));
  EXPECT_GE(writer.writes(), 3u);  // 1 + 5 refreshes when on time
  EXPECT_LE(writer.writes(), 7u);
  EXPECT_GT(fs::last_write_time(file), first_mtime);
  EXPECT_EQ(nlohmann::json::parse(read_all(file))["n"], n);
  writer.stop();
  const auto after_stop = writer.writes();
  run_for(io, std::chrono::milliseconds(500));
  EXPECT_EQ(writer.writes(), after_stop);
}

TEST(MetricsFileWriter, DefaultRefreshKeepsTheStalenessCheckQuiet) {
  // The guide's health check calls a file older than 60 s stale; the default refresh is far below that.
  EXPECT_LE(MetricsFileOptions{}.refresh, std::chrono::seconds(10));
  EXPECT_LE(MetricsFileOptions{}.min_interval, std::chrono::milliseconds(500));
}

TEST(MetricsFileWriter, WriteErrorsAreNotFatalAndRecover) {
  TempDir dir;
  const auto file = dir.path() / "sub" / "m.json";
  boost::asio::io_context io;
  MetricsFileWriter writer(io, file, [] { return nlohmann::json{{"ok", true}}; },
                           MetricsFileOptions{std::chrono::milliseconds(10), std::chrono::milliseconds(100)});
  writer.start();  // directory missing: logged once, no throw
  EXPECT_EQ(writer.writes(), 0u);
  EXPECT_EQ(writer.failures(), 1u);
  run_for(io, std::chrono::milliseconds(250));
  EXPECT_GE(writer.failures(), 2u);
  fs::create_directory(dir.path() / "sub");
  run_for(io, std::chrono::milliseconds(250));
  EXPECT_GE(writer.writes(), 1u);
  EXPECT_TRUE(fs::exists(file));
}

TEST(MetricsFileWriter, SnapshotExceptionIsCaught) {
  TempDir dir;
  boost::asio::io_context io;
  MetricsFileWriter writer(io, dir.path() / "m.json", []() -> nlohmann::json { throw std::runtime_error("boom"); });
  EXPECT_FALSE(writer.write_now());
  EXPECT_EQ(writer.failures(), 1u);
}

TEST(MetricsFileWriter, DestroyedWithPendingTimers) {
  TempDir dir;
  boost::asio::io_context io;
  {
    MetricsFileWriter writer(io, dir.path() / "m.json", [] { return nlohmann::json::object(); });
    writer.start();
    writer.notify();
  }
  run_for(io, std::chrono::milliseconds(300));  // the cancelled handlers run against a dead writer safely
  SUCCEED();
}
