#include "services/relay_client.hpp"

#include "core/error.hpp"
#include "services/auth_service.hpp"

namespace chiral::services {

using namespace chiral::net;

awaitable<Result<relay_proto::HopMessage>> relay_reserve(ConnectionPtr relay, Clock::duration timeout) {
  auto s = co_await relay->open_stream(relay_proto::kHopProtocolId);
  if (!s) co_return s.error();
  auto stream = *s;
  Watchdog wd(relay->executor(), timeout, [stream] { stream->reset(); });
  relay_proto::HopMessage req;
  req.type = relay_proto::HopType::RESERVE;
  if (auto ec = co_await stream->write_frame(relay_proto::encode_hop(req))) co_return ec;
  auto answer = co_await stream->read_frame(relay_proto::kMaxMessageSize);
  if (!answer) co_return answer.error();
  stream->close_write();
  co_return relay_proto::decode_hop(*answer);
}

awaitable<Result<RelayedStream>> relay_connect(ConnectionPtr relay, const multiformats::PeerId& target,
                                               Clock::duration timeout) {
  auto s = co_await relay->open_stream(relay_proto::kHopProtocolId);
  if (!s) co_return s.error();
  auto stream = *s;
  Watchdog wd(relay->executor(), timeout, [stream] { stream->reset(); });
  relay_proto::HopMessage req;
  req.type = relay_proto::HopType::CONNECT;
  req.peer = relay_proto::PeerInfo{target.bytes(), {}};
  if (auto ec = co_await stream->write_frame(relay_proto::encode_hop(req))) co_return ec;
  auto answer = co_await stream->read_frame(relay_proto::kMaxMessageSize);
  if (!answer) co_return answer.error();
  auto msg = relay_proto::decode_hop(*answer);
  if (!msg) co_return msg.error();
  RelayedStream out{std::move(*msg), nullptr};
  if (out.status.status == relay_proto::Status::OK) {
    out.stream = stream;
  } else {
    stream->close_write();
  }
  co_return out;
}

awaitable<Result<bool>> relay_authenticate(ConnectionPtr relay, std::string_view token) {
  auto s = co_await relay->open_stream(kAuthProtocolId);
  if (!s) co_return Result<bool>(boost::system::in_place_error, s.error());
  const auto n = static_cast<std::uint32_t>(token.size());
  Bytes msg = {static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n >> 16),
               static_cast<std::uint8_t>(n >> 24)};
  append(msg, as_bytes(token));
  if (auto ec = co_await (*s)->write(msg)) co_return Result<bool>(boost::system::in_place_error, ec);
  std::uint8_t answer = 0;
  if (auto ec = co_await (*s)->read_exact({&answer, 1})) co_return Result<bool>(boost::system::in_place_error, ec);
  (*s)->close_write();
  co_return answer == 1;
}

StopListener::StopListener(Host& host, OnCircuit on_circuit) : on_circuit_(std::move(on_circuit)) {
  host.set_handler(std::string(relay_proto::kStopProtocolId), [this](StreamPtr s) { return serve(std::move(s)); });
}

awaitable<void> StopListener::serve(StreamPtr s) {
  auto req = co_await s->read_frame(relay_proto::kMaxMessageSize);
  if (!req) {
    s->reset();
    co_return;
  }
  auto msg = relay_proto::decode_stop(*req);
  std::optional<multiformats::PeerId> source;
  if (msg && msg->type == relay_proto::StopType::CONNECT && msg->peer) {
    auto id = multiformats::PeerId::from_bytes(msg->peer->id);
    if (id) source = *id;
  }
  relay_proto::StopMessage resp;
  resp.type = relay_proto::StopType::STATUS;
  resp.status = source ? relay_proto::Status::OK : relay_proto::Status::MALFORMED_MESSAGE;
  if (co_await s->write_frame(relay_proto::encode_stop(resp)) || !source) {
    s->close_write();
    co_return;
  }
  co_await on_circuit_(s, *source, msg->limit);
}

}  // namespace chiral::services
