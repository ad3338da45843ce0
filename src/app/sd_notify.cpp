// sd_notify protocol: one AF_UNIX datagram per state change.
#include "app/sd_notify.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace chiral::app {

std::error_code sd_notify_to(std::string_view socket_address, std::string_view state) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_address.size() < 2 || (socket_address[0] != '/' && socket_address[0] != '@') ||
      socket_address.size() >= sizeof addr.sun_path) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::memcpy(addr.sun_path, socket_address.data(), socket_address.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_address.size());
  if (socket_address[0] == '@') {
    addr.sun_path[0] = '\0';  // abstract namespace: no trailing NUL in the length
  } else {
    len += 1;
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {errno, std::system_category()};
  std::error_code ec;
  // MSG_DONTWAIT: a busy or hung receiver (full datagram queue) must never block the io thread; a lost
  // WATCHDOG=1 is repeated half an interval later.
  const ssize_t n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&addr), len);
  if (n < 0) {
    ec = {errno, std::system_category()};
  } else if (static_cast<std::size_t>(n) != state.size()) {
    ec = std::make_error_code(std::errc::message_size);
  }
  ::close(fd);
  return ec;
}

bool sd_notify(std::string_view state) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (!socket || !*socket) return false;
  const auto ec = sd_notify_to(socket, state);
  if (ec) {
    static bool logged = false;
    if (!logged) spdlog::debug("sd_notify to {} failed: {}", socket, ec.message());
    logged = true;
    return false;
  }
  return true;
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec || *usec < '0' || *usec > '9') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(usec, &end, 10);
  if (errno != 0 || *end != '\0' || v == 0) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid) {
    if (*pid < '0' || *pid > '9') return std::nullopt;
    char* pend = nullptr;
    const long long p = std::strtoll(pid, &pend, 10);
    if (*pend != '\0' || p != static_cast<long long>(::getpid())) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<long long>(v));
}

}  // namespace chiral::app
