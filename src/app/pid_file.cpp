// PID file: exclusive create via link(2) of a fully written temp file, stale replacement via rename(2).
#include "app/pid_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "app/identity_file.hpp"
#include "metrics/json_writer.hpp"

namespace chiral::app {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int e) { return std::strerror(e); }

// Writes "<pid>\n" to a fresh temp file next to `path`; returns its path.
fs::path write_temp(const fs::path& path) {
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw StartupError("cannot write pid file " + path.string() + ": " + errno_text(errno));
  }
  const std::string text = std::to_string(::getpid()) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int e = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    throw StartupError("cannot write pid file " + path.string() + ": " + errno_text(e));
  }
  return tmp;
}

}  // namespace

std::optional<pid_t> read_pid_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  long long pid = 0;
  if (!(in >> pid) || pid <= 0 || pid > 0x3fffffff) return std::nullopt;
  return static_cast<pid_t>(pid);
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

void PidFile::check_not_running(const fs::path& path) {
  const auto pid = read_pid_file(path);
  // Our own pid in the file is stale too: a container restarted the relay as pid 1 again.
  if (pid && *pid != ::getpid() && process_alive(*pid)) {
    throw StartupError("relay already running with pid " + std::to_string(*pid) + " (pid file " + path.string() +
                       ")");
  }
}

PidFile PidFile::acquire(const fs::path& path) {
  check_not_running(path);
  metrics::remove_stale_temp_files(path);  // left by a predecessor killed while writing it
  const fs::path tmp = write_temp(path);
  // link() publishes the complete file only if none exists; otherwise the existing one was just found
  // stale (or vanished), so replace it.
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    if (e == EEXIST) {
      try {
        check_not_running(path);  // a racing start may have won since the first check
      } catch (...) {
        ::unlink(tmp.c_str());
        throw;
      }
      if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e2 = errno;
        ::unlink(tmp.c_str());
        throw StartupError("cannot write pid file " + path.string() + ": " + errno_text(e2));
      }
      return PidFile(path);
    }
    if (e == EPERM || e == ENOTSUP || e == EXDEV || e == EMLINK) {
      // Filesystems without hard links: rename (the check above already ran).
      if (::rename(tmp.c_str(), path.c_str()) == 0) return PidFile(path);
    }
    ::unlink(tmp.c_str());
    throw StartupError("cannot write pid file " + path.string() + ": " + errno_text(e));
  }
  ::unlink(tmp.c_str());
  return PidFile(path);
}

PidFile::PidFile(PidFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

PidFile& PidFile::operator=(PidFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

PidFile::~PidFile() { release(); }

void PidFile::release() noexcept {
  if (path_.empty()) return;
  const auto pid = read_pid_file(path_);
  if (pid && *pid == ::getpid()) ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace chiral::app
