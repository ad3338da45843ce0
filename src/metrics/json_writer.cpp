// Metrics JSON file writer: coalescing and refresh timers around an atomic temp + fsync + rename write.
#include "metrics/json_writer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace chiral::metrics {

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

}  // namespace

void remove_stale_temp_files(const std::filesystem::path& path) {
  const std::string prefix = path.filename().string() + ".tmp.";
  std::error_code ec;
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.size() > 9 || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    if (pid == ::getpid()) continue;
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      std::error_code rm_ec;
      std::filesystem::remove(entry.path(), rm_ec);
    }
  }
}

std::error_code write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return last_error();
  std::error_code ec;
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ec = last_error();
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (!ec && ::fsync(fd) != 0) ec = last_error();
  if (::close(fd) != 0 && !ec) ec = last_error();
  if (!ec && ::rename(tmp.c_str(), path.c_str()) != 0) ec = last_error();
  if (ec) ::unlink(tmp.c_str());
  return ec;
}

MetricsFileWriter::MetricsFileWriter(boost::asio::io_context& io, std::filesystem::path path, Snapshot snapshot,
                                     MetricsFileOptions options)
    : path_(std::move(path)),
      snapshot_(std::move(snapshot)),
      options_(options),
      coalesce_timer_(io),
      refresh_timer_(io),
      alive_(std::make_shared<bool>(true)) {}

MetricsFileWriter::~MetricsFileWriter() {
  *alive_ = false;
  stop();
}

void MetricsFileWriter::start() {
  if (started_) return;
  started_ = true;
  remove_stale_temp_files(path_);
  write_now();
  arm_refresh();
}

void MetricsFileWriter::stop() {
  started_ = false;
  coalesce_pending_ = false;
  coalesce_timer_.cancel();
  refresh_timer_.cancel();
}

void MetricsFileWriter::notify() {
  if (!started_ || coalesce_pending_) return;
  coalesce_pending_ = true;
  const auto now = std::chrono::steady_clock::now();
  const auto earliest = last_write_ + options_.min_interval;
  coalesce_timer_.expires_at(earliest > now ? earliest : now);
  coalesce_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!*alive || ec) return;
    on_coalesce();
  });
}

void MetricsFileWriter::on_coalesce() {
  coalesce_pending_ = false;
  if (started_) write_now();
}

void MetricsFileWriter::arm_refresh() {
  refresh_timer_.expires_at(last_write_ + options_.refresh);
  refresh_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!*alive || ec || !started_) return;
    if (std::chrono::steady_clock::now() >= last_write_ + options_.refresh) write_now();
    arm_refresh();
  });
}

bool MetricsFileWriter::write_now() {
  // last_write_ is the last attempt: a failing disk is retried at the refresh rate, not in a loop.
  last_write_ = std::chrono::steady_clock::now();
  std::error_code ec;
  std::string text;
  try {
    text = snapshot_().dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
  } catch (const std::exception& e) {
    ++failures_;
    if (!error_logged_) spdlog::warn("metrics file {}: snapshot failed: {}", path_.string(), e.what());
    error_logged_ = true;
    return false;
  }
  ec = write_file_atomically(path_, text);
  if (ec) {
    ++failures_;
    if (!error_logged_) {
      spdlog::warn("cannot write metrics file {}: {} (retrying every {:g} s; logged once)", path_.string(),
                   ec.message(), std::chrono::duration<double>(options_.refresh).count());
    }
    error_logged_ = true;
    return false;
  }
  if (error_logged_) spdlog::info("metrics file {} written again", path_.string());
  error_logged_ = false;
  ++writes_;
  return true;
}

}  // namespace chiral::metrics
