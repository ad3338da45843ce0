#include "protocol/identify/identify.hpp"

#include <algorithm>

#include "core/uvarint.hpp"
#include "proto/identify.pb.h"

namespace chiral::identify {

namespace {
const char* identify_message(IdentifyError e) {
  switch (e) {
    case IdentifyError::ok: return "ok";
    case IdentifyError::malformed: return "malformed identify message";
    case IdentifyError::too_many_messages: return "too many identify messages";
    case IdentifyError::message_too_large: return "identify message too large";
  }
  return "unknown identify error";
}

template <class T>
void append_unique(std::vector<T>& v, T item) {
  if (std::find(v.begin(), v.end(), item) == v.end()) v.push_back(std::move(item));
}
}  // namespace

const boost::system::error_category& identify_category() noexcept {
  static const EnumCategory<IdentifyError> cat("chiral.identify", identify_message);
  return cat;
}

Bytes encode(const Info& info) {
  pb::Identify msg;
  // Empty scalars are left out: a second message (or a push) must not blank what the first one said.
  if (!info.protocol_version.empty()) msg.set_protocolversion(info.protocol_version);
  if (!info.agent_version.empty()) msg.set_agentversion(info.agent_version);
  if (!info.public_key.empty()) msg.set_publickey(info.public_key.data(), info.public_key.size());
  for (const auto& p : info.protocols) msg.add_protocols(p);
  if (!info.observed_addr.empty()) msg.set_observedaddr(info.observed_addr.data(), info.observed_addr.size());
  if (!info.signed_peer_record.empty()) {
    msg.set_signedpeerrecord(info.signed_peer_record.data(), info.signed_peer_record.size());
  }
  for (const auto& a : info.listen_addrs) {
    msg.add_listenaddrs(a.data(), a.size());
    if (msg.ByteSizeLong() > kMaxSendSize) {
      msg.mutable_listenaddrs()->RemoveLast();
      break;
    }
  }
  Bytes out(msg.ByteSizeLong());
  msg.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

error_code merge(Info& into, BytesView message) {
  if (message.size() > kMaxRecvMessageSize) return IdentifyError::message_too_large;
  pb::Identify msg;
  if (!msg.ParseFromArray(message.data(), static_cast<int>(message.size()))) return IdentifyError::malformed;
  if (msg.has_protocolversion()) into.protocol_version = msg.protocolversion();
  if (msg.has_agentversion()) into.agent_version = msg.agentversion();
  if (msg.has_publickey()) into.public_key.assign(msg.publickey().begin(), msg.publickey().end());
  if (msg.has_observedaddr()) into.observed_addr.assign(msg.observedaddr().begin(), msg.observedaddr().end());
  if (msg.has_signedpeerrecord()) {
    into.signed_peer_record.assign(msg.signedpeerrecord().begin(), msg.signedpeerrecord().end());
  }
  for (const auto& a : msg.listenaddrs()) append_unique(into.listen_addrs, Bytes(a.begin(), a.end()));
  for (const auto& p : msg.protocols()) append_unique(into.protocols, p);
  return {};
}

Result<std::size_t> Reader::feed(BytesView in) {
  std::size_t consumed = 0;
  while (consumed < in.size()) {
    auto frame = uvarint::decode_frame(in.subspan(consumed), kMaxRecvMessageSize);
    if (!frame) {
      if (frame.error() == make_error_code(CoreError::truncated)) break;
      if (frame.error() == make_error_code(CoreError::too_large)) return make_error_code(IdentifyError::message_too_large);
      return make_error_code(IdentifyError::malformed);
    }
    if (messages_ == kMaxRecvMessages) return make_error_code(IdentifyError::too_many_messages);
    if (auto ec = merge(info_, frame->body)) return ec;
    ++messages_;
    consumed += frame->consumed;
  }
  return consumed;
}

}  // namespace chiral::identify
