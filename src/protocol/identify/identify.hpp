// Identify codec (libp2p/specs identify/README.md): one protobuf message per uvarint frame. We send ONE
// message <= 4096 bytes (rust reads exactly one); we accept up to 10 messages <= 8 KiB and merge them
// (go/js split the signed peer record into a second message).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/result.hpp"

namespace chiral::identify {

inline constexpr std::string_view kProtocolId = "/ipfs/id/1.0.0";
inline constexpr std::string_view kPushProtocolId = "/ipfs/id/push/1.0.0";
inline constexpr std::size_t kMaxSendSize = 4096;
inline constexpr std::size_t kMaxRecvMessageSize = 8192;
inline constexpr std::size_t kMaxRecvMessages = 10;

struct Info {
  std::string protocol_version;
  std::string agent_version;
  Bytes public_key;                 // serialized libp2p PublicKey
  std::vector<Bytes> listen_addrs;  // binary multiaddrs
  Bytes observed_addr;              // binary multiaddr
  std::vector<std::string> protocols;
  Bytes signed_peer_record;         // serialized Envelope, empty when absent
};

enum class IdentifyError {
  ok = 0,
  malformed = 1,
  too_many_messages = 2,
  message_too_large = 3,
};
const boost::system::error_category& identify_category() noexcept;
inline error_code make_error_code(IdentifyError e) noexcept { return {static_cast<int>(e), identify_category()}; }

// Serializes `info` as one protobuf message. Drops trailing listen addresses (never the key) if the
// message would exceed kMaxSendSize, so the result always fits.
Bytes encode(const Info& info);

// Parses one received message and merges it into `into`: scalars are overwritten when present,
// repeated fields appended (duplicates dropped).
error_code merge(Info& into, BytesView message);

// Incremental reader for a whole identify exchange: feed bytes as they arrive, then finish() at EOF.
class Reader {
 public:
  // Consumes complete frames from `in`, returns the number of bytes consumed; bytes of an incomplete
  // frame are left for the caller to feed again with more data appended.
  Result<std::size_t> feed(BytesView in);
  std::size_t messages() const { return messages_; }
  const Info& info() const { return info_; }
  Info& info() { return info_; }

 private:
  Info info_;
  std::size_t messages_ = 0;
};

}  // namespace chiral::identify

namespace boost::system {
template <>
struct is_error_code_enum<chiral::identify::IdentifyError> : std::true_type {};
}  // namespace boost::system
