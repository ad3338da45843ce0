#include "app/log_format.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace chiral::app {

std::string_view peer_of_message(std::string_view msg) {
  constexpr std::string_view kPrefix = "peer ";
  if (msg.substr(0, kPrefix.size()) != kPrefix) return {};
  msg.remove_prefix(kPrefix.size());
  const auto end = msg.find_first_of(" :");
  return msg.substr(0, end);
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto since_epoch = msg.time.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs).count();
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char ts[40];
  const std::size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(ts + n, sizeof ts - n, ".%03dZ", static_cast<int>(millis));
  const std::string_view text(msg.payload.data(), msg.payload.size());
  nlohmann::ordered_json j;
  j["ts"] = ts;
  const auto level = spdlog::level::to_string_view(msg.level);
  j["level"] = std::string(level.data(), level.size());
  j["msg"] = std::string(text);
  if (auto peer = peer_of_message(text); !peer.empty()) j["peer"] = std::string(peer);
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  dest.append(line.data(), line.data() + line.size());
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const { return std::make_unique<JsonLogFormatter>(); }

bool set_log_format(std::string_view format) {
  if (format == "text") {
    spdlog::set_pattern(kTextLogPattern);
    return true;
  }
  if (format == "json") {
    spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
    return true;
  }
  return false;
}

}  // namespace chiral::app
