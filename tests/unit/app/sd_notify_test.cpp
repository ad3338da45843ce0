// sd_notify: datagrams reach a bound unix socket (path and abstract '@' forms); NOTIFY_SOCKET and the
// watchdog variables are read as systemd sets them.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "app/sd_notify.hpp"

using namespace chiral::app;

namespace {

// A bound AF_UNIX datagram socket standing in for systemd; `address` is what NOTIFY_SOCKET would hold.
class FakeSystemd {
 public:
  explicit FakeSystemd(bool abstract) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string name = "chiral-sd-notify-test-" + std::to_string(::getpid());
    socklen_t len;
    if (abstract) {
      address_ = "@" + name;
      std::memcpy(addr.sun_path + 1, name.data(), name.size());
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    } else {
      path_ = std::filesystem::temp_directory_path() / (name + ".sock");
      std::filesystem::remove(path_);
      address_ = path_.string();
      std::memcpy(addr.sun_path, address_.data(), address_.size());
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() + 1);
    }
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  }
  ~FakeSystemd() {
    ::close(fd_);
    if (!path_.empty()) std::filesystem::remove(path_);
  }
  bool bound() const { return bound_; }
  const std::string& address() const { return address_; }
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
  std::string address_;
  std::filesystem::path path_;
};

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST(SdNotify, SendsToAPathSocket) {
  FakeSystemd systemd(false);
  ASSERT_TRUE(systemd.bound());
  EXPECT_FALSE(sd_notify_to(systemd.address(), "READY=1\nSTATUS=listening"));
  EXPECT_EQ(systemd.receive(), "READY=1\nSTATUS=listening");
}

TEST(SdNotify, SendsToAnAbstractSocket) {
  FakeSystemd systemd(true);
  ASSERT_TRUE(systemd.bound());
  EXPECT_FALSE(sd_notify_to(systemd.address(), "WATCHDOG=1"));
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
}

TEST(SdNotify, UsesNotifySocketFromTheEnvironment) {
  FakeSystemd systemd(true);
  ASSERT_TRUE(systemd.bound());
  {
    ScopedEnv env("NOTIFY_SOCKET", systemd.address());
    EXPECT_TRUE(sd_notify("STOPPING=1"));
    EXPECT_EQ(systemd.receive(), "STOPPING=1");
  }
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(sd_notify("READY=1"));  // not under systemd: a no-op
}

TEST(SdNotify, ErrorsAreReturnedNotThrown) {
  EXPECT_TRUE(sd_notify_to("/nonexistent/dir/notify.sock", "READY=1"));
  EXPECT_TRUE(sd_notify_to("relative.sock", "READY=1"));
  EXPECT_TRUE(sd_notify_to("", "READY=1"));
  EXPECT_TRUE(sd_notify_to("/" + std::string(200, 'x'), "READY=1"));
  ScopedEnv env("NOTIFY_SOCKET", "/nonexistent/dir/notify.sock");
  EXPECT_FALSE(sd_notify("READY=1"));
}

TEST(SdNotify, FullReceiverQueueDoesNotBlock) {
  FakeSystemd systemd(true);
  ASSERT_TRUE(systemd.bound());
  // Nobody reads: the queue fills up and further sends fail at once instead of blocking.
  bool failed = false;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10000 && !failed; ++i) failed = static_cast<bool>(sd_notify_to(systemd.address(), "WATCHDOG=1"));
  EXPECT_TRUE(failed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST(SdNotify, WatchdogInterval) {
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  EXPECT_FALSE(watchdog_interval());
  {
    ScopedEnv usec("WATCHDOG_USEC", "30000000");
    EXPECT_EQ(watchdog_interval(), std::chrono::seconds(30));
    {
      ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()));
      EXPECT_EQ(watchdog_interval(), std::chrono::seconds(30));
    }
    {
      ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid() + 1));
      EXPECT_FALSE(watchdog_interval());  // meant for another process
    }
  }
  for (const char* bad : {"", "0", "abc", "12x", "-5"}) {
    ScopedEnv usec("WATCHDOG_USEC", bad);
    EXPECT_FALSE(watchdog_interval()) << bad;
  }
}
