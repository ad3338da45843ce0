// ResourceManager bookkeeping (see resource_manager.hpp; go-libp2p rcmgr as the model).
#include "net/resource_manager.hpp"

#include <unordered_map>

namespace chiral::net {

namespace detail {

// Shared by the manager and every permit, so a permit outliving the manager releases into live memory.
struct ResourceState {
  ResourceLimits limits;
  ResourceUsage usage;
  std::unordered_map<std::string, std::size_t> per_ip;
  std::array<std::uint64_t, kResourceRefusalCount> refused{};

  void refuse(ResourceRefusal r) { ++refused[static_cast<std::size_t>(r)]; }
};

struct ConnectionScope {
  std::size_t inbound_streams = 0;
};

}  // namespace detail

namespace {

bool over(std::size_t used, std::size_t limit) { return limit != 0 && used >= limit; }

}  // namespace

const char* resource_refusal_label(ResourceRefusal r) {
  switch (r) {
    case ResourceRefusal::connections_total: return "connections_total";
    case ResourceRefusal::connections_per_ip: return "connections_per_ip";
    case ResourceRefusal::pending_handshakes: return "pending_handshakes";
    case ResourceRefusal::streams_per_connection: return "streams_per_connection";
    case ResourceRefusal::streams_total: return "streams_total";
    case ResourceRefusal::stream_memory: return "stream_memory";
  }
  return "unknown";
}

// --- StreamPermit ---

StreamPermit::StreamPermit(std::shared_ptr<detail::ResourceState> state, std::shared_ptr<detail::ConnectionScope> scope)
    : state_(std::move(state)), scope_(std::move(scope)) {}
StreamPermit::StreamPermit(StreamPermit&& o) noexcept : state_(std::move(o.state_)), scope_(std::move(o.scope_)) {}
StreamPermit& StreamPermit::operator=(StreamPermit&& o) noexcept {
  if (this != &o) {
    release();
    state_ = std::move(o.state_);
    scope_ = std::move(o.scope_);
  }
  return *this;
}
StreamPermit::~StreamPermit() { release(); }

void StreamPermit::release() {
  if (!state_) return;
  --state_->usage.inbound_streams;
  --scope_->inbound_streams;
  state_.reset();
  scope_.reset();
}

// --- MemoryCharge ---

MemoryCharge::MemoryCharge(MemoryCharge&& o) noexcept : state_(std::move(o.state_)), bytes_(o.bytes_) { o.bytes_ = 0; }
MemoryCharge& MemoryCharge::operator=(MemoryCharge&& o) noexcept {
  if (this != &o) {
    shrink(bytes_);
    state_ = std::move(o.state_);
    bytes_ = o.bytes_;
    o.bytes_ = 0;
  }
  return *this;
}
MemoryCharge::~MemoryCharge() { shrink(bytes_); }

bool MemoryCharge::grow(std::size_t n) {
  if (!state_) {
    bytes_ += n;
    return true;
  }
  auto& used = state_->usage.stream_buffer_bytes;
  const auto limit = state_->limits.max_stream_buffer_bytes;
  if (limit != 0 && used + n > limit) {
    state_->refuse(ResourceRefusal::stream_memory);
    return false;
  }
  used += n;
  bytes_ += n;
  return true;
}

void MemoryCharge::charge(std::size_t n) {
  bytes_ += n;
  if (state_) state_->usage.stream_buffer_bytes += n;
}

void MemoryCharge::shrink(std::size_t n) {
  n = std::min(n, bytes_);
  bytes_ -= n;
  if (state_) state_->usage.stream_buffer_bytes -= n;
}

// --- ConnectionPermit ---

ConnectionPermit::ConnectionPermit(std::shared_ptr<detail::ResourceState> state, std::string ip_key)
    : state_(std::move(state)), scope_(std::make_shared<detail::ConnectionScope>()), ip_key_(std::move(ip_key)),
      pending_(true) {}

ConnectionPermit::ConnectionPermit(ConnectionPermit&& o) noexcept
    : state_(std::move(o.state_)), scope_(std::move(o.scope_)), ip_key_(std::move(o.ip_key_)), pending_(o.pending_) {
  o.pending_ = false;
}

ConnectionPermit& ConnectionPermit::operator=(ConnectionPermit&& o) noexcept {
  if (this != &o) {
    release();
    state_ = std::move(o.state_);
    scope_ = std::move(o.scope_);
    ip_key_ = std::move(o.ip_key_);
    pending_ = o.pending_;
    o.pending_ = false;
  }
  return *this;
}

ConnectionPermit::~ConnectionPermit() { release(); }

void ConnectionPermit::handshake_done() {
  if (!state_ || !pending_) return;
  pending_ = false;
  --state_->usage.pending_handshakes;
}

void ConnectionPermit::release() {
  if (!state_) return;
  handshake_done();
  --state_->usage.connections;
  auto it = state_->per_ip.find(ip_key_);
  if (it != state_->per_ip.end() && --it->second == 0) {
    state_->per_ip.erase(it);
    --state_->usage.addresses;
  }
  state_.reset();
  scope_.reset();
}

std::variant<StreamPermit, ResourceRefusal> ConnectionPermit::try_open_inbound_stream() {
  if (!state_) return StreamPermit{};
  if (over(scope_->inbound_streams, state_->limits.max_streams_per_connection)) {
    state_->refuse(ResourceRefusal::streams_per_connection);
    return ResourceRefusal::streams_per_connection;
  }
  if (over(state_->usage.inbound_streams, state_->limits.max_inbound_streams)) {
    state_->refuse(ResourceRefusal::streams_total);
    return ResourceRefusal::streams_total;
  }
  ++scope_->inbound_streams;
  ++state_->usage.inbound_streams;
  return StreamPermit(state_, scope_);
}

MemoryCharge ConnectionPermit::memory_charge() {
  MemoryCharge m;
  m.state_ = state_;
  return m;
}

// --- ResourceManager ---

ResourceManager::ResourceManager(ResourceLimits limits) : state_(std::make_shared<detail::ResourceState>()) {
  state_->limits = limits;
}

ResourceManager::~ResourceManager() = default;

std::string ResourceManager::ip_key(const boost::asio::ip::address& ip) {
  if (ip.is_v4()) return ip.to_v4().to_string();
  const auto v6 = ip.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  // One end site usually holds a whole /64: counting single addresses would let it rotate through 2^64.
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

std::variant<ConnectionPermit, ResourceRefusal> ResourceManager::try_open_connection(const boost::asio::ip::address& ip) {
  auto& s = *state_;
  // Cheapest and most specific first: the address that floods us is named in the counter.
  auto key = ip_key(ip);
  auto it = s.per_ip.find(key);
  const std::size_t from_ip = it == s.per_ip.end() ? 0 : it->second;
  ResourceRefusal refusal;
  if (over(from_ip, s.limits.max_connections_per_ip)) {
    refusal = ResourceRefusal::connections_per_ip;
  } else if (over(s.usage.connections, s.limits.max_connections)) {
    refusal = ResourceRefusal::connections_total;
  } else if (over(s.usage.pending_handshakes, s.limits.max_pending_handshakes)) {
    refusal = ResourceRefusal::pending_handshakes;
  } else {
    if (it == s.per_ip.end()) {
      s.per_ip.emplace(key, 1);
      ++s.usage.addresses;
    } else {
      ++it->second;
    }
    ++s.usage.connections;
    ++s.usage.pending_handshakes;
    return ConnectionPermit(state_, std::move(key));
  }
  s.refuse(refusal);
  return refusal;
}

const ResourceLimits& ResourceManager::limits() const { return state_->limits; }
void ResourceManager::set_limits(const ResourceLimits& limits) { state_->limits = limits; }
ResourceUsage ResourceManager::usage() const { return state_->usage; }

std::uint64_t ResourceManager::refused(ResourceRefusal r) const { return state_->refused[static_cast<std::size_t>(r)]; }

std::map<std::string, std::uint64_t> ResourceManager::refusals_by_label() const {
  std::map<std::string, std::uint64_t> out;
  for (std::size_t i = 0; i < kResourceRefusalCount; ++i) {
    out[resource_refusal_label(static_cast<ResourceRefusal>(i))] = state_->refused[i];
  }
  return out;
}

}  // namespace chiral::net
