// Metrics JSON file writer (--metrics-file): coalesced writes on events plus a periodic refresh, each one
// atomic (temp file in the same directory + fsync + rename) so a reader never sees a torn file.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

namespace chiral::metrics {

// Writes `content` to `path` atomically: `path`.tmp.<pid> in the same directory, fsync, rename.
// Returns the error of the first step that failed (the temp file is removed then).
std::error_code write_file_atomically(const std::filesystem::path& path, std::string_view content);
// A process killed mid-write (kill -9, OOM, power loss) leaves <path>.tmp.<pid> behind: removes those
// whose pid is not alive, so crash loops do not pile them up next to the file.
void remove_stale_temp_files(const std::filesystem::path& path);

struct MetricsFileOptions {
  std::chrono::milliseconds min_interval{250};  // coalescing: at most one event-driven write per interval
  std::chrono::milliseconds refresh{5000};      // a write at least this often, events or not
};

class MetricsFileWriter {
 public:
  using Snapshot = std::function<nlohmann::json()>;

  // Nothing is written until start() (or write_now()).
  MetricsFileWriter(boost::asio::io_context& io, std::filesystem::path path, Snapshot snapshot,
                    MetricsFileOptions options = {});
  ~MetricsFileWriter();
  MetricsFileWriter(const MetricsFileWriter&) = delete;
  MetricsFileWriter& operator=(const MetricsFileWriter&) = delete;

  // Writes once now and starts the periodic refresh.
  void start();
  // Something changed: a write happens within min_interval (bursts collapse into one write).
  void notify();
  // Synchronous write (the final one at shutdown, or a test); returns true when the file was replaced.
  bool write_now();
  // Stops the timers (no further writes unless write_now()).
  void stop();

  const std::filesystem::path& path() const noexcept { return path_; }
  std::uint64_t writes() const noexcept { return writes_; }  // successful writes
  std::uint64_t failures() const noexcept { return failures_; }

 private:
  void arm_refresh();
  void on_coalesce();

  std::filesystem::path path_;
  Snapshot snapshot_;
  MetricsFileOptions options_;
  boost::asio::steady_timer coalesce_timer_;
  boost::asio::steady_timer refresh_timer_;
  std::shared_ptr<bool> alive_;  // handlers check it: the writer may be gone when they run
  bool coalesce_pending_ = false;
  bool started_ = false;
  bool error_logged_ = false;
  std::chrono::steady_clock::time_point last_write_{};
  std::uint64_t writes_ = 0, failures_ = 0;
};

}  // namespace chiral::metrics
