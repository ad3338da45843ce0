// ResourceManager: admission control for inbound connections and streams (modelled on go-libp2p's
// p2p/host/resource-manager "rcmgr": limits per scope, RAII reservations released on close, a refusal
// reason that is also the metric label). Pure bookkeeping, no I/O and no clocks: Host asks it right after
// accept (before any byte is read) and Connection asks it for every inbound yamux stream.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include <boost/asio/ip/address.hpp>

namespace chiral::net {

// Every limit: 0 = unlimited.
struct ResourceLimits {
  std::size_t max_connections = 0;             // inbound connections in total, handshaking or established
  std::size_t max_connections_per_ip = 0;      // the same from one IPv4 address or one IPv6 /64
  std::size_t max_pending_handshakes = 0;      // inbound connections still in multistream/Noise/muxer
  std::size_t max_streams_per_connection = 0;  // inbound streams alive at once on one connection
  std::size_t max_inbound_streams = 0;         // inbound streams alive at once, all connections
  std::size_t max_stream_buffer_bytes = 0;     // received bytes buffered by streams, all connections
};

// Why something was refused; resource_refusal_label() is the log and metric label.
enum class ResourceRefusal : std::uint8_t {
  connections_total,
  connections_per_ip,
  pending_handshakes,
  streams_per_connection,
  streams_total,
  stream_memory,
};
inline constexpr std::size_t kResourceRefusalCount = 6;
const char* resource_refusal_label(ResourceRefusal r);

// Current use, for metrics and tests.
struct ResourceUsage {
  std::size_t connections = 0;
  std::size_t pending_handshakes = 0;
  std::size_t inbound_streams = 0;
  std::size_t stream_buffer_bytes = 0;
  std::size_t addresses = 0;  // distinct IPs (/64s) with a connection
};

namespace detail {
struct ResourceState;
struct ConnectionScope;
}  // namespace detail

// One inbound stream slot; released when destroyed (or moved from).
class StreamPermit {
 public:
  StreamPermit() = default;
  StreamPermit(StreamPermit&&) noexcept;
  StreamPermit& operator=(StreamPermit&&) noexcept;
  ~StreamPermit();
  explicit operator bool() const { return state_ != nullptr; }

 private:
  friend class ConnectionPermit;
  StreamPermit(std::shared_ptr<detail::ResourceState> state, std::shared_ptr<detail::ConnectionScope> scope);
  void release();
  std::shared_ptr<detail::ResourceState> state_;
  std::shared_ptr<detail::ConnectionScope> scope_;
};

// Bytes of stream receive buffer charged to the shared budget; released when destroyed.
class MemoryCharge {
 public:
  MemoryCharge() = default;
  MemoryCharge(MemoryCharge&&) noexcept;
  MemoryCharge& operator=(MemoryCharge&&) noexcept;
  ~MemoryCharge();
  // Charges `n` more bytes; false (and nothing charged, refusal counted) when over the budget.
  bool grow(std::size_t n);
  // Charges `n` bytes whatever the budget (bytes we already held, put back).
  void charge(std::size_t n);
  // Gives back `n` bytes (at most what is charged).
  void shrink(std::size_t n);
  std::size_t charged() const { return bytes_; }

 private:
  friend class ConnectionPermit;
  explicit MemoryCharge(std::shared_ptr<detail::ResourceState> state) : state_(std::move(state)) {}
  std::shared_ptr<detail::ResourceState> state_;
  std::size_t bytes_ = 0;
};

// One inbound connection's slots (total, per IP, and a pending-handshake slot until handshake_done()).
// Released when destroyed. A default-constructed permit is "unmanaged": stream requests always succeed.
class ConnectionPermit {
 public:
  ConnectionPermit() = default;
  ConnectionPermit(ConnectionPermit&&) noexcept;
  ConnectionPermit& operator=(ConnectionPermit&&) noexcept;
  ~ConnectionPermit();
  explicit operator bool() const { return state_ != nullptr; }

  // The upgrade finished: gives the pending-handshake slot back (idempotent).
  void handshake_done();
  // An inbound stream slot on this connection, or the limit that refuses it (counted).
  std::variant<StreamPermit, ResourceRefusal> try_open_inbound_stream();
  // A stream receive-buffer charge against the shared budget (unlimited when unmanaged).
  MemoryCharge memory_charge();

 private:
  friend class ResourceManager;
  ConnectionPermit(std::shared_ptr<detail::ResourceState> state, std::string ip_key);
  void release();
  std::shared_ptr<detail::ResourceState> state_;
  std::shared_ptr<detail::ConnectionScope> scope_;
  std::string ip_key_;
  bool pending_ = false;
};

class ResourceManager {
 public:
  explicit ResourceManager(ResourceLimits limits = {});
  ~ResourceManager();
  ResourceManager(const ResourceManager&) = delete;
  ResourceManager& operator=(const ResourceManager&) = delete;

  // Admission of a just-accepted inbound connection from `ip`: a permit holding a connection slot, a
  // per-IP slot and a pending-handshake slot, or the first limit that refuses it (counted).
  std::variant<ConnectionPermit, ResourceRefusal> try_open_connection(const boost::asio::ip::address& ip);

  const ResourceLimits& limits() const;
  // Takes effect for new admissions; what is open stays open.
  void set_limits(const ResourceLimits& limits);
  ResourceUsage usage() const;
  // Refusals so far, by reason.
  std::uint64_t refused(ResourceRefusal r) const;
  std::map<std::string, std::uint64_t> refusals_by_label() const;

  // The per-IP bucket: an IPv4 address (IPv4-mapped IPv6 too), or the /64 of an IPv6 address.
  static std::string ip_key(const boost::asio::ip::address& ip);

 private:
  std::shared_ptr<detail::ResourceState> state_;
};

}  // namespace chiral::net
