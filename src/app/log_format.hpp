// Log output formats for the daemon: the default human-readable text line, or one JSON object per line
// (--log-format json) for log shippers: {"ts","level","msg"} plus "peer" when the event names a peer.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

namespace chiral::app {

inline constexpr const char* kTextLogPattern = "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v";

// One JSON object per log record; strings escaped by nlohmann::json (control characters, quotes, invalid
// UTF-8 replaced), so a peer-supplied string in a message can never break the line structure.
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// The peer id an event is about: the token after a leading "peer " ("" when the message has none).
std::string_view peer_of_message(std::string_view msg);

// Installs the format on the default logger: "text" or "json" (anything else: false).
bool set_log_format(std::string_view format);

}  // namespace chiral::app
