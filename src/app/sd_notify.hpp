// systemd readiness protocol (sd_notify(3)): datagrams like "READY=1" to the unix socket in $NOTIFY_SOCKET
// (a path, or '@' for the abstract namespace); watchdog interval from $WATCHDOG_USEC / $WATCHDOG_PID.
// Without libsystemd: the protocol is one sendto().
#pragma once
#include <chrono>
#include <optional>
#include <string_view>
#include <system_error>

namespace chiral::app {

// Sends `state` (e.g. "READY=1\nSTATUS=listening on ...", "STOPPING=1", "WATCHDOG=1") when $NOTIFY_SOCKET
// is set. Returns true when sent; false when unset or on error (the error is logged at debug level once).
bool sd_notify(std::string_view state);

// The same to an explicit socket address ("/run/x.sock" or "@abstract"); returns the error (tests use it).
std::error_code sd_notify_to(std::string_view socket_address, std::string_view state);

// $WATCHDOG_USEC when set, positive, and $WATCHDOG_PID is unset or ours; send "WATCHDOG=1" at half of it.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace chiral::app
