// PID file (--pid-file): written atomically after the listeners are bound, removed on clean exit; a stale
// file of a dead process is replaced, a live one refuses the start.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <optional>

namespace chiral::app {

class PidFile {
 public:
  // Throws StartupError "relay already running with pid N (pid file X)" when the file names a live
  // process other than this one; nothing is written then.
  static void check_not_running(const std::filesystem::path& path);
  // check_not_running, then writes our pid (temp file + rename; created exclusively when absent, so of
  // two racing starts only one wins). Throws StartupError naming the file when it cannot be written.
  static PidFile acquire(const std::filesystem::path& path);

  PidFile() = default;  // holds nothing
  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&& other) noexcept;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  ~PidFile();  // release()

  // Removes the file if it still holds our pid (another instance may have replaced it).
  void release() noexcept;
  const std::filesystem::path& path() const noexcept { return path_; }
  bool held() const noexcept { return !path_.empty(); }

 private:
  explicit PidFile(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// The pid in a pid file, nullopt when missing, unreadable or not a positive number.
std::optional<pid_t> read_pid_file(const std::filesystem::path& path);
// kill(pid, 0) succeeds or fails with EPERM (alive, owned by someone else).
bool process_alive(pid_t pid);

}  // namespace chiral::app
