// AutoNAT v2 codec (libp2p/specs autonat/autonat-v2.md "RPC Messages") on the proto3 messages of
// proto/autonat_v2.proto.
#include "protocol/autonat/messages_v2.hpp"

#include "proto/autonat_v2.pb.h"

namespace chiral::autonat::v2 {

namespace {

template <class Msg>
Bytes serialize(const Msg& msg) {
  Bytes out(msg.ByteSizeLong());
  if (!out.empty()) msg.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

template <class Msg>
error_code parse(Msg& msg, BytesView body) {
  if (body.size() > kMaxMessageSize) return AutonatError::too_large;
  if (!msg.ParseFromArray(body.data(), static_cast<int>(body.size()))) return AutonatError::malformed;
  return {};
}

// Template overload set for std::visit: fills the oneof member of `out`.
struct Filler {
  pb::autonat2::Message& out;
  void operator()(const DialRequest& m) const {
    auto* r = out.mutable_dialrequest();
    for (const auto& a : m.addrs) r->add_addrs(a.data(), a.size());
    r->set_nonce(m.nonce);
  }
  void operator()(const DialResponse& m) const {
    auto* r = out.mutable_dialresponse();
    r->set_status(static_cast<pb::autonat2::DialResponse_ResponseStatus>(m.status));
    r->set_addridx(m.addr_idx);
    r->set_dialstatus(static_cast<pb::autonat2::DialStatus>(m.dial_status));
  }
  void operator()(const DialDataRequest& m) const {
    auto* r = out.mutable_dialdatarequest();
    r->set_addridx(m.addr_idx);
    r->set_numbytes(m.num_bytes);
  }
  void operator()(const DialDataResponse& m) const {
    out.mutable_dialdataresponse()->set_data(m.data.data(), m.data.size());
  }
};

}  // namespace

std::string_view response_status_name(ResponseStatus s) noexcept {
  switch (s) {
    case ResponseStatus::E_INTERNAL_ERROR: return "E_INTERNAL_ERROR";
    case ResponseStatus::E_REQUEST_REJECTED: return "E_REQUEST_REJECTED";
    case ResponseStatus::E_DIAL_REFUSED: return "E_DIAL_REFUSED";
    case ResponseStatus::OK: return "OK";
  }
  return "UNKNOWN";
}

std::string_view dial_status_name(DialStatus s) noexcept {
  switch (s) {
    case DialStatus::UNUSED: return "UNUSED";
    case DialStatus::E_DIAL_ERROR: return "E_DIAL_ERROR";
    case DialStatus::E_DIAL_BACK_ERROR: return "E_DIAL_BACK_ERROR";
    case DialStatus::OK: return "OK";
  }
  return "UNKNOWN";
}

Bytes encode_message(const Message& msg) {
  pb::autonat2::Message out;
  std::visit(Filler{out}, msg);
  return serialize(out);
}

Bytes encode_dial_data_chunk(std::size_t data_len) {
  pb::autonat2::Message out;
  out.mutable_dialdataresponse()->mutable_data()->assign(data_len, '\0');
  return serialize(out);
}

Bytes encode_dial_back(const DialBack& msg) {
  pb::autonat2::DialBack out;
  out.set_nonce(msg.nonce);
  return serialize(out);
}

Bytes encode_dial_back_response(const DialBackResponse& msg) {
  pb::autonat2::DialBackResponse out;
  out.set_status(static_cast<pb::autonat2::DialBackResponse_DialBackStatus>(msg.status));
  return serialize(out);
}

Result<Message> decode_message(BytesView body) {
  pb::autonat2::Message in;
  if (auto ec = parse(in, body)) return ec;
  switch (in.msg_case()) {
    case pb::autonat2::Message::kDialRequest: {
      const auto& r = in.dialrequest();
      DialRequest out;
      out.addrs.reserve(static_cast<std::size_t>(r.addrs_size()));
      for (const auto& a : r.addrs()) out.addrs.push_back(to_bytes(a));
      out.nonce = r.nonce();
      return Message(std::move(out));
    }
    case pb::autonat2::Message::kDialResponse: {
      const auto& r = in.dialresponse();
      DialResponse out;
      out.status = static_cast<ResponseStatus>(r.status());
      out.addr_idx = r.addridx();
      out.dial_status = static_cast<DialStatus>(r.dialstatus());
      return Message(out);
    }
    case pb::autonat2::Message::kDialDataRequest: {
      const auto& r = in.dialdatarequest();
      DialDataRequest out;
      out.addr_idx = r.addridx();
      out.num_bytes = r.numbytes();
      return Message(out);
    }
    case pb::autonat2::Message::kDialDataResponse: {
      DialDataResponse out;
      out.data = to_bytes(in.dialdataresponse().data());
      return Message(std::move(out));
    }
    case pb::autonat2::Message::MSG_NOT_SET:
      break;
  }
  return make_error_code(AutonatError::empty_message);
}

Result<DialBack> decode_dial_back(BytesView body) {
  pb::autonat2::DialBack in;
  if (auto ec = parse(in, body)) return ec;
  return DialBack{in.nonce()};
}

Result<DialBackResponse> decode_dial_back_response(BytesView body) {
  pb::autonat2::DialBackResponse in;
  if (auto ec = parse(in, body)) return ec;
  return DialBackResponse{static_cast<DialBackStatus>(in.status())};
}

}  // namespace chiral::autonat::v2
