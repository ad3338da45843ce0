// AutoNAT v1 codec (libp2p/specs autonat/autonat-v1.md "RPC messages") on proto/autonat_v1.proto.
#include "protocol/autonat/messages_v1.hpp"

#include "proto/autonat_v1.pb.h"

namespace chiral::autonat::v1 {

namespace {
using PbMessage = pb::autonat1::Message;
}  // namespace

std::string_view response_status_name(ResponseStatus s) noexcept {
  switch (s) {
    case ResponseStatus::OK: return "OK";
    case ResponseStatus::E_DIAL_ERROR: return "E_DIAL_ERROR";
    case ResponseStatus::E_DIAL_REFUSED: return "E_DIAL_REFUSED";
    case ResponseStatus::E_BAD_REQUEST: return "E_BAD_REQUEST";
    case ResponseStatus::E_INTERNAL_ERROR: return "E_INTERNAL_ERROR";
  }
  return "UNKNOWN";
}

Bytes encode(const Message& msg) {
  PbMessage out;
  out.set_type(static_cast<PbMessage::MessageType>(msg.type));
  if (msg.dial) {
    auto* d = out.mutable_dial();
    if (msg.dial->peer) {
      auto* p = d->mutable_peer();
      if (msg.dial->peer->id) p->set_id(msg.dial->peer->id->data(), msg.dial->peer->id->size());
      for (const auto& a : msg.dial->peer->addrs) p->add_addrs(a.data(), a.size());
    }
  }
  if (msg.dial_response) {
    auto* r = out.mutable_dialresponse();
    // A value outside the enum (a cast int) is left out rather than tripping protobuf's debug check.
    if (msg.dial_response->status && PbMessage::ResponseStatus_IsValid(static_cast<int>(*msg.dial_response->status))) {
      r->set_status(static_cast<PbMessage::ResponseStatus>(*msg.dial_response->status));
    }
    if (msg.dial_response->addr) r->set_addr(msg.dial_response->addr->data(), msg.dial_response->addr->size());
    if (!msg.dial_response->status_text.empty()) {
      r->set_statustext(msg.dial_response->status_text);
      const std::size_t size = out.ByteSizeLong();
      if (size > kMaxSendSize) {
        auto* text = r->mutable_statustext();
        text->resize(text->size() > size - kMaxSendSize + 8 ? text->size() - (size - kMaxSendSize + 8) : 0);
      }
    }
  }
  Bytes bytes(out.ByteSizeLong());
  out.SerializeToArray(bytes.data(), static_cast<int>(bytes.size()));
  return bytes;
}

Result<Message> decode(BytesView body) {
  if (body.size() > kMaxMessageSize) return make_error_code(AutonatError::too_large);
  PbMessage in;
  if (!in.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return make_error_code(AutonatError::malformed);
  }
  if (!in.has_type()) return make_error_code(AutonatError::missing_type);
  Message out;
  out.type = static_cast<MessageType>(in.type());
  if (in.has_dial()) {
    Dial d;
    if (in.dial().has_peer()) {
      const auto& p = in.dial().peer();
      PeerInfo info;
      if (p.has_id()) info.id = to_bytes(p.id());
      info.addrs.reserve(static_cast<std::size_t>(p.addrs_size()));
      for (const auto& a : p.addrs()) info.addrs.push_back(to_bytes(a));
      d.peer = std::move(info);
    }
    out.dial = std::move(d);
  }
  if (in.has_dialresponse()) {
    const auto& r = in.dialresponse();
    DialResponse resp;
    if (r.has_status()) resp.status = static_cast<ResponseStatus>(r.status());
    resp.status_text = r.statustext();
    if (r.has_addr()) resp.addr = to_bytes(r.addr());
    out.dial_response = std::move(resp);
  }
  return out;
}

}  // namespace chiral::autonat::v1
