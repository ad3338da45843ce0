// Runs build/chiral-relay as a child process for tests: captures its log, finds its listen address,
// stops it with SIGTERM and reports the exit status.
#pragma once
#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace chiral::testing {

class DaemonProcess {
 public:
  // Starts the daemon with `args` (plus --identity-path in `dir` unless given) and waits for its
  // /ip4/127.0.0.1 listen address.
  DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> args);
  // As above, with RLIMIT_NOFILE (soft and hard) set to `nofile` in the child (EMFILE tests).
  DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> args, rlim_t nofile);
  ~DaemonProcess();

  bool started() const { return port_ != 0; }
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  const std::string& peer_id() const { return peer_id_; }
  std::string multiaddr() const;  // /ip4/127.0.0.1/tcp/<port>/p2p/<id>

  // Waits until a log line matches `re`; returns the line or "" on timeout.
  std::string wait_for_log(const std::string& re, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::string log() const;
  bool running();
  // SIGTERM, wait; returns the exit code (or 128+signal), -1 if it had to be killed.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void send_signal(int sig);
  // Waits for the process to exit by itself: its exit code (or 128+signal), or -2 while still running.
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  void start(const std::filesystem::path& dir, std::vector<std::string> args, rlim_t nofile);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string log_;
  std::uint16_t port_ = 0;
  std::string peer_id_;
  int exit_code_ = -2;
};

}  // namespace chiral::testing
