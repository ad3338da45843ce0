// HOP/STOP codec (libp2p/specs relay/circuit-v2.md "Protobuf"), on the proto2 messages of proto/circuit.proto.
#include "protocol/relay/messages.hpp"

#include "multiformats/peer_id.hpp"
#include "proto/circuit.pb.h"

namespace chiral::relay_proto {

namespace {

void fill_peer(pb::Peer& out, const PeerInfo& in) {
  out.set_id(in.id.data(), in.id.size());
  for (const auto& a : in.addrs) out.add_addrs(a.data(), a.size());
}

void fill_limit(pb::Limit& out, const Limit& in) {
  if (in.duration_s != 0) out.set_duration(in.duration_s);
  if (in.data_bytes != 0) out.set_data(in.data_bytes);
}

void fill_reservation(pb::Reservation& out, const Reservation& in) {
  out.set_expire(in.expire);
  for (const auto& a : in.addrs) out.add_addrs(a.data(), a.size());
  if (!in.voucher.empty()) out.set_voucher(in.voucher.data(), in.voucher.size());
}

// A value outside the enum (a cast int) is left out rather than tripping protobuf's debug check.
void set_status(std::optional<Status> in, auto& msg) {
  if (in && pb::Status_IsValid(static_cast<int>(*in))) msg.set_status(static_cast<pb::Status>(*in));
}

// Drops trailing repeated entries until `msg` fits kMaxMessageSize (each removal re-measures; lists are short).
template <class Msg, class Repeated>
void shrink_to_fit(const Msg& msg, Repeated* list) {
  while (msg.ByteSizeLong() > kMaxMessageSize && list && !list->empty()) list->RemoveLast();
}

template <class Msg>
Bytes serialize(const Msg& msg) {
  Bytes out(msg.ByteSizeLong());
  msg.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

template <class Msg>
error_code parse(Msg& msg, BytesView body) {
  if (body.size() > kMaxMessageSize) return RelayProtoError::too_large;
  if (!msg.ParseFromArray(body.data(), static_cast<int>(body.size()))) return RelayProtoError::malformed;
  if (!msg.has_type()) return RelayProtoError::missing_type;  // unknown enum values land in unknown fields
  return {};
}

Result<PeerInfo> read_peer(const pb::Peer& in) {
  if (!in.has_id() || !multiformats::PeerId::from_bytes(as_bytes(in.id()))) {
    return make_error_code(RelayProtoError::invalid_peer_id);
  }
  PeerInfo out{to_bytes(in.id()), {}};
  out.addrs.reserve(static_cast<std::size_t>(in.addrs_size()));
  for (const auto& a : in.addrs()) out.addrs.push_back(to_bytes(a));
  return out;
}

Limit read_limit(const pb::Limit& in) { return Limit{in.duration(), in.data()}; }

}  // namespace

std::string_view status_name(Status s) noexcept {
  switch (s) {
    case Status::UNUSED: return "UNUSED";
    case Status::OK: return "OK";
    case Status::RESERVATION_REFUSED: return "RESERVATION_REFUSED";
    case Status::RESOURCE_LIMIT_EXCEEDED: return "RESOURCE_LIMIT_EXCEEDED";
    case Status::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case Status::CONNECTION_FAILED: return "CONNECTION_FAILED";
    case Status::NO_RESERVATION: return "NO_RESERVATION";
    case Status::MALFORMED_MESSAGE: return "MALFORMED_MESSAGE";
    case Status::UNEXPECTED_MESSAGE: return "UNEXPECTED_MESSAGE";
  }
  return "UNKNOWN";
}

std::string_view hop_type_name(HopType t) noexcept {
  switch (t) {
    case HopType::RESERVE: return "RESERVE";
    case HopType::CONNECT: return "CONNECT";
    case HopType::STATUS: return "STATUS";
  }
  return "UNKNOWN";
}

std::string_view stop_type_name(StopType t) noexcept {
  switch (t) {
    case StopType::CONNECT: return "CONNECT";
    case StopType::STATUS: return "STATUS";
  }
  return "UNKNOWN";
}

Bytes encode_hop(const HopMessage& msg) {
  pb::HopMessage out;
  out.set_type(static_cast<pb::HopMessage_Type>(msg.type));
  if (msg.peer) fill_peer(*out.mutable_peer(), *msg.peer);
  if (msg.reservation) fill_reservation(*out.mutable_reservation(), *msg.reservation);
  if (msg.limit && !msg.limit->unlimited()) fill_limit(*out.mutable_limit(), *msg.limit);
  set_status(msg.status, out);
  if (out.has_reservation()) shrink_to_fit(out, out.mutable_reservation()->mutable_addrs());
  if (out.has_peer()) shrink_to_fit(out, out.mutable_peer()->mutable_addrs());
  return serialize(out);
}

Bytes encode_stop(const StopMessage& msg) {
  pb::StopMessage out;
  out.set_type(static_cast<pb::StopMessage_Type>(msg.type));
  if (msg.peer) fill_peer(*out.mutable_peer(), *msg.peer);
  if (msg.limit && !msg.limit->unlimited()) fill_limit(*out.mutable_limit(), *msg.limit);
  set_status(msg.status, out);
  if (out.has_peer()) shrink_to_fit(out, out.mutable_peer()->mutable_addrs());
  return serialize(out);
}

Result<HopMessage> decode_hop(BytesView body) {
  pb::HopMessage in;
  if (auto ec = parse(in, body)) return ec;
  HopMessage out;
  out.type = static_cast<HopType>(in.type());
  if (in.has_peer()) {
    auto peer = read_peer(in.peer());
    if (!peer) return peer.error();
    out.peer = std::move(*peer);
  }
  if (in.has_reservation()) {
    const auto& r = in.reservation();
    if (!r.has_expire()) return make_error_code(RelayProtoError::missing_expire);
    Reservation res{r.expire(), {}, to_bytes(r.voucher())};
    res.addrs.reserve(static_cast<std::size_t>(r.addrs_size()));
    for (const auto& a : r.addrs()) res.addrs.push_back(to_bytes(a));
    out.reservation = std::move(res);
  }
  if (in.has_limit()) out.limit = read_limit(in.limit());
  if (in.has_status()) out.status = static_cast<Status>(in.status());
  if (out.type == HopType::CONNECT && !out.peer) return make_error_code(RelayProtoError::missing_peer);
  if (out.type == HopType::STATUS && !out.status) return make_error_code(RelayProtoError::missing_status);
  return out;
}

Result<StopMessage> decode_stop(BytesView body) {
  pb::StopMessage in;
  if (auto ec = parse(in, body)) return ec;
  StopMessage out;
  out.type = static_cast<StopType>(in.type());
  if (in.has_peer()) {
    auto peer = read_peer(in.peer());
    if (!peer) return peer.error();
    out.peer = std::move(*peer);
  }
  if (in.has_limit()) out.limit = read_limit(in.limit());
  if (in.has_status()) out.status = static_cast<Status>(in.status());
  if (out.type == StopType::CONNECT && !out.peer) return make_error_code(RelayProtoError::missing_peer);
  if (out.type == StopType::STATUS && !out.status) return make_error_code(RelayProtoError::missing_status);
  return out;
}

}  // namespace chiral::relay_proto
