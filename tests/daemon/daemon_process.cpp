#include "daemon_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace chiral::testing {

DaemonProcess::DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> args) {
  start(dir, std::move(args), RLIM_INFINITY);
}

DaemonProcess::DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> args, rlim_t nofile) {
  start(dir, std::move(args), nofile);
}

void DaemonProcess::start(const std::filesystem::path& dir, std::vector<std::string> args, rlim_t nofile) {
  bool has_identity = false;
  for (const auto& a : args) has_identity |= a == "--identity-path";
  if (!has_identity) {
    args.push_back("--identity-path");
    args.push_back((dir / "identity.key").string());
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    if (nofile != RLIM_INFINITY) {
      rlimit rl{nofile, nofile};
      ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    std::vector<char*> argv;
    std::string bin = CHIRAL_RELAY_BINARY;
    argv.push_back(bin.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
  reader_ = std::thread([this] {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) break;
      std::lock_guard lock(mu_);
      log_.append(buf, static_cast<std::size_t>(n));
    }
  });
  std::string line;
  for (int i = 0; i < 100 && line.empty(); ++i) {
    line = wait_for_log(R"(listening on /ip4/127\.0\.0\.1/tcp/\d+/p2p/\w+)", std::chrono::milliseconds(100));
    if (line.empty() && !running()) break;  // exited during start-up
  }
  std::smatch m;
  static const std::regex addr_re(R"(/ip4/127\.0\.0\.1/tcp/(\d+)/p2p/(\w+))");
  if (std::regex_search(line, m, addr_re)) {
    port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
    peer_id_ = m[2];
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0 && exit_code_ == -2) stop(std::chrono::seconds(2));
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
}

std::string DaemonProcess::multiaddr() const {
  return "/ip4/127.0.0.1/tcp/" + std::to_string(port_) + "/p2p/" + peer_id_;
}

std::string DaemonProcess::wait_for_log(const std::string& re, std::chrono::milliseconds timeout) {
  const std::regex rx(re);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      std::size_t start = 0;
      while (start < log_.size()) {
        auto end = log_.find('\n', start);
        if (end == std::string::npos) break;
        std::string line = log_.substr(start, end - start);
        if (std::regex_search(line, rx)) return line;
        start = end + 1;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string DaemonProcess::log() const {
  std::lock_guard lock(mu_);
  return log_;
}

bool DaemonProcess::running() {
  if (pid_ <= 0 || exit_code_ != -2) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

void DaemonProcess::send_signal(int sig) {
  if (pid_ > 0 && exit_code_ == -2) ::kill(pid_, sig);
}

int DaemonProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  if (exit_code_ != -2) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int DaemonProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (exit_code_ != -2 || !running()) return exit_code_;
  ::kill(pid_, SIGTERM);
  if (wait_exit(grace) != -2) return exit_code_;
  int status = 0;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  exit_code_ = -1;
  return exit_code_;
}

}  // namespace chiral::testing
